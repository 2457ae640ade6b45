public import PolicyKit

/// Which roster column decides that an enterprise qualifies for an item.
///
/// Only items with such a column can be announced by a campaign: for the others the roster could
/// not say who qualifies, and a campaign that guesses would tell enterprises the wrong thing.
public struct CampaignItemRule: Sendable, Hashable {
    /// How the column decides.
    public enum Gate: Sendable, Hashable {
        /// A 是/否 status column must say 是.
        case status
        /// A number column must be at least `minimum`.
        case atLeast(FactName, minimum: Int64)
        /// A choice column must be filled.
        case filled(FactName)
    }

    /// The item, such as `12.2`.
    public var itemID: String
    /// The header of the deciding column.
    public var column: String
    /// How it decides.
    public var gate: Gate

    /// Every item a campaign can announce, by id.
    public static let all: [String: CampaignItemRule] = {
        var rules: [String: CampaignItemRule] = [:]
        for column in RosterColumn.all {
            switch column.role {
            case .status(let item):
                rules[item] = CampaignItemRule(itemID: item, column: column.header, gate: .status)
            case .itemFact(let item, let fact):
                rules[item] = CampaignItemRule(itemID: item, column: column.header, gate: .atLeast(fact, minimum: 1))
            case .fact(.patents):
                rules["7.3"] = CampaignItemRule(
                    itemID: "7.3", column: column.header, gate: .atLeast(.patents, minimum: 1))
            case .fact(.investment):
                rules["28.2"] = CampaignItemRule(
                    itemID: "28.2", column: column.header, gate: .atLeast(.investment, minimum: 1))
            case .fact(.listingStage):
                rules["30.1"] = CampaignItemRule(itemID: "30.1", column: column.header, gate: .filled(.listingStage))
            default:
                break
            }
        }
        return rules
    }()

    /// The ids of `all`, in policy order (`7.2` before `12.2`).
    public static var itemIDs: [String] {
        all.keys.sorted { lhs, rhs in
            lhs.split(separator: ".").compactMap { Int($0) }.lexicographicallyPrecedes(
                rhs.split(separator: ".").compactMap { Int($0) })
        }
    }
}
