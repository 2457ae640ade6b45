/// The characters a value staff write into `Intents/` may not hold, and how to name them to a
/// person. YAML reads CR, U+0085, U+2028 and U+2029 as line breaks just as it reads LF, and
/// other control and invisible characters either stop the parser or change what the text
/// means without showing; so a one-line field refuses them all, and a field of several lines
/// (an item's text) refuses them all but LF.
public enum FieldCharacters {
    /// A refused character found in a value.
    public struct Finding: Sendable, Equatable {
        /// The character.
        public var scalar: Unicode.Scalar
        /// Where it stands, counted in characters as a person sees them, from 1.
        public var position: Int
    }

    /// The first character of `text` a field may not hold; `multiline` allows LF.
    public static func firstRefused(in text: String, multiline: Bool = false) -> Finding? {
        var position = 0
        for character in text {
            position += 1
            let scalars = character.unicodeScalars
            // A zero-width joiner or tag character between the parts of an emoji (👨‍👩‍👧, 🏴󠁧󠁢󠁳󠁣󠁴󠁿) is
            // part of the picture; anywhere else it is an invisible character like any other.
            let emoji = scalars.count > 1 && scalars.first.map { $0.value > 0xFF && $0.properties.isEmoji } ?? false
            for (offset, scalar) in scalars.enumerated() {
                let joining = emoji && offset > 0 && offset < scalars.count - 1 || emoji && scalar.value == 0xE007F
                if isRefused(scalar, multiline: multiline, inEmoji: joining) {
                    return Finding(scalar: scalar, position: position)
                }
            }
        }
        return nil
    }

    /// Whether `scalar` is refused: control characters (C0 and C1, DEL), line breaks, format
    /// characters (BOM, zero-width, direction marks) and the noncharacters U+FFFE and U+FFFF.
    static func isRefused(_ scalar: Unicode.Scalar, multiline: Bool, inEmoji: Bool) -> Bool {
        if scalar == "\n" { return !multiline }
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0xFFFE, 0xFFFF: return true
        case 0x200D, 0xE0020...0xE007F: return !inEmoji
        default: return scalar.properties.generalCategory == .format
        }
    }

    /// What a person calls `scalar`, with its code point: 「a line break (U+2028)」.
    public static func name(of scalar: Unicode.Scalar) -> String {
        let what: String
        switch scalar.value {
        case 0x0A, 0x85, 0x2028: what = "a line break"
        case 0x0D: what = "a carriage return"
        case 0x2029: what = "a paragraph break"
        case 0x09: what = "a tab"
        case 0x00...0x1F, 0x7F...0x9F: what = "a control character"
        case 0xFEFF: what = "a byte order mark"
        case 0x200B: what = "a zero-width space"
        case 0x200C: what = "a zero-width non-joiner"
        case 0x200D: what = "a zero-width joiner"
        case 0x2060: what = "a word joiner"
        case 0x00AD: what = "a soft hyphen"
        case 0x200E, 0x200F, 0x061C, 0x202A...0x202E, 0x2066...0x2069: what = "an invisible direction mark"
        case 0xFFFE, 0xFFFF: what = "a noncharacter"
        default: what = "an invisible formatting character"
        }
        return "\(what) (\(code(scalar)))"
    }

    /// 「U+2028」.
    static func code(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// What to do about `scalar` in a field that is one line (or several).
    static func advice(for scalar: Unicode.Scalar, multiline: Bool) -> String {
        switch scalar.value {
        case 0x0A, 0x0D, 0x85, 0x2028, 0x2029:
            multiline ? "break lines with a plain line feed (\\n) only" : "write it on one line"
        case 0x09: "use spaces instead"
        default: "remove it"
        }
    }
}
