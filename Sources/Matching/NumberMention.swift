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
    /// Whether the question gives the figure only roughly (「80多万」, 「八十来万」, 「三百万左右」,
    /// 「大概300万」): `value` is then the round figure said, and an answer computed from it is
    /// approximate too.
    public var approximate: Bool

    public init(value: Int64, kind: Kind, range: Range<Int>, approximate: Bool = false) {
        self.value = value
        self.kind = kind
        self.range = range
        self.approximate = approximate
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
        // 大写数字, as on a payment notice (壹佰万)
        s("壹"): 1, s("贰"): 2, s("貳"): 2, s("叁"): 3, s("肆"): 4, s("伍"): 5, s("陆"): 6, s("柒"): 7,
        s("捌"): 8, s("玖"): 9,
    ]
    static let smallUnits: [UInt32: Int64] = [
        s("十"): 10, s("百"): 100, s("千"): 1000, s("拾"): 10, s("佰"): 100, s("仟"): 1000,
    ]
    static let zeros: Set<UInt32> = [s("零"), s("〇")]
    static let wan = s("万"), yi = s("亿"), qian = s("千"), ten = s("十"), ge = s("个")
    /// Words between a number and its unit that make it approximate: 80多万, 八十来万, 三百余万, 十几万.
    static let roughInfixes: Set<UInt32> = [s("多"), s("来"), s("余"), s("几")]
    /// Words after an amount that make it approximate: 三百万左右, 300万上下.
    static let roughSuffixes: [[UInt32]] = ["左右", "上下", "出头", "多点", "不到"].map { $0.unicodeScalars.map(\.value) }
    /// Words before an amount that make it approximate: 大概300万, 约300万, 差不多三百万.
    static let roughPrefixes: [[UInt32]] = ["大概", "大约", "约", "差不多", "将近", "接近", "估计", "预计"].map {
        $0.unicodeScalars.map(\.value)
    }
    /// English scale words after a number (lower case, as the normalizer leaves them).
    static let englishScales: [String: Int64] = [
        "k": 1_000, "thousand": 1_000, "w": 10_000, "m": 1_000_000, "mn": 1_000_000, "mio": 1_000_000,
        "million": 1_000_000, "millions": 1_000_000, "b": 1_000_000_000, "bn": 1_000_000_000,
        "billion": 1_000_000_000, "billions": 1_000_000_000,
    ]
    /// English currency words after a number: 3,000,000 yuan.
    static let englishCurrency: Set<String> = ["yuan", "rmb", "cny"]
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
            var found: (NumberMention?, Int)?
            if isDigit(c) {
                found = readArabic(scalars, from: i)
            } else if digits[c] != nil || (isTen(c) && i + 1 < scalars.count && startsTen(scalars[i + 1])) {
                found = readChinese(scalars, from: i)
            }
            guard let (mention, end) = found else {
                i += 1
                continue
            }
            if var mention {
                if !mention.approximate, mention.kind == .money,
                    isRough(scalars, before: mention.range.lowerBound, after: end)
                {
                    mention.approximate = true
                }
                result.append(mention)
            }
            i = max(end, i + 1)
        }
        return result
    }

    private static func isTen(_ c: UInt32) -> Bool { c == ten || c == s("拾") }

    /// Whether the words around an amount say it is rough: 「大概300万」, 「三百万左右」.
    private static func isRough(_ scalars: [UInt32], before start: Int, after end: Int) -> Bool {
        var e = end
        while e < scalars.count, scalars[e] == 0x20 { e += 1 }
        for suffix in roughSuffixes
        where e + suffix.count <= scalars.count && Array(scalars[e..<(e + suffix.count)]) == suffix {
            return true
        }
        var b = start
        while b > 0, scalars[b - 1] == 0x20 { b -= 1 }
        for prefix in roughPrefixes where b >= prefix.count && Array(scalars[(b - prefix.count)..<b]) == prefix {
            return true
        }
        return false
    }

    private static func isDigit(_ c: UInt32) -> Bool { c >= 0x30 && c <= 0x39 }

    /// Whether 十 followed by `c` is a number (十万, 十项, 十五) rather than a word (十分).
    private static func startsTen(_ c: UInt32) -> Bool {
        digits[c] != nil || smallUnits[c] != nil || c == wan || c == yi || counters.contains(c)
            || moneyUnits.contains(c)
            || roughInfixes.contains(c)
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
        var grouped = false
        while i < scalars.count {
            let c = scalars[i]
            if isDigit(c) {
                if digitCount < 15 {
                    mantissa = mantissa * 10 + Int64(c - 0x30)
                    if seenPoint { scale *= 10 }
                }
                digitCount += 1
                i += 1
            } else if c == 0x2C, !seenPoint, i + 3 < scalars.count, isDigit(scalars[i + 1]),
                isDigit(scalars[i + 2]), isDigit(scalars[i + 3])
            {
                grouped = true
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
        let (mention, end) = readUnit(scalars, at: i, start: start, mantissa: mantissa, scale: scale)
        // A bare figure written with thousands separators (「3,000,000」), or of five digits or more
        // and not a year or a number of a building, is an amount of money in yuan: nobody counts
        // patents in the ten thousands.
        if let mention, mention.kind == .plain, !seenPoint {
            let next = end < scalars.count ? scalars[end] : 0
            if (grouped && mention.value >= 1000) || (digitCount >= 5 && next != s("年") && next != s("号")) {
                return (bounded(NumberMention(value: mention.value, kind: .money, range: mention.range)), end)
            }
        }
        return (mention, end)
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
        var lastLargeUnit: Int64 = 0
        var zeroSinceLargeUnit = false
        var overflowed = false
        while i < scalars.count {
            let c = scalars[i]
            if let d = digits[c] {
                number = d
                if zeros.contains(c) { zeroSinceLargeUnit = true }
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
                lastLargeUnit = c == yi ? 100_000_000 : 10_000
                zeroSinceLargeUnit = false
                sawLargeUnit = true
                i += 1
            } else {
                break
            }
        }
        // 「两百五」 means 250: a trailing digit after a unit stands one place lower.
        if number > 0, lastSmallUnit >= 100, section > 0 { number *= lastSmallUnit / 10 }
        // So does a digit right after 万 or 亿: 「一万五」 is 15,000, 「十二万三」 123,000, 「一亿二」
        // 120,000,000; but 「三十万零五」 keeps its 零 and means 300,005.
        if number > 0, section == 0, lastLargeUnit > 0, !zeroSinceLargeUnit { number *= lastLargeUnit / 10 }
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

    /// Reads what follows a number: 万/亿/千/w/k/元/% or a counter word, 「多」「来」 before a unit
    /// (80多万, 八十来万: approximate), 「个」 before 亿 (1个亿), and English scale and currency
    /// words (3.6 million, 15M yuan, 80k, 1.2 billion).
    private static func readUnit(
        _ scalars: [UInt32], at index: Int, start: Int, mantissa: Int64, scale: Int64
    ) -> (NumberMention?, Int) {
        var i = index
        while i < scalars.count, scalars[i] == 0x20 { i += 1 }
        guard i < scalars.count else {
            return (NumberMention(value: mantissa / scale, kind: .plain, range: start..<index), index)
        }
        var rough = false
        if roughInfixes.contains(scalars[i]), i + 1 < scalars.count, [yi, wan, qian].contains(scalars[i + 1]) {
            rough = true
            i += 1
        } else if scalars[i] == ge, i + 1 < scalars.count, scalars[i + 1] == yi || scalars[i + 1] == wan {
            i += 1  // 1个亿, 两个亿
        }
        var multiplier: Int64 = 0
        var end = i + 1
        switch scalars[i] {
        case yi: multiplier = 100_000_000
        case wan: multiplier = 10_000
        case qian: multiplier = 1_000
        default:
            if isLetter(scalars[i]) {
                let (word, wordEnd) = asciiWord(scalars, from: i)
                if let m = englishScales[word] {
                    multiplier = m
                    end = wordEnd
                    var j = end
                    while j < scalars.count, scalars[j] == 0x20 { j += 1 }
                    if j < scalars.count, isLetter(scalars[j]) {
                        let (next, nextEnd) = asciiWord(scalars, from: j)
                        if englishCurrency.contains(next) { end = nextEnd }
                    }
                } else if englishCurrency.contains(word) {
                    multiplier = 1
                    end = wordEnd
                }
            }
        }
        if multiplier > 0 {
            if multiplier >= 1_000, multiplier <= 100_000_000, end < scalars.count, scalars[end] == wan, end == i + 1 {
                multiplier *= 10_000
                end += 1
            }
            if end < scalars.count, moneyUnits.contains(scalars[end]) { end += 1 }
            guard let product = Checked.multiply(mantissa, multiplier), let rounded = Checked.add(product, scale / 2)
            else {
                return (NumberMention(value: 0, kind: .implausible, range: start..<end), end)
            }
            return (
                bounded(NumberMention(value: rounded / scale, kind: .money, range: start..<end, approximate: rough)),
                end
            )
        }
        let c = scalars[i]
        if moneyUnits.contains(c) {
            return (bounded(NumberMention(value: mantissa / scale, kind: .money, range: start..<(i + 1))), i + 1)
        }
        if c == 0x25 {
            return (NumberMention(value: mantissa / scale, kind: .percent, range: start..<(i + 1)), i + 1)
        }
        if counters.contains(c), let counter = Unicode.Scalar(c) {
            let mention = NumberMention(
                value: mantissa / scale, kind: .count(String(Character(counter))), range: start..<(i + 1))
            return (bounded(mention), i + 1)
        }
        return (NumberMention(value: mantissa / scale, kind: .plain, range: start..<index), index)
    }

    private static func isLetter(_ c: UInt32) -> Bool { c >= 0x61 && c <= 0x7A }

    /// The run of lower-case ASCII letters from `start`, and where it ends.
    private static func asciiWord(_ scalars: [UInt32], from start: Int) -> (String, Int) {
        var end = start
        var word = String.UnicodeScalarView()
        while end < scalars.count, isLetter(scalars[end]), end - start < 12 {
            if let u = Unicode.Scalar(scalars[end]) { word.append(u) }
            end += 1
        }
        // A word longer than any scale word is no scale word; read past it whole.
        while end < scalars.count, isLetter(scalars[end]) { end += 1 }
        return (String(word), end)
    }
}
