public import Foundation

/// All the misses that share one normalized text, summarized for an editor's review.
public struct MissGroup: Sendable, Hashable, Identifiable {
    /// The group's id; it stays the same as more misses join the group and across restarts.
    public var id: Int64
    /// The normalized text shared by every miss in the group.
    public var normalizedText: String
    /// The wording of the latest miss, which reads better than the normalized text.
    public var latestText: String
    /// How many misses the group holds.
    public var count: Int
    /// When the earliest miss arrived.
    public var firstSeen: Date
    /// When the latest miss arrived.
    public var lastSeen: Date
    /// The matcher's best guess for the latest miss, which reflects the current knowledge base.
    public var bestGuessItem: String?
    /// The highest confidence any miss in the group reached.
    public var maxConfidence: Double
    /// How an editor settled the group (for example `"dismissed"`), or `nil` while it awaits review.
    public var resolution: String?

    /// Whether an editor has settled the group, which takes it off the review list.
    public var isResolved: Bool { resolution != nil }

    /// Creates a group summary.
    public init(
        id: Int64,
        normalizedText: String,
        latestText: String,
        count: Int,
        firstSeen: Date,
        lastSeen: Date,
        bestGuessItem: String?,
        maxConfidence: Double,
        resolution: String?
    ) {
        self.id = id
        self.normalizedText = normalizedText
        self.latestText = latestText
        self.count = count
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.bestGuessItem = bestGuessItem
        self.maxConfidence = maxConfidence
        self.resolution = resolution
    }
}
