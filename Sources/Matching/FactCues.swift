public import PolicyKit

/// The words that tell what a question states: what an amount is (「利息」, 「市里给了」), the
/// enterprise's scale, a listing's stage, patents, a subsidy's year. They are language, not
/// logic, so they live in `Intents/facts.yaml`, where staff can read and tune them and `lint`
/// checks them; `FactExtractor` reads questions with them.
public struct FactCues: Sendable, Equatable {
    /// The words for one fact.
    public struct Words: Sendable, Equatable {
        public var fact: FactName
        public var words: [String]

        public init(fact: FactName, words: [String]) {
            self.fact = fact
            self.words = words
        }
    }

    /// Words that say what an amount is; the nearest to the amount wins.
    public var amounts: [Words] = []
    /// Words that say what an amount is only right before it (「研发1.2亿」).
    public var amountsRightBefore: [Words] = []
    /// 规模以上 and 规模以下.
    public var above: [String] = []
    public var below: [String] = []
    /// A listing is spoken of, and which stage.
    public var listingTopic: [String] = []
    public var listingAll: [String] = []
    public var listingAccepted: [String] = []
    public var listingListed: [String] = []
    public var listingIPO: [String] = []
    /// A sum (一共) and two things at once (同时); both together ask for a total over two awards.
    public var total: [String] = []
    public var pair: [String] = []
    /// The question asks about money (奖励, 能拿多少).
    public var money: [String] = []
    /// Patents, and which of them are industrialised or were used for a 高企 application.
    public var patent: [String] = []
    public var industrialized: [String] = []
    public var allIndustrialized: [String] = []
    public var notUsedForHighTech: [String] = []
    public var usedForHighTech: [String] = []
    /// Words right before 「N年」 that say N years were already paid (「已经补了三年」 asks about the fourth).
    public var subsidyYears: [String] = []

    public init() {}
}
