import PolicyKit

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
        /// A number too large to be what a question means (over ``NumberReader/plausibleYuan`` yuan, or
        /// past what 64 bits hold): it is read past whole and stands for no fact, so that 「一亿亿亿」
        /// neither traps nor leaves a smaller number behind it to be misread.
        case implausible
    }

    /// The value: yuan for money, the count for counts.
    public var value: Int64
    /// What the number measures.
    public var kind: Kind
    /// Where it stands in the normalized text, as offsets of Unicode scalars.
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
    /// The largest amount a question can state and be taken at its word: 10^13 yuan (10万亿), more than
    /// any enterprise's subsidy base. A larger number is read as ``NumberMention/Kind/implausible``.
    public static let plausibleYuan: Int64 = Money.plausibleYuan
    /// The largest count of things (patents, projects) a question can state and be taken at its word.
    public static let plausibleCount: Int64 = 1_000_000

    private static func s(_ c: Unicode.Scalar) -> UInt32 { c.value }

    static let digits: [UInt32: Int64] = [
        s("零"): 0, s("〇"): 0, s("一"): 1, s("二"): 2, s("两"): 2, s("三"): 3, s("四"): 4, s("五"): 5,
        s("六"): 6, s("七"): 7, s("八"): 8, s("九"): 9,
    ]
    static let smallUnits: [UInt32: Int64] = [s("十"): 10, s("百"): 100, s("千"): 1000]
    static let wan = s("万"), yi = s("亿"), qian = s("千"), ten = s("十")
    static let moneyUnits: Set<UInt32> = [s("元"), s("块")]
    static let counters: Set<UInt32> = [s("件"), s("项"), s("个"), s("家"), s("次"), s("笔"), s("条")]

    /// Every number in `text`, left to right.
    public static func mentions(in text: String) -> [NumberMention] {
        mentions(in: text.unicodeScalars.map(\.value))
    }

    /// Every number in `scalars`, left to right.
    public static func mentions(in scalars: [UInt32]) -> [NumberMention] {
        var result: [NumberMention] = []
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if isDigit(c) {
                let (mention, end) = readArabic(scalars, from: i)
                if let mention { result.append(mention) }
                i = max(end, i + 1)
            } else if digits[c] != nil || (c == ten && i + 1 < scalars.count && startsTen(scalars[i + 1])) {
                let (mention, end) = readChinese(scalars, from: i)
                if let mention { result.append(mention) }
                i = max(end, i + 1)
            } else {
                i += 1
            }
        }
        return result
    }

    private static func isDigit(_ c: UInt32) -> Bool { c >= 0x30 && c <= 0x39 }

    /// Whether 十 followed by `c` is a number (十万, 十项, 十五) rather than a word (十分).
    private static func startsTen(_ c: UInt32) -> Bool {
        digits[c] != nil || smallUnits[c] != nil || c == wan || c == yi || counters.contains(c) || moneyUnits.contains(c)
    }

    /// Reads 1,200 / 1.5 / 80 and the unit after it.
    ///
    /// A run of more digits than 64 bits can hold is read past whole, with its unit, as one
    /// implausible number: stopping inside it would leave its tail to be read as a number of its own.
    private static func readArabic(_ scalars: [UInt32], from start: Int) -> (NumberMention?, Int) {
        var i = start
        var mantissa: Int64 = 0
        var scale: Int64 = 1
        var seenPoint = false
        var digitCount = 0
        while i < scalars.count {
            let c = scalars[i]
            if isDigit(c) {
                if digitCount < 15 {
                    mantissa = mantissa * 10 + Int64(c - 0x30)
                    if seenPoint { scale *= 10 }
                }
                digitCount += 1
                i += 1
            } else if c == 0x2C, !seenPoint, i + 1 < scalars.count, isDigit(scalars[i + 1]) {
                i += 1
            } else if c == 0x2E, !seenPoint, i + 1 < scalars.count, isDigit(scalars[i + 1]) {
                seenPoint = true
                i += 1
            } else {
                break
            }
        }
        guard digitCount <= 15 else {
            let (_, end) = readUnit(scalars, at: i, start: start, mantissa: 0, scale: 1)
            return (NumberMention(value: 0, kind: .implausible, range: start..<end), end)
        }
        return readUnit(scalars, at: i, start: start, mantissa: mantissa, scale: scale)
    }

    /// Reads 三百六十万 / 两千 / 一亿二千万 and the unit after it.
    ///
    /// Every step reports overflow: a numeral past 64 bits (「一亿亿亿」) is still read to its end, in
    /// one pass, and becomes one implausible number.
    private static func readChinese(_ scalars: [UInt32], from start: Int) -> (NumberMention?, Int) {
        var i = start
        var total: Int64 = 0
        var section: Int64 = 0
        var number: Int64 = 0
        var sawLargeUnit = false
        var lastSmallUnit: Int64 = 0
        var overflowed = false
        while i < scalars.count {
            let c = scalars[i]
            if let d = digits[c] {
                number = d
                i += 1
            } else if let unit = smallUnits[c] {
                let added = Checked.multiply(number == 0 && unit == 10 ? 1 : number, unit)
                if let sum = added.flatMap({ Checked.add(section, $0) }) { section = sum } else { overflowed = true }
                lastSmallUnit = unit
                number = 0
                i += 1
            } else if c == wan || c == yi {
                let value = Checked.add(section, number)
                let next: Int64?
                if c == yi {
                    next = value.flatMap { Checked.add(total, $0) }.flatMap { Checked.multiply($0, 100_000_000) }
                } else {
                    next = value.flatMap { Checked.multiply($0, 10_000) }.flatMap { Checked.add(total, $0) }
                }
                if let next { total = next } else { overflowed = true }
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
        let value = Checked.add(total, section).flatMap { Checked.add($0, number) }
        guard !overflowed, let value else {
            var end = i
            if end < scalars.count, moneyUnits.contains(scalars[end]) { end += 1 }
            return (NumberMention(value: 0, kind: .implausible, range: start..<end), end)
        }
        if sawLargeUnit {
            var end = i
            if end < scalars.count, moneyUnits.contains(scalars[end]) { end += 1 }
            return (bounded(NumberMention(value: value, kind: .money, range: start..<end)), end)
        }
        return readUnit(scalars, at: i, start: start, mantissa: value, scale: 1)
    }

    /// The mention itself, or an implausible one in its place when its value is past belief.
    private static func bounded(_ mention: NumberMention) -> NumberMention {
        switch mention.kind {
        case .money where mention.value > plausibleYuan, .count where mention.value > plausibleCount:
            NumberMention(value: 0, kind: .implausible, range: mention.range)
        default:
            mention
        }
    }

    /// Reads what follows a number: 万/亿/千/w/k/元/% or a counter word.
    private static func readUnit(
        _ scalars: [UInt32], at index: Int, start: Int, mantissa: Int64, scale: Int64
    ) -> (NumberMention?, Int) {
        var i = index
        while i < scalars.count, scalars[i] == 0x20 { i += 1 }
        guard i < scalars.count else {
            return (NumberMention(value: mantissa / scale, kind: .plain, range: start..<index), index)
        }
        var multiplier: Int64 = 0
        switch scalars[i] {
        case yi: multiplier = 100_000_000
        case wan, 0x77: multiplier = 10_000  // 万, w
        case qian, 0x6B: multiplier = 1_000  // 千, k
        default: break
        }
        if multiplier > 0 {
            var end = i + 1
            if end < scalars.count, scalars[end] == wan {
                multiplier *= 10_000
                end += 1
            }
            if end < scalars.count, moneyUnits.contains(scalars[end]) { end += 1 }
            guard let product = Checked.multiply(mantissa, multiplier), let rounded = Checked.add(product, scale / 2) else {
                return (NumberMention(value: 0, kind: .implausible, range: start..<end), end)
            }
            return (bounded(NumberMention(value: rounded / scale, kind: .money, range: start..<end)), end)
        }
        let c = scalars[i]
        if moneyUnits.contains(c) {
            return (bounded(NumberMention(value: mantissa / scale, kind: .money, range: start..<(i + 1))), i + 1)
        }
        if c == 0x25 {
            return (NumberMention(value: mantissa / scale, kind: .percent, range: start..<(i + 1)), i + 1)
        }
        if counters.contains(c), let counter = Unicode.Scalar(c) {
            let mention = NumberMention(value: mantissa / scale, kind: .count(String(Character(counter))), range: start..<(i + 1))
            return (bounded(mention), i + 1)
        }
        return (NumberMention(value: mantissa / scale, kind: .plain, range: start..<index), index)
    }
}
