public import Foundation

/// An item that reached (or may have reached) an enterprise.
public struct RecentSend: Sendable, Hashable {
    /// 统一社会信用代码.
    public var creditCode: String
    /// The item.
    public var itemID: String
    /// The campaign that sent it.
    public var campaignID: Int64
    /// The delivery that carried it.
    public var deliveryID: Int64
    /// `delivered`, `sending` or `uncertain`.
    public var state: DeliveryState
    /// When the send started.
    public var at: Date

    /// Creates a record of a send.
    public init(
        creditCode: String, itemID: String, campaignID: Int64, deliveryID: Int64, state: DeliveryState, at: Date
    ) {
        self.creditCode = creditCode
        self.itemID = itemID
        self.campaignID = campaignID
        self.deliveryID = deliveryID
        self.state = state
        self.at = at
    }
}
