public import PolicyKit

/// What a campaign can say about an amount.
public enum Estimate: Sendable, Hashable {
    /// The facts determine it (per year when `perYear`).
    case exact(Int64, perYear: Bool)
    /// Only a ceiling is known.
    case upTo(Int64)
    /// The text names no figure.
    case unknown
}

/// Whether one enterprise qualifies for one item, why, and roughly how much.
public struct Finding: Sendable, Hashable {
    /// The item.
    public var itemID: String
    /// Whether the enterprise qualifies as far as the roster tells.
    public var qualifies: Bool
    /// Why (or why not), in words for the enterprise and the staff.
    public var reason: String
    /// The amount; meaningful only when it qualifies.
    public var estimate: Estimate
    /// The calculator's arithmetic, or the rule in words.
    public var formula: String
}

/// Decides eligibility from a roster row with the calculator the chat answers use, so that an
/// enterprise hears the same amount from a campaign as from asking the bot.
public enum Eligibility {
    /// The finding for one enterprise and one item.
    public static func evaluate(_ enterprise: Enterprise, item: Item, rule: CampaignItemRule) -> Finding {
        let facts = enterprise.facts(for: item.id)
        func no(_ reason: String) -> Finding {
            Finding(itemID: item.id, qualifies: false, reason: reason, estimate: .unknown, formula: "")
        }
        var because: String
        switch rule.gate {
        case .status:
            guard enterprise.statuses[item.id] == true else { return no("名单中「\(rule.column)」不是「是」") }
            because = "名单中「\(rule.column)」为是"
        case .atLeast(let fact, let minimum):
            guard let value = facts[fact], let number = value.number, number >= minimum else {
                return no("名单中「\(rule.column)」未填或为0")
            }
            because = "名单中「\(rule.column)」为\(value)"
        case .filled(let fact):
            guard let value = facts[fact] else { return no("名单中「\(rule.column)」未填") }
            because = "名单中「\(rule.column)」为\(stageWords(value))"
        }
        guard let calculation = Calculator.evaluate(item, facts: facts) else {
            return Finding(
                itemID: item.id, qualifies: true, reason: because, estimate: .unknown,
                formula: unspecifiedWords(item.award))
        }
        if let reason = calculation.disqualification {
            return no("\(because)，但\(reason)")
        }
        // Conditions the roster cannot check stay in the reason, so nobody reads the estimate as a promise.
        let unchecked = item.requires.filter { facts[$0.fact] == nil }.map(\.reason)
        if !unchecked.isEmpty {
            because += "；另需满足：" + unchecked.joined(separator: "；")
        }
        if let yuan = calculation.yuan {
            guard yuan > 0 else { return no("\(because)，但按名单数据计算金额为0") }
            return Finding(
                itemID: item.id, qualifies: true, reason: because, estimate: .exact(yuan, perYear: calculation.perYear),
                formula: calculation.formula)
        }
        if let ceiling = calculation.maxYuan {
            return Finding(
                itemID: item.id, qualifies: true, reason: because, estimate: .upTo(ceiling),
                formula: calculation.formula)
        }
        return Finding(
            itemID: item.id, qualifies: true, reason: because, estimate: .unknown, formula: calculation.formula)
    }

    private static func stageWords(_ value: FactValue) -> String {
        switch value {
        case .choice("listed"): "挂牌"
        case .choice("accepted"): "受理"
        case .choice("ipo"): "上市"
        case .choice("all"): "全部阶段"
        default: value.description
        }
    }

    private static func unspecifiedWords(_ award: AwardRule) -> String {
        if case .unspecified(let note) = award { return note.isEmpty ? "原文未规定具体金额" : note }
        return "原文未规定具体金额"
    }
}
