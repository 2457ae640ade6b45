/// The words the matcher folds before it reads a question: abbreviations, synonyms,
/// common miswritings and traditional characters, all mapped to the plan's own terms.
public struct Lexicon: Sendable, Equatable {
    /// Variant → canonical term (高企 → 高新技术企业).
    public private(set) var replacements: [String: String]
    /// Traditional character → simplified character.
    public private(set) var characters: [Character: Character]

    /// Creates a lexicon.
    public init(replacements: [String: String] = [:], characters: [Character: Character] = [:]) {
        self.replacements = replacements
        self.characters = characters
    }

    /// An empty lexicon: text is only width- and case-folded.
    public static let empty = Lexicon()
}
