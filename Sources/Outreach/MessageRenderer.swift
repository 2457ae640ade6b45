import Desk
import Foundation
import OutreachModel
import PolicyKit

/// Builds the values the outreach templates read.
///
/// Template variables (for `Templates/outreach.*.mustache`): `enterprise`, `policyTitle`,
/// `items` (each with `number`, `id`, `title`, `clauseLabel`, `clauseTitle`, `amount`, one of
/// `exact` / `ceiling` / `unknown`, `formula`, `reason`, `conditions`, `leadUnit`, `leadContact`),
/// `hasTotal` and `total`, `leadUnits`.
struct MessageRenderer: Sendable {
    /// The plan the items come from.
    let policy: Policy
    /// Lead units' contact details.
    let contacts: [String: Contact]

    /// What templates are rendered with in place of the enterprise's name; private-use characters
    /// that no roster name contains. The name is put in as written, so templates use `{{{enterprise}}}`.
    static let nameStandIn = "\u{E000}企业名称\u{E001}"

    /// The template context for the enterprise called `enterprise`.
    func context(enterprise: String, lines: [(DeliveryItem, Item)]) -> [String: Any] {
        var items: [[String: Any]] = []
        var units: [String] = []
        var total: Int64 = 0
        var exactCount = 0
        for (index, (line, item)) in lines.enumerated() {
            let clause = policy.clause(item.clause)
            var context: [String: Any] = [
                "number": "\(index + 1)",
                "id": item.id,
                "title": item.title,
                "clauseLabel": "第\(item.clause)条",
                "clauseTitle": clause?.title ?? "",
                "formula": line.formula,
                "reason": line.reason,
            ]
            if let yuan = line.yuan {
                context["exact"] = true
                context["amount"] = Self.amount(yuan) + (line.perYear ? "/年" : "")
                total += yuan
                exactCount += 1
            } else if let ceiling = line.maxYuan {
                context["ceiling"] = true
                context["amount"] = Self.amount(ceiling)
            } else {
                context["unknown"] = true
            }
            if !item.conditions.isEmpty { context["conditions"] = item.conditions.joined(separator: "；") }
            if let unit = clause?.leadUnit {
                context["leadUnit"] = unit
                let fields = contacts[unit]?.filledFields ?? []
                if !fields.isEmpty { context["leadContact"] = fields.joined(separator: "，") }
                if !units.contains(unit) { units.append(unit) }
            }
            items.append(context)
        }
        var context: [String: Any] = [
            "enterprise": enterprise,
            "policyTitle": policy.title,
            "items": items,
            "leadUnits": units.joined(separator: "、"),
        ]
        if exactCount > 1 {
            context["hasTotal"] = true
            context["total"] = Self.amount(total)
        }
        return context
    }

    /// The message title.
    static func title(enterprise: Enterprise) -> String {
        "政策敲门：\(enterprise.name)可申请的科技创新奖补"
    }

    /// An amount the way a notice writes it: 「20万元」, 「1,500元」.
    static func amount(_ yuan: Int64) -> String {
        let words = Money.words(yuan)
        return words.hasSuffix("元") ? words : words + "元"
    }

    /// Collapses the blank lines that empty template sections leave and trims the ends.
    static func tidy(_ text: String) -> String {
        var lines: [Substring] = []
        var blank = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let isBlank = line.allSatisfy { $0 == " " }
            if isBlank && (blank || lines.isEmpty) { continue }
            lines.append(isBlank ? "" : line)
            blank = isBlank
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

}
