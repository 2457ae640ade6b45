/// A number found in a question: an amount of money, a count of things, or a bare number.
public struct NumberMention: Sendable, Equatable {
    /// What the number measures.
    public enum Kind: Sendable, Equatable {
        /// Money, with `value` in yuan (「两百万」, 「80w」, 「2,000,000元」).
        case money
        /// A count of things, with the counter word (「三项」, 「5件」).
        case count(String)
        /// A percentage, with `value` in whole percent.
        case percent
        /// A number with no unit (「2025年」 reads as plain 2025 followed by 年).
        case plain
    }

    /// The value: yuan for money, the count for counts.
    public var value: Int64
    /// What the number measures.
    public var kind: Kind
    /// Where it stands in the normalized text, as character offsets.
    public var range: Range<Int>

    public init(value: Int64, kind: Kind, range: Range<Int>) {
        self.value = value
        self.kind = kind
        self.range = range
    }
}

/// Reads numbers written in any of the ways enterprises type them: Arabic or Chinese
/// numerals, with 万/亿/千/元/w/k, thousands separators and decimals.
public enum NumberReader {
    static let digits: [Character: Int64] = [
        "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
    ]
    static let smallUnits: [Character: Int64] = ["十": 10, "百": 100, "千": 1000]
    static let moneyUnits: Set<Character> = ["元", "块"]
    static let counters: Set<Character> = ["件", "项", "个", "家", "次", "笔", "条"]

    /// Every number in `chars`, left to right.
    public static func mentions(in chars: [Character]) -> [NumberMention] {
        var result: [NumberMention] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isASCII, c.isNumber {
                let (mention, end) = readArabic(chars, from: i)
                if let mention { result.append(mention) }
                i = max(end, i + 1)
            } else if digits[c] != nil || (c == "十" && i + 1 < chars.count && startsTen(chars[i + 1])) {
                let (mention, end) = readChinese(chars, from: i)
                if let mention { result.append(mention) }
                i = max(end, i + 1)
            } else {
                i += 1
            }
        }
        return result
    }

    /// Whether 十 followed by `c` is a number (十万, 十项, 十五) rather than a word (十分).
    private static func startsTen(_ c: Character) -> Bool {
        digits[c] != nil || smallUnits[c] != nil || c == "万" || c == "亿" || counters.contains(c)
            || moneyUnits.contains(c)
    }

    /// Reads 1,200 / 1.5 / 80 and the unit after it.
    private static func readArabic(_ chars: [Character], from start: Int) -> (NumberMention?, Int) {
        var i = start
        var mantissa: Int64 = 0
        var scale: Int64 = 1
        var seenPoint = false
        var digitCount = 0
        while i < chars.count {
            let c = chars[i]
            if c.isASCII, let d = c.wholeNumberValue {
                guard digitCount < 15 else { return (nil, i + 1) }
                mantissa = mantissa * 10 + Int64(d)
                if seenPoint { scale *= 10 }
                digitCount += 1
                i += 1
            } else if c == ",", !seenPoint, i + 3 < chars.count + 0, i + 1 < chars.count,
                chars[i + 1].isASCII, chars[i + 1].isNumber
            {
                i += 1
            } else if c == ".", !seenPoint, i + 1 < chars.count, chars[i + 1].isASCII, chars[i + 1].isNumber {
                seenPoint = true
                i += 1
            } else {
                break
            }
        }
        return readUnit(chars, at: i, start: start, mantissa: mantissa, scale: scale)
    }

    /// Reads 三百六十万 / 两千 / 一亿二千万 and the unit after it.
    private static func readChinese(_ chars: [Character], from start: Int) -> (NumberMention?, Int) {
        var i = start
        var total: Int64 = 0
        var section: Int64 = 0
        var number: Int64 = 0
        var sawLargeUnit = false
        var lastSmallUnit: Int64 = 0
        while i < chars.count {
            let c = chars[i]
            if let d = digits[c] {
                number = d
                i += 1
            } else if let unit = smallUnits[c] {
                section += (number == 0 && unit == 10 ? 1 : number) * unit
                lastSmallUnit = unit
                number = 0
                i += 1
            } else if c == "万" || c == "亿" {
                // 「万元」 after a Chinese number is money; 「万」 alone is money too in this domain.
                let unit: Int64 = c == "万" ? 10_000 : 100_000_000
                let value = section + number
                if c == "亿" {
                    total = (total + value) * unit
                } else {
                    total += value * unit
                }
                section = 0
                number = 0
                lastSmallUnit = 0
                sawLargeUnit = true
                i += 1
            } else {
                break
            }
        }
        // 「两百五」 means 250: a trailing digit after a unit stands one place lower.
        if number > 0, lastSmallUnit >= 100, section > 0 { number *= lastSmallUnit / 10 }
        let value = total + section + number
        if sawLargeUnit {
            var end = i
            if end < chars.count, moneyUnits.contains(chars[end]) { end += 1 }
            return (NumberMention(value: value, kind: .money, range: start..<end), end)
        }
        return readUnit(chars, at: i, start: start, mantissa: value, scale: 1)
    }

    /// Reads what follows a number: 万/亿/千/w/k/元/% or a counter word.
    private static func readUnit(
        _ chars: [Character], at index: Int, start: Int, mantissa: Int64, scale: Int64
    ) -> (NumberMention?, Int) {
        var i = index
        while i < chars.count, chars[i] == " " { i += 1 }
        guard i < chars.count else {
            return (NumberMention(value: mantissa / scale, kind: .plain, range: start..<index), index)
        }
        var multiplier: Int64 = 0
        switch chars[i] {
        case "亿": multiplier = 100_000_000
        case "万", "w": multiplier = 10_000
        case "千", "k": multiplier = 1_000
        default: break
        }
        if multiplier > 0 {
            // 「千」 after a number is only money when 元/块 or 万 follows, or k stands alone.
            var end = i + 1
            if end < chars.count, chars[end] == "万" {
                multiplier *= 10_000
                end += 1
            }
            if end < chars.count, moneyUnits.contains(chars[end]) { end += 1 }
            let value = (mantissa * multiplier + scale / 2) / scale
            return (NumberMention(value: value, kind: .money, range: start..<end), end)
        }
        if moneyUnits.contains(chars[i]) {
            return (NumberMention(value: mantissa / scale, kind: .money, range: start..<(i + 1)), i + 1)
        }
        if chars[i] == "%" {
            return (NumberMention(value: mantissa / scale, kind: .percent, range: start..<(i + 1)), i + 1)
        }
        if counters.contains(chars[i]) {
            return (NumberMention(value: mantissa / scale, kind: .count(String(chars[i])), range: start..<(i + 1)), i + 1)
        }
        return (NumberMention(value: mantissa / scale, kind: .plain, range: start..<index), index)
    }
}
