/// The numbers that decide what kind of reply a question gets. They sit here together, named
/// and explained, so that tuning them is a change to one reviewed value, not a hunt through
/// the answer logic. (The matcher's own weights are `MatcherTuning`; what staff tune as words
/// lives in `Intents/`.)
public struct AnswerThresholds: Sendable, Hashable {
    /// Below this confidence, and with a runner-up from another clause close behind, the desk
    /// asks which one is meant instead of guessing.
    public var clarifyBelow: Double = 0.35
    /// How close the runner-up must be to the best score to ask back.
    public var clarifyMargin: Float = 0.02
    /// How close an item of the same clause must come to the best to ask which of the two is
    /// meant, when they pay differently and no term tells them apart. Wider than between
    /// clauses: two items of one clause share most of their words, so a small lead says little,
    /// and a wrong amount costs more than a question back (「高企奖励咋领」: 整体迁入 or 首次认定?).
    public var siblingClarifyMargin: Float = 0.05
    /// Only messages of at most this many characters are checked for small talk (「你好」「在吗」):
    /// a longer message is a question even if it starts with a greeting.
    public var smalltalkLength = 24
    /// A small-talk phrase is recognised in at most this many characters, punctuation removed.
    public var smalltalkPhraseLength = 12
    /// A message that only starts with a greeting is answered as small talk unless an item
    /// matches it at least this well (「你好，请问高企奖多少」 is a question).
    public var smalltalkOverScore: Float = 0.5
    /// When a question asks for a total (「一共能拿多少」), the runner-up of the same clause is
    /// added in if it scores at least this share of the best.
    public var combineRunnerUpRatio: Float = 0.5
    /// The confidence given to an answer that completes a question asked back: the item was
    /// settled by the conversation, not by matching.
    public var followUpConfidence = 0.9
    /// A reply to a question asked back stays on its topic when the matcher agrees or when it is
    /// at most this many characters (「规上」, 「300万」), too short to be a new question.
    public var followUpLength = 16

    public init() {}
}
