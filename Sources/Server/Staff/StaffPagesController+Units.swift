import Desk
import Foundation
import HTTPTypes
import Hummingbird
import PolicyKit
import Storage

/// The units page: every unit of the plan with its contact fields, each in a form of its own, so
/// that staff fill in phone numbers without the admin API. A save goes through ``IntentsAdmin``
/// like every other edit: checked, written line by line, audited and undone from the history.
extension StaffPagesController {
    /// A refusal shown beside one of a unit's forms (its contact, or its other names), with what was typed.
    struct UnitRefusal {
        var unit: String
        var message: String
        var typed: [String: String]
        var aliases = false
    }

    /// The units as the plan names them first (牵头单位, then 责任单位, clause by clause), then
    /// any other unit `contacts.yaml` lists.
    static func unitsInPlanOrder(_ knowledge: KnowledgeBase) -> [String] {
        var seen = Set<String>()
        var ordered: [String] = []
        for clause in knowledge.policy.clauses {
            for unit in [clause.leadUnit].compactMap({ $0 }) + clause.units
            where knowledge.contacts[unit] != nil && seen.insert(unit).inserted {
                ordered.append(unit)
            }
        }
        return ordered + knowledge.contacts.keys.filter { !seen.contains($0) }.sorted()
    }

    func unitsPage(notice: String? = nil, refusal: UnitRefusal? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let knowledge = desks.desk.knowledge
        let units = Self.unitsInPlanOrder(knowledge).enumerated().map { index, unit -> [String: Any] in
            let contact = knowledge.contacts[unit] ?? Contact(unit: unit)
            let duties = knowledge.duties(of: unit)
            var values: [String: Any] = [
                "index": index, "unit": unit, "segment": Self.segment(unit),
                "phone": contact.phone, "address": contact.address, "person": contact.person, "hours": contact.hours,
            ]
            if !duties.leads.isEmpty { values["leads"] = UnitDuties.label(duties.leads) }
            if !duties.shares.isEmpty { values["shares"] = UnitDuties.label(duties.shares) }
            if !contact.aliases.isEmpty { values["aliases"] = contact.aliases.joined(separator: "、") }
            if contact.filledFields.isEmpty { values["empty"] = true }
            if let refusal, refusal.unit == unit {
                values[refusal.aliases ? "aliasesError" : "unitError"] = refusal.message
                for (key, value) in refusal.typed { values[key] = value }
            }
            return values
        }
        var values: [String: Any] = ["title": "单位联系方式", "units": units]
        if let notice { values["notice"] = notice }
        return pages.render("units", values, status: status)
    }

    /// The unit a form posts to, from the path.
    func postedUnit(_ context: Context) throws -> String {
        guard let raw = context.parameters.get("unit"), let unit = raw.removingPercentEncoding ?? Optional(raw),
            desks.desk.knowledge.contacts[unit] != nil
        else {
            throw HTTPError(.notFound, message: "没有这个单位：请从单位联系方式页面选择。")
        }
        return unit
    }

    /// Applies an edit of a unit: back to its place on the page with the audit id, or the page
    /// again with the refusal beside the form it came from and nothing written.
    func applyUnitEdit(_ edit: IntentEdit, unit: String, refusal: (String) -> UnitRefusal) async -> Response {
        do {
            let entry = try await editor.apply(edit, who: StaffIdentity.who ?? StaffSession.adminTokenName)
            let index = Self.unitsInPlanOrder(desks.desk.knowledge).firstIndex(of: unit) ?? 0
            return StaffPages.redirect("/admin/units?saved=\(entry.id ?? 0)#unit-\(index)")
        } catch {
            return unitsPage(refusal: refusal(Self.refusal(error, of: edit)), status: Self.status(error))
        }
    }

    /// Saves a unit's other names, typed as one line: 「发改委、发改局」 (顿号, commas or spaces between).
    func setUnitAliases(_ context: Context) async throws -> Response {
        let unit = try postedUnit(context)
        let typed = StaffIdentity.form["aliases"] ?? ""
        var aliases: [String] = []
        for part in typed.split(whereSeparator: { "、,，;； ".contains($0) }) where !aliases.contains(String(part)) {
            aliases.append(String(part))
        }
        return await applyUnitEdit(.setAliases(unit: unit, aliases: aliases), unit: unit) {
            UnitRefusal(unit: unit, message: $0, typed: ["aliases": typed], aliases: true)
        }
    }

    func setUnitContact(_ context: Context) async throws -> Response {
        let unit = try postedUnit(context)
        // Only the fields the form sent: a field left out is left as it is, a field emptied is cleared.
        var fields: [String: String] = [:]
        for key in IntentFileEditor.contactFields {
            if let value = StaffIdentity.form[key] { fields[key] = value.trimmingCharacters(in: .whitespaces) }
        }
        guard !fields.isEmpty else {
            return unitsPage(
                refusal: UnitRefusal(unit: unit, message: "表单里没有可保存的字段。", typed: [:]), status: .badRequest)
        }
        return await applyUnitEdit(.setContact(unit: unit, fields: fields), unit: unit) {
            UnitRefusal(unit: unit, message: $0, typed: fields)
        }
    }
}
