import Foundation

/// A seeded random number generator (SplitMix64): the same seed gives the same cases, so a
/// failure found once can be run again.
public struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The seed of the property tests: `POLICYDESK_PROPERTY_SEED` when set, else a fixed one.
public enum PropertySeed {
    public static let fallback: UInt64 = 20_261_204

    public static var value: UInt64 {
        ProcessInfo.processInfo.environment["POLICYDESK_PROPERTY_SEED"].flatMap { UInt64($0) } ?? fallback
    }
}

/// Strings made to break a YAML writer: every line break and control character, quotes, YAML's
/// indicators, words YAML reads as something other than text, CJK text, emoji, long text.
public enum HostileStrings {
    public static let lineBreaks = ["\n", "\r", "\r\n", "\u{85}", "\u{2028}", "\u{2029}", "\u{B}", "\u{C}"]
    public static let controls = (Array(0x00...0x1F) + [0x7F] + Array(0x80...0x9F)).map {
        String(UnicodeScalar(UInt8($0)))
    }
    public static let invisible = [
        "\u{FEFF}", "\u{200B}", "\u{200C}", "\u{200D}", "\u{2060}", "\u{200E}", "\u{200F}", "\u{202A}", "\u{202E}",
        "\u{2066}", "\u{2069}", "\u{AD}", "\u{61C}", "\u{FFF9}", "\u{E0001}", "\u{E0041}", "\u{FFFE}", "\u{FFFF}",
    ]
    public static let quotes = ["\"", "'", "\\", "\\n", "\\u2028", "\\\"", "\"\"", "''", "\"'", "\\x41"]
    public static let indicators = [
        "#", " #", "# ", ": ", ":", "- ", "-", "? ", "?", "{", "}", "[", "]", "&a", "*a", "!", "!!str ", "!!int ", "|",
        "|-", ">", "%", "@", "`", ",", ", ", "~", "<<", "---", "...", "=", "&", "*", "%YAML 1.1", "- - ", "[a, b]",
        "{a: b}",
    ]
    public static let words = [
        "null", "Null", "NULL", "yes", "No", "on", "OFF", "true", "False", "y", "0x1F", "0o17", "0b101", "1_000",
        "12:30",
        "190:20:30", ".inf", "-.inf", ".NaN", "3.14", "-5", "+7", "010", "1e3", "2026-01-01", "2026-12-04T18:00:00Z",
        "0",
    ]
    public static let cjk = [
        "高企", "首次认定", "区财政局", "奖补多少", "規上企業", "规上企业首次认定高企能拿多少", "（副本复印件）", "：", "，", "。",
        "“引号”", "「注入」", "工作日 8:30-12:00，14:30-17:30", "0477-8581234", "东胜区铁西街道", "王芳",
    ]
    public static let emoji = ["😀", "👨‍👩‍👧", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "👍🏽", "1️⃣", "🇨🇳", "❤️"]
    public static let spaces = [" ", "  ", "\t", "\u{3000}", "\u{A0}", "\u{2003}"]
    public static let injections = [
        "\r    exclusions:\r      - 注入的条件", "\n    exclusions: [注入的条件]", "\u{2028}      - 另一个问法",
        "\u{85}  - id: \"99.1\"", "\"\n    award: {shape: none}", "\u{2029}  - {name: 区财政局, phone: \"1\"}",
        "\r  - {name: 区科协, phone: \"\"}", "\u{2028}        续行",
    ]
    public static let ascii = ["a", "abc", "Q&A", "x=1", "http://a.b/c?d=e#f", "C:\\path", "50%", "100万元", "a: b # c"]

    /// The pieces that make a value refused (or, for a joiner, maybe refused); the others are
    /// values a person may write and the editor must write.
    public static let hostile = [lineBreaks, controls, invisible, injections]
    public static let benign = [quotes, indicators, words, cjk, emoji, spaces.filter { $0 != "\t" }, ascii]

    /// A generated value: mostly a few pieces joined, sometimes a single piece or long text.
    public static func value(_ random: inout SeededGenerator) -> String {
        switch Int.random(in: 0..<20, using: &random) {
        case 0:
            return String(
                repeating: cjk.randomElement(using: &random)!, count: Int.random(in: 20...400, using: &random))
        case 1, 2:
            return piece(&random)
        default:
            var text = ""
            for _ in 0..<Int.random(in: 1...6, using: &random) { text += piece(&random) }
            return text
        }
    }

    /// One piece, hostile about a time in eight.
    public static func piece(_ random: inout SeededGenerator) -> String {
        let kinds = Int.random(in: 0..<8, using: &random) == 0 ? hostile : benign
        return kinds.randomElement(using: &random)!.randomElement(using: &random)!
    }

    /// A text of one to three lines.
    public static func text(_ random: inout SeededGenerator) -> String {
        (0..<Int.random(in: 1...3, using: &random)).map { _ in value(&random) }.joined(separator: "\n")
            + (Int.random(in: 0..<6, using: &random) == 0 ? "\n" : "")
    }

    /// Whether a field must refuse `text`: it holds a control character (LF too unless
    /// `multiline`), a line break, or an invisible character other than a joiner.
    public static func mustRefuse(_ text: String, multiline: Bool) -> Bool {
        text.unicodeScalars.contains { scalar in
            switch scalar.value {
            case 0x0A: !multiline
            case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0xFEFF, 0x200B, 0x200C, 0x200E, 0x200F, 0x2060,
                0x202A...0x202E,
                0x2066...0x2069, 0xAD, 0x61C, 0xFFF9...0xFFFB, 0xE0001, 0xFFFE, 0xFFFF:
                true
            default: false
            }
        }
    }

    /// Whether a field may refuse `text`: a zero-width joiner or tag character, refused unless
    /// it joins the parts of an emoji.
    public static func mayRefuse(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value == 0x200D || (0xE0020...0xE007F).contains($0.value) }
    }

    /// `text` with its invisible characters written as escapes, for a failure message.
    public static func shown(_ text: String) -> String {
        let escaped = text.unicodeScalars.map { scalar -> String in
            scalar.isASCII && scalar.value >= 0x20 && scalar.value < 0x7F
                || scalar.properties.generalCategory == .otherLetter
                ? String(scalar) : "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        }.joined()
        return "\"" + (escaped.count > 300 ? String(escaped.prefix(300)) + "…" : escaped) + "\""
    }
}
