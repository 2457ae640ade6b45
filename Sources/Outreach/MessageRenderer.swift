import Desk
import Foundation
import PolicyKit
import Storage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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

    /// A date as `2025-03-01`, in China Standard Time, where the staff and enterprises are.
    static func day(_ date: Date) -> String {
        String(time(date).prefix(10))
    }

    /// A time as `2025-03-01 14:05:09`, in China Standard Time (UTC+8, no daylight saving).
    static func time(_ date: Date) -> String {
        var seconds = time_t(floor(date.timeIntervalSince1970)) + 8 * 3_600
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d", Int(parts.tm_year) + 1_900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
}
