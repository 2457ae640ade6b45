public import Foundation

/// One try of a delivery.
public struct DeliveryAttempt: Sendable, Hashable {
    /// The attempt's id.
    public var id: Int64
    /// The delivery tried.
    public var deliveryID: Int64
    /// The robot posted to.
    public var robotKey: String
    /// When the try started (committed before the HTTP call).
    public var startedAt: Date
    /// When its outcome was recorded; nil while in flight.
    public var finishedAt: Date?
    /// `delivered`, `retry`, `rateLimited`, `failed` or `uncertain`; nil while in flight.
    public var outcome: String?
    /// The platform's code, if it gave one.
    public var code: Int?
    /// What happened, in words.
    public var detail: String?

    /// Creates one from its parts.
    public init(
        id: Int64, deliveryID: Int64, robotKey: String, startedAt: Date, finishedAt: Date? = nil,
        outcome: String? = nil, code: Int? = nil, detail: String? = nil
    ) {
        self.id = id
        self.deliveryID = deliveryID
        self.robotKey = robotKey
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.code = code
        self.detail = detail
    }
}
