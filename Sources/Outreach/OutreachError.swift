/// What went wrong in planning, running or reporting a campaign, with what to do about it.
public enum OutreachError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No item was named.
    case noItems
    /// The policy has no item with this id.
    case unknownItem(String, campaignable: [String])
    /// The item exists but no roster column says who qualifies for it.
    case itemNotCampaignable(String, title: String, campaignable: [String])
    /// The roster lacks the column that decides an item.
    case rosterLacksColumn(item: String, column: String)
    /// The template is not among the loaded templates.
    case templateMissing(String)
    /// A rendered message is too long for its platform.
    case messageTooLong(enterprise: String, line: Int, bytes: Int, limit: Int, platform: String)
    /// No campaign has this id.
    case campaignNotFound(Int64)
    /// No delivery of the campaign has this id, or it is not uncertain.
    case notUncertain(delivery: Int64, campaign: Int64)

    /// One or more lines that say what failed and what to do next.
    public var description: String {
        switch self {
        case .noItems:
            "Name the items to announce with --items, such as --items 12.2,9.3 (campaign items: "
                + CampaignItemRule.itemIDs.joined(separator: ", ") + ")."
        case .unknownItem(let id, let campaignable):
            "The policy has no item \(id). Items a campaign can announce: \(campaignable.joined(separator: ", "))."
        case .itemNotCampaignable(let id, let title, let campaignable):
            "Item \(id) (\(title)) cannot be announced by a campaign: no roster column says which enterprises "
                + "qualify for it. Items a campaign can announce: \(campaignable.joined(separator: ", "))."
        case .rosterLacksColumn(let item, let column):
            "Item \(item) needs the roster column 「\(column)」, which this roster does not have; add the column "
                + "(see Examples/roster-sample.csv) or leave the item out."
        case .templateMissing(let name):
            "The template \(name) is not in Templates/; add \(name).mustache or pick another with --template."
        case .messageTooLong(let enterprise, let line, let bytes, let limit, let platform):
            "The message for \(enterprise) (roster line \(line)) is \(bytes) bytes; \(platform) accepts at most "
                + "\(limit). Announce fewer items at once or shorten the template."
        case .campaignNotFound(let id):
            "No campaign has id \(id). `policydesk campaign list` shows the campaigns in this database."
        case .notUncertain(let delivery, let campaign):
            "Delivery \(delivery) of campaign \(campaign) is not uncertain; `policydesk campaign status \(campaign)` "
                + "lists the uncertain ones."
        }
    }
}
