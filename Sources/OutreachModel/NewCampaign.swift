public import Foundation

/// A campaign as planned, before it has an id.
public struct NewCampaign: Sendable {
    /// When it was planned.
    public var createdAt: Date
    /// The roster's file name (no folder), for people reading the report.
    public var rosterName: String
    /// The items the campaign announces, in the order given.
    public var itemIDs: [String]
    /// Their titles, in the same order.
    public var itemTitles: [String]
    /// The template's name, such as `outreach`.
    public var template: String
    /// `markdown` or `text`.
    public var format: String
    /// The no-repeat window in days.
    public var windowDays: Int
    /// How many enterprises the roster listed (after skipped bad lines).
    public var enterpriseCount: Int
    /// Notes about the roster: bad lines skipped, columns ignored.
    public var notes: [String]
    /// The robots the deliveries post to.
    public var robots: [CampaignRobot]
    /// The messages, in plan order.
    public var deliveries: [NewDelivery]
    /// The pairs left out.
    public var skips: [CampaignSkip]

    /// Creates a campaign to store.
    public init(
        createdAt: Date, rosterName: String, itemIDs: [String], itemTitles: [String], template: String, format: String,
        windowDays: Int, enterpriseCount: Int, notes: [String], robots: [CampaignRobot], deliveries: [NewDelivery],
        skips: [CampaignSkip]
    ) {
        self.createdAt = createdAt
        self.rosterName = rosterName
        self.itemIDs = itemIDs
        self.itemTitles = itemTitles
        self.template = template
        self.format = format
        self.windowDays = windowDays
        self.enterpriseCount = enterpriseCount
        self.notes = notes
        self.robots = robots
        self.deliveries = deliveries
        self.skips = skips
    }
}
