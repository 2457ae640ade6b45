/// A condition of an award that a question can confirm or break in words: 首次认定, 自治区级,
/// 种子期、初创期, 当年获批, 规上. Staff list each in the item's `conditions` in `Intents/`,
/// with the words that confirm it and the words that break it.
public struct Condition: Sendable, Equatable {
    /// What kind of condition it is, for reports and lint.
    public enum Kind: String, Sendable, CaseIterable {
        /// Only the first time pays (首次认定, 首次评价入库, 新批复备案).
        case firstTime
        /// A level of government or platform (自治区级, not 市级).
        case level
        /// A stage of the enterprise or of the funding (种子期、初创期; 银行科技信贷).
        case stage
        /// A year (当年获批).
        case year
        /// The size of the enterprise (规模以上).
        case scale
        /// Any other condition of the text.
        case other
    }

    /// The condition in the text's words (首次认定), shown in the reply.
    public var name: String
    public var kind: Kind
    /// Words in a question that say the condition is met (「新认定」, 「第一次」).
    public var confirms: [String]
    /// Words in a question that say it is broken (「复核」, 「第二年」, 「成熟期」).
    public var breaks: [String]
    /// Why the award is 0 when the condition is broken, in words for the enterprise.
    public var reason: String
    /// What the answer assumes when the question says neither (「按首次认定计算」); nil: nothing said.
    public var assumption: String?

    public init(
        name: String, kind: Kind = .other, confirms: [String] = [], breaks: [String] = [], reason: String,
        assumption: String? = nil
    ) {
        self.name = name
        self.kind = kind
        self.confirms = confirms
        self.breaks = breaks
        self.reason = reason
        self.assumption = assumption
    }
}

/// What a question says about one condition of an item.
public enum ConditionEvidence: Sendable, Hashable {
    /// A word that confirms the condition stands in the question.
    case confirmed(word: String)
    /// A word that breaks it stands in the question.
    case broken(word: String)
}
