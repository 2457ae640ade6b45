/// The 统一社会信用代码 of GB 32100-2015: 18 characters, the last a check character.
///
/// Layout: 1 登记管理部门代码, 2 机构类别代码, 3–8 登记管理机关行政区划码 (digits), 9–17 主体标识码
/// (组织机构代码), 18 校验码. The alphabet is the digits and the capital letters without I, O, Z,
/// S and V, which could be misread as 1, 0, 2, 5 and U. Each of the first 17 characters is weighted
/// by 3^(i−1) mod 31 and the check character is the one whose value is 31 − (Σ mod 31), 31 counting
/// as 0.
public enum CreditCode {
    /// The 31 characters in value order.
    public static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")

    /// The weights of positions 1…17.
    public static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    private static let values: [Character: Int] = Dictionary(
        uniqueKeysWithValues: alphabet.enumerated().map { ($1, $0) })

    /// Why a text is not a valid code.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// Empty.
        case missing
        /// Not 18 characters.
        case length(Int)
        /// A character outside the alphabet, at a 1-based position.
        case character(Character, position: Int)
        /// Positions 3–8 (the administrative division code) must be digits.
        case divisionCode(String)
        /// The check character does not match.
        case checkCharacter(expected: Character, found: Character)

        /// What is wrong and how to fix it, in Chinese for the staff who keep the roster.
        public var description: String {
            switch self {
            case .missing:
                "统一社会信用代码为空"
            case .length(let count):
                "统一社会信用代码应为18位，这里是\(count)位"
            case .character(let character, let position):
                "统一社会信用代码第\(position)位「\(character)」不是有效字符（只用数字和除 I、O、Z、S、V 以外的大写字母）"
            case .divisionCode(let code):
                "统一社会信用代码第3至8位应为行政区划码（6位数字），这里是「\(code)」"
            case .checkCharacter(let expected, let found):
                "统一社会信用代码校验位不对：按前17位应为「\(expected)」，这里是「\(found)」；请核对是否抄错"
            }
        }
    }

    /// The code in canonical form (capitals, no spaces or hyphens), or what is wrong with it.
    public static func validate(_ text: String) -> Result<String, Problem> {
        let compact = String(text.filter { $0 != " " && $0 != "-" && $0 != "\u{3000}" }).uppercased()
        guard !compact.isEmpty else { return .failure(.missing) }
        let characters = Array(compact)
        guard characters.count == 18 else { return .failure(.length(characters.count)) }
        for (index, character) in characters.enumerated() where values[character] == nil {
            return .failure(.character(character, position: index + 1))
        }
        let division = characters[2..<8]
        guard division.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return .failure(.divisionCode(String(division)))
        }
        let expected = checkCharacter(for: characters[0..<17])
        guard characters[17] == expected else {
            return .failure(.checkCharacter(expected: expected, found: characters[17]))
        }
        return .success(compact)
    }

    /// The check character for the first 17 characters (which must be in the alphabet).
    public static func checkCharacter(for body: some Collection<Character>) -> Character {
        var sum = 0
        for (character, weight) in zip(body, weights) {
            sum += (values[character] ?? 0) * weight
        }
        return alphabet[(31 - sum % 31) % 31]
    }

    /// A valid code made from 17 characters of the alphabet, for examples and tests.
    public static func completing(_ body: String) -> String {
        body + String(checkCharacter(for: Array(body)))
    }
}
