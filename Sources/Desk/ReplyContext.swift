import PolicyKit

/// The values reply templates read, built from the policy and a calculation.
enum ReplyContext {
    static func clauseLabel(_ number: Int) -> String {
        switch number {
        case 0: "总体要求"
        case 31: "保障措施和其他事项"
        default: "第\(number)条"
        }
    }

    static func item(item: Item, clause: Clause, policy: Policy, contacts: [String: Contact]) -> [String: Any] {
        var context: [String: Any] = [
            "clauseLabel": clauseLabel(clause.number),
            "clauseTitle": clause.title,
            "title": item.title,
            "text": item.text,
            "checklistNote": policy.checklistNote,
        ]
        if let leader = clause.leader { context["leader"] = leader }
        if let unit = clause.leadUnit {
            context["leadUnit"] = unit
            let fields = contacts[unit]?.filledFields ?? []
            if !fields.isEmpty { context["leadContact"] = fields.joined(separator: "，") }
        }
        if !clause.units.isEmpty { context["units"] = clause.units.joined(separator: "、") }
        if !item.checklist.isEmpty {
            context["checklist"] = item.checklist.map { ["document": $0] }
            context["hasChecklist"] = true
        }
        if !item.conditions.isEmpty { context["conditions"] = item.conditions.joined(separator: "；") }
        if !item.exclusions.isEmpty { context["exclusions"] = item.exclusions.joined(separator: "；") }
        if !clause.targets.isEmpty {
            context["targets"] = clause.targets.map {
                ["year": "\($0.year)", "indicator": $0.indicator, "value": $0.value]
            }
            context["hasTargets"] = true
        }
        if clause.number != 31, item.award.upperBound != nil, !policy.notes.isEmpty {
            context["notes"] = policy.notes.prefix(1).map { ["note": $0] }
        }
        return context
    }

    static func amount(award: AwardRule, calculation: Calculation?) -> [String: Any] {
        var context: [String: Any] = [:]
        switch award {
        case .none:
            context["noMoney"] = true
        case .unspecified(let note):
            context["unspecified"] = note.isEmpty ? "原文未规定具体金额" : "原文：「\(note)」，未规定具体金额"
        default:
            break
        }
        guard let calculation else { return context }
        context["formula"] = calculation.formula
        if let reason = calculation.disqualification {
            context["disqualified"] = reason
        } else if let yuan = calculation.yuan {
            let words = Money.words(yuan) + (calculation.perYear ? "/年" : "")
            context["amount"] = calculation.approximate ? "约\(words)（按您说的大约数额估算，以实际核定为准）" : words
            context["amountYuan"] = Money.yuan(yuan)
        } else if let max = calculation.maxYuan {
            context["ceiling"] = Money.words(max)
        }
        if !calculation.assumptions.isEmpty, calculation.disqualification == nil {
            context["assumptions"] = calculation.assumptions.joined(separator: "；")
        }
        if !calculation.needs.isEmpty {
            context["needs"] = calculation.needs.map { ["question": $0.question] }
            context["hasNeeds"] = true
        }
        return context
    }

    /// The most measures a unit shares that a reply about its duties lists by title.
    static let listedSharesAtMost = 8

    /// A reply about units: for each, its filled contact fields and the measures it leads and shares.
    static func units(
        _ units: [String], asksDuties: Bool, duties: [String: UnitDuties], policy: Policy,
        contacts: [String: Contact]
    ) -> [String: Any] {
        let asked = units.map { unit -> [String: Any] in
            var context: [String: Any] = ["unit": unit]
            let fields = contacts[unit]?.filledFields ?? []
            if !fields.isEmpty { context["contact"] = fields.joined(separator: "，") }
            let own = duties[unit] ?? UnitDuties()
            for (key, numbers) in [("leads", own.leads), ("shares", own.shares)] where !numbers.isEmpty {
                context[key] = numbers.compactMap(policy.clause).map {
                    ["clauseLabel": clauseLabel($0.number), "clauseTitle": $0.title]
                }
                context[key == "leads" ? "leadLabels" : "shareLabels"] = UnitDuties.label(numbers)
            }
            // A few shared measures are listed by title; many (区财政局 shares 25) only by number.
            if !own.shares.isEmpty, own.shares.count <= listedSharesAtMost { context["listShares"] = true }
            return context
        }
        var context: [String: Any] = ["asked": asked, "policyTitle": policy.title]
        if asksDuties { context["asksDuties"] = true }
        return context
    }

    static func capabilities(policy: Policy) -> [String: Any] {
        [
            "policyTitle": policy.title,
            "examples": [
                ["example": "新认定的高企能拿多少钱？（规上/规下）"],
                ["example": "自治区重点实验室获批，市里补了300万，区里配多少？"],
                ["example": "规上企业5项发明专利，2项产业化，能拿多少？"],
                ["example": "科技贷款贴息怎么算？找哪个单位？"],
            ],
        ]
    }
}
