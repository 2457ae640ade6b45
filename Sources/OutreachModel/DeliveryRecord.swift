public import Foundation

/// A stored delivery.
public struct DeliveryRecord: Sendable, Hashable {
    /// The delivery's id, unique across campaigns.
    public var id: Int64
    /// The campaign it belongs to.
    public var campaignID: Int64
    /// Its position in the plan.
    public var seq: Int
    /// 企业名称.
    public var enterpriseName: String
    /// 统一社会信用代码.
    public var creditCode: String
    /// The robot's key.
    public var robotKey: String
    /// The robot's platform.
    public var platform: String
    /// The message title.
    public var title: String
    /// The rendered message.
    public var body: String
    /// The items the message announces.
    public var items: [DeliveryItem]
    /// Where it stands.
    public var state: DeliveryState
    /// How many times it was tried.
    public var attempts: Int
    /// How many of those tries the platform refused as too frequent.
    public var rateLimited: Int
    /// When it may be tried again, for ``DeliveryState/retrying``.
    public var nextAttemptAt: Date?
    /// When the latest try started.
    public var sentAt: Date?
    /// When it reached its final state.
    public var finishedAt: Date?
    /// The platform's error code, for ``DeliveryState/failed``.
    public var errorCode: Int?
    /// The latest error or note, in words (never a secret).
    public var lastError: String?

    /// Creates one from its parts.
    public init(
        id: Int64, campaignID: Int64, seq: Int, enterpriseName: String, creditCode: String, robotKey: String,
        platform: String, title: String, body: String, items: [DeliveryItem], state: DeliveryState, attempts: Int,
        rateLimited: Int, nextAttemptAt: Date? = nil, sentAt: Date? = nil, finishedAt: Date? = nil,
        errorCode: Int? = nil, lastError: String? = nil
    ) {
        self.id = id
        self.campaignID = campaignID
        self.seq = seq
        self.enterpriseName = enterpriseName
        self.creditCode = creditCode
        self.robotKey = robotKey
        self.platform = platform
        self.title = title
        self.body = body
        self.items = items
        self.state = state
        self.attempts = attempts
        self.rateLimited = rateLimited
        self.nextAttemptAt = nextAttemptAt
        self.sentAt = sentAt
        self.finishedAt = finishedAt
        self.errorCode = errorCode
        self.lastError = lastError
    }
}
