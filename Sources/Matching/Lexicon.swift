/// The words the matcher folds before it reads a question: abbreviations, synonyms,
/// common miswritings and traditional characters, all mapped to the plan's own terms.
public struct Lexicon: Sendable, Equatable {
    /// Variant → canonical term (高企 → 高新技术企业).
    public private(set) var replacements: [String: String]
    /// Traditional character → simplified character.
    public private(set) var characters: [Character: Character]

    /// The levels of government a platform can be recognised at (国家级, 自治区级, 市级, 区级),
    /// each with the words a question names it by (「市级」, 「市」 before a platform's name).
    public private(set) var levels: [LevelWords]

    /// Creates a lexicon.
    public init(
        replacements: [String: String] = [:], characters: [Character: Character] = [:], levels: [LevelWords] = []
    ) {
        self.replacements = replacements
        self.characters = characters
        self.levels = levels
    }

    /// An empty lexicon: text is only width- and case-folded.
    public static let empty = Lexicon()
}

/// A level of government and the words that name it in a question.
public struct LevelWords: Sendable, Equatable {
    /// The level as items name it in `levels` (自治区级).
    public var name: String
    /// The words for it (自治区级, 自治区, 省级, 省).
    public var words: [String]

    public init(name: String, words: [String]) {
        self.name = name
        self.words = words
    }
}
