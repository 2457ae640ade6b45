public import Foundation

/// An enterprise–item pair a plan left out, and why.
public struct CampaignSkip: Sendable, Hashable {
    /// 企业名称.
    public var enterpriseName: String
    /// 统一社会信用代码.
    public var creditCode: String
    /// The item left out.
    public var itemID: String
    /// Why, in words.
    public var reason: String
    /// The campaign that already sent it, when that is the reason.
    public var previousCampaignID: Int64?
    /// When it was sent, when that is the reason.
    public var previousAt: Date?

    /// Creates a skip.
    public init(
        enterpriseName: String, creditCode: String, itemID: String, reason: String, previousCampaignID: Int64? = nil,
        previousAt: Date? = nil
    ) {
        self.enterpriseName = enterpriseName
        self.creditCode = creditCode
        self.itemID = itemID
        self.reason = reason
        self.previousCampaignID = previousCampaignID
        self.previousAt = previousAt
    }
}
