public import Foundation

/// A stored campaign.
public struct CampaignRecord: Sendable, Hashable {
    /// The campaign's id.
    public var id: Int64
    /// When it was planned.
    public var createdAt: Date
    /// The roster's file name.
    public var rosterName: String
    /// The items it announces.
    public var itemIDs: [String]
    /// Their titles, in the same order.
    public var itemTitles: [String]
    /// The template's name.
    public var template: String
    /// `markdown` or `text`.
    public var format: String
    /// The no-repeat window in days.
    public var windowDays: Int
    /// How many enterprises the roster listed.
    public var enterpriseCount: Int
    /// Notes about the roster.
    public var notes: [String]

    /// Creates one from its parts.
    public init(
        id: Int64, createdAt: Date, rosterName: String, itemIDs: [String], itemTitles: [String], template: String,
        format: String, windowDays: Int, enterpriseCount: Int, notes: [String]
    ) {
        self.id = id
        self.createdAt = createdAt
        self.rosterName = rosterName
        self.itemIDs = itemIDs
        self.itemTitles = itemTitles
        self.template = template
        self.format = format
        self.windowDays = windowDays
        self.enterpriseCount = enterpriseCount
        self.notes = notes
    }
}

/// A campaign in a list, with its deliveries counted by state.
public struct CampaignListing: Sendable, Hashable {
    /// The campaign.
    public var campaign: CampaignRecord
    /// How many deliveries are in each state.
    public var counts: [DeliveryState: Int]

    /// Creates one from its parts.
    public init(
        campaign: CampaignRecord, counts: [DeliveryState: Int]
    ) {
        self.campaign = campaign
        self.counts = counts
    }
}
