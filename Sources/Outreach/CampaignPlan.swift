import Channels
public import Foundation
public import OutreachModel

/// How messages are written: Markdown (rendered by all three platforms) or plain text.
public enum MessageFormat: String, Sendable, CaseIterable {
    /// `NAME.md.mustache`, sent as Markdown (a card on Feishu).
    case markdown
    /// `NAME.txt.mustache`, sent as text.
    case text

    /// The template file's middle part.
    public var templateSuffix: String {
        switch self {
        case .markdown: "md"
        case .text: "txt"
        }
    }
}

/// One message of a plan, ready to store.
public struct PlannedMessage: Sendable {
    /// The enterprise it goes to.
    public var enterprise: Enterprise
    /// The title (Markdown messages and Feishu cards show it).
    public var title: String
    /// The rendered message.
    public var body: String
    /// The items it announces.
    public var items: [DeliveryItem]

    /// The sum of the exact estimates.
    public var estimatedYuan: Int64 {
        items.reduce(0) { $0 + ($1.yuan ?? 0) }
    }
}

/// The totals of one item across a plan.
public struct ItemTotal: Sendable, Hashable {
    /// The item.
    public var itemID: String
    /// Its title.
    public var title: String
    /// Enterprises whose message announces it.
    public var enterprises: Int
    /// The sum of exact estimates.
    public var exactYuan: Int64
    /// Enterprises with an exact estimate.
    public var exactCount: Int
    /// The sum of ceilings where only a ceiling is known.
    public var ceilingYuan: Int64
    /// Enterprises with only a ceiling.
    public var ceilingCount: Int
    /// Enterprises for which the text names no figure.
    public var unknownCount: Int
    /// Enterprises left out by the no-repeat window.
    public var skipped: Int
}

/// A campaign as planned: the messages, who was left out and why, and the totals.
public struct CampaignPlan: Sendable {
    /// Enterprises in the roster.
    public var enterpriseCount: Int
    /// The messages, one per enterprise that qualifies for at least one item not sent recently.
    public var messages: [PlannedMessage]
    /// Enterprise–item pairs left out because they were sent within the window.
    public var skips: [CampaignSkip]
    /// Enterprises that qualify for none of the items.
    public var ineligibleCount: Int
    /// Totals per item, in the order the items were given.
    public var totals: [ItemTotal]

    /// The sum of all exact estimates.
    public var estimatedYuan: Int64 {
        totals.reduce(0) { $0 + $1.exactYuan }
    }

    /// The number of distinct robots the messages go through.
    public var robotCount: Int {
        Set(messages.map(\.enterprise.robot.key)).count
    }

    /// The campaign to store; its items are those of ``totals``, in the order they were given.
    public func campaign(
        rosterName: String, template: String, format: MessageFormat, windowDays: Int,
        notes: [String], now: Date
    ) -> NewCampaign {
        var robots: [String: CampaignRobot] = [:]
        var deliveries: [NewDelivery] = []
        deliveries.reserveCapacity(messages.count)
        for (index, message) in messages.enumerated() {
            let robot = message.enterprise.robot
            let key = robot.key
            if robots[key] == nil {
                robots[key] = CampaignRobot(
                    key: key, platform: robot.platform.rawValue, url: robot.url, secret: robot.secret)
            }
            deliveries.append(
                NewDelivery(
                    seq: index + 1, enterpriseName: message.enterprise.name, creditCode: message.enterprise.creditCode,
                    robotKey: key, title: message.title, body: message.body, items: message.items))
        }
        return NewCampaign(
            createdAt: now, rosterName: rosterName, itemIDs: totals.map(\.itemID), itemTitles: totals.map(\.title),
            template: template, format: format.rawValue,
            windowDays: windowDays, enterpriseCount: enterpriseCount, notes: notes,
            robots: robots.values.sorted { $0.key < $1.key }, deliveries: deliveries, skips: skips)
    }
}
