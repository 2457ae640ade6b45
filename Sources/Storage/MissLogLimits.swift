import Foundation

/// How much of what strangers send the review log keeps.
///
/// Anyone can ask anything, and every refused question used to be stored whole, once per asking:
/// 300 questions of 60 KB grew the file by 55 MB in seconds. The log now keeps each question cut to
/// ``maxTextLength``, a few wordings per group and a count of the rest, a bounded number of rows per
/// sender and in all, and forgets what is older than ``retention``.
public struct MissLogLimits: Sendable, Hashable {
    /// Characters of a question (and of its normalized text, which groups it) that are kept.
    public var maxTextLength: Int
    /// Wordings kept per group; later repeats only raise its count.
    public var samplesPerGroup: Int
    /// Wordings kept per sender; past it, a sender's repeats of questions already under review are
    /// still counted, and their new questions are not kept.
    public var rowsPerUser: Int
    /// Groups awaiting review; past it, questions that would open a new group are not kept.
    public var openGroups: Int
    /// How long a question is kept after it was last asked.
    public var retention: Duration

    /// The defaults the README documents.
    public init(
        maxTextLength: Int = 500, samplesPerGroup: Int = 5, rowsPerUser: Int = 100, openGroups: Int = 10_000,
        retention: Duration = .seconds(90 * 86_400)
    ) {
        self.maxTextLength = maxTextLength
        self.samplesPerGroup = samplesPerGroup
        self.rowsPerUser = rowsPerUser
        self.openGroups = openGroups
        self.retention = retention
    }

    /// `text` cut to ``maxTextLength`` characters.
    public func cut(_ text: String) -> String {
        // Counting stops at the limit, so a 60 KB question costs no more than a short one.
        var end = text.startIndex
        var count = 0
        while end < text.endIndex, count < maxTextLength {
            text.formIndex(after: &end)
            count += 1
        }
        return end == text.endIndex ? text : String(text[..<end])
    }

    /// What of `miss` either store keeps: its wording and normalized text cut to ``maxTextLength``,
    /// its sender (empty when the channel names none) and its time in seconds since 1970.
    package func kept(_ miss: MissRecord) -> (text: String, normalized: String, user: String, at: Double) {
        (cut(miss.text), cut(miss.normalizedText), miss.user ?? "", miss.at.timeIntervalSince1970)
    }

    /// What to do with one miss.
    public enum Admission: Sendable, Equatable {
        /// Open a group for it and keep its wording.
        case openGroup
        /// Count it on its group and keep its wording.
        case countAndKeep
        /// Count it on its group only.
        case count
        /// Keep nothing: the log is full for this sender or in all.
        case drop
    }

    /// The rule both stores follow, from what the store already holds.
    public func admit(groupExists: Bool, samplesInGroup: Int, rowsOfUser: Int, openGroupCount: Int) -> Admission {
        let userHasRoom = rowsOfUser < rowsPerUser
        if groupExists {
            return userHasRoom && samplesInGroup < samplesPerGroup ? .countAndKeep : .count
        }
        return userHasRoom && openGroupCount < openGroups ? .openGroup : .drop
    }
}
