public import Foundation

/// One question the bot could not answer confidently, as it arrived.
public struct MissRecord: Sendable, Hashable {
    /// The text as the user sent it, kept so an editor sees real wording.
    public var text: String
    /// The text after the matcher's normalization; misses with the same normalized text form one group.
    public var normalizedText: String
    /// The channel the question came through, such as `"wecom"`.
    public var channel: String
    /// The sender on that channel, when the channel names one.
    public var user: String?
    /// When the question arrived.
    public var at: Date
    /// The knowledge-base item the matcher liked best, if any.
    public var bestGuessItem: String?
    /// The matcher's confidence in `bestGuessItem`, which was too low to answer with.
    public var confidence: Double

    /// Creates a miss record.
    public init(
        text: String,
        normalizedText: String,
        channel: String,
        user: String? = nil,
        at: Date,
        bestGuessItem: String? = nil,
        confidence: Double
    ) {
        self.text = text
        self.normalizedText = normalizedText
        self.channel = channel
        self.user = user
        self.at = at
        self.bestGuessItem = bestGuessItem
        self.confidence = confidence
    }
}
