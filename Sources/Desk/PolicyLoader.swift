import Foundation
import PolicyKit
import Yams

/// Reads clause files into `Clause` values, checking every field a reply relies on.
struct PolicyLoader {
    /// The clause numbers the plan has: 0 (总体要求), 1…30, 31 (保障措施, 其他事项).
    static let clauseNumbers = 0...31

    /// Reads one clause file.
    static func clause(_ document: YAMLDocument, problems: inout [Problem]) -> Clause? {
        var r = NodeReader(file: document.file)
        defer { problems += r.problems }
        guard let root = document.root else {
            r.problem(nil, "the file is empty")
            return nil
        }
        guard let map = r.mapping(root, "a clause file") else { return nil }
        guard let number = r.int(map, "clause", in: root) else { return nil }
        guard clauseNumbers.contains(number) else {
            r.problem(map["clause"], "unknown clause number \(number): the plan has clauses 0 to 31")
            return nil
        }
        let isMeasure = (1...30).contains(number)
        let section = r.int(map, "section", in: root, required: isMeasure)
        if let section, !(1...10).contains(section) {
            r.problem(map["section"], "unknown section \(section): the plan has ten 行动, 1 to 10")
        }
        let title = r.string(map, "title", in: root) ?? ""
        let leader = r.string(map, "leader", in: root, required: false)
        let leadUnit = r.string(map, "leadUnit", in: root, required: false)
        if isMeasure && (leadUnit ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            r.problem(
                map["leadUnit"] ?? root,
                "clause \(number) has no 牵头单位 (`leadUnit`): every measure names the unit enterprises contact")
        }
        if isMeasure && (leader ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            r.problem(map["leader"] ?? root, "clause \(number) has no 责任领导 (`leader`)")
        }
        let units = r.strings(map, "units", in: root)
        let text = r.string(map, "text", in: root) ?? ""
        let keywords = r.strings(map, "keywords", in: root)
        var items: [Item] = []
        let itemNodes = r.sequence(map, "items", in: root)
        if itemNodes.isEmpty, map["items"] != nil { r.problem(map["items"], "clause \(number) lists no items") }
        for node in itemNodes {
            if let item = Self.item(node, clause: number, reader: &r) { items.append(item) }
        }
        var targets: [Target] = []
        for node in r.sequence(map, "targets", in: root, required: false) {
            let t = r.mapping(node, "a target")
            if let year = r.int(t, "year", in: node), let indicator = r.string(t, "indicator", in: node),
                let value = r.string(t, "value", in: node)
            {
                targets.append(Target(year: year, indicator: indicator, value: value))
            }
        }
        return Clause(
            number: number, section: section, title: title, leader: leader, leadUnit: leadUnit,
            units: units, text: text.trimmingCharacters(in: .whitespacesAndNewlines), keywords: keywords,
            items: items, targets: targets)
    }

    private static func item(_ node: Node, clause: Int, reader r: inout NodeReader) -> Item? {
        guard let map = r.mapping(node, "an item") else { return nil }
        guard let id = r.string(map, "id", in: node) else { return nil }
        if !id.hasPrefix("\(clause).") {
            r.problem(map["id"], "item id `\(id)` must start with its clause number, as `\(clause).1`")
        }
        let title = r.string(map, "title", in: node) ?? ""
        let text = r.string(map, "text", in: node) ?? ""
        guard let awardNode = map["award"] else {
            r.problem(node, "item \(id) has no `award` (write `award: {shape: none}` for a task that pays nothing)")
            return nil
        }
        guard let award = Self.award(awardNode, item: id, reader: &r) else { return nil }
        var requires: [Requirement] = []
        for req in r.sequence(map, "requires", in: node, required: false) {
            if let requirement = Self.requirement(req, item: id, reader: &r) { requires.append(requirement) }
        }
        let (conditions, checks) = Self.conditions(map, in: node, item: id, reader: &r)
        let terms = r.strings(map, "terms", in: node)
        for term in terms where term.trimmingCharacters(in: .whitespaces).count < 2 {
            r.problem(
                map["terms"],
                "item \(id): term 「\(term)」 is too short to tell items apart; write a word of two characters or more")
        }
        return Item(
            id: id, clause: clause, title: title, text: text.trimmingCharacters(in: .whitespacesAndNewlines),
            award: award, requires: requires,
            conditions: conditions, checks: checks,
            exclusions: r.strings(map, "exclusions", in: node),
            checklist: r.strings(map, "checklist", in: node),
            examples: r.strings(map, "examples", in: node),
            terms: terms, levels: r.strings(map, "levels", in: node))
    }

    /// An item's `conditions`: each is the condition in words, or a mapping that adds the words
    /// a question confirms or breaks it with:
    /// `{name: 首次认定, kind: firstTime, confirm: [新认定], break: [复核], reason: …, assume: 按首次认定计算}`.
    private static func conditions(
        _ map: Node.Mapping, in node: Node, item: String, reader r: inout NodeReader
    ) -> ([String], [Condition]) {
        guard let list = map["conditions"] else { return ([], []) }
        if case .scalar(let s) = list, s.string.isEmpty || list.null != nil { return ([], []) }
        guard case .sequence(let seq) = list else {
            r.problem(list, "`conditions` must be a list")
            return ([], [])
        }
        var names: [String] = []
        var checks: [Condition] = []
        for element in seq {
            switch element {
            case .scalar(let s):
                names.append(s.string)
            case .mapping(let m):
                guard let name = r.string(m, "name", in: element) else { continue }
                names.append(name)
                let kindName = r.string(m, "kind", in: element, required: false) ?? "other"
                guard let kind = Condition.Kind(rawValue: kindName) else {
                    let known = Condition.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                    r.problem(
                        m["kind"],
                        "item \(item): condition 「\(name)」 has unknown kind `\(kindName)`; known kinds: \(known)")
                    continue
                }
                let confirms = r.strings(m, "confirm", in: element)
                let breaks = r.strings(m, "break", in: element)
                let reason = r.string(m, "reason", in: element) ?? ""
                let assumption = r.string(m, "assume", in: element, required: false)
                if breaks.isEmpty {
                    r.problem(
                        element,
                        "item \(item): condition 「\(name)」 lists no `break` words; without them no question can break it (write it as plain text instead)"
                    )
                }
                for word in Set(confirms).intersection(breaks).sorted() {
                    r.problem(
                        m["break"], "item \(item): condition 「\(name)」 lists 「\(word)」 both to confirm and to break it")
                }
                for word in confirms + breaks where word.trimmingCharacters(in: .whitespaces).count < 2 {
                    r.problem(
                        element,
                        "item \(item): condition 「\(name)」: 「\(word)」 is too short to be read safely; write a word of two characters or more"
                    )
                }
                if checks.contains(where: { $0.name == name }) {
                    r.problem(element, "item \(item): condition 「\(name)」 is listed twice")
                }
                for key in m.keys.compactMap(\.string)
                where !["name", "kind", "confirm", "break", "reason", "assume"].contains(key) {
                    r.problem(
                        m[key],
                        "item \(item): condition 「\(name)」 has unknown key `\(key)` (name, kind, confirm, break, reason, assume)"
                    )
                }
                checks.append(
                    Condition(
                        name: name, kind: kind, confirms: confirms, breaks: breaks, reason: reason,
                        assumption: assumption))
            default:
                r.problem(
                    element, "item \(item): each condition is text, or a mapping with name, confirm, break and reason")
            }
        }
        return (names, checks)
    }

    private static func fact(_ node: Node?, key: String, item: String, reader r: inout NodeReader) -> FactName? {
        guard let node else {
            r.problem(nil, "item \(item): missing `\(key)`")
            return nil
        }
        let name = node.string ?? ""
        guard let fact = FactName(rawValue: name) else {
            let known = FactName.allCases.map(\.rawValue).joined(separator: ", ")
            r.problem(node, "item \(item): unknown fact `\(name)`; known facts: \(known)")
            return nil
        }
        return fact
    }

    private static func yuan(
        _ map: Node.Mapping, _ key: String, in node: Node, item: String, reader r: inout NodeReader,
        required: Bool = true
    ) -> Int64?? {
        guard let value = r.int(map, key, in: node, required: required) else {
            return required ? nil : .some(nil)
        }
        if value < 0 {
            r.problem(map[key], "item \(item): `\(key)` is \(value); an amount cannot be negative")
            return nil
        }
        return .some(Int64(value))
    }

    private static func base(_ map: Node.Mapping, in node: Node, item: String, reader r: inout NodeReader)
        -> [BaseTerm]?
    {
        var names: [(String, Node)] = []
        if let b = map["base"] {
            if case .sequence(let seq) = b {
                names = seq.map { ($0.string ?? "", $0) }
            } else if let s = b.string {
                names = [(s, b)]
            }
        }
        guard !names.isEmpty else {
            r.problem(node, "item \(item): a percentage needs a `base`, such as `[cityAmount]`")
            return nil
        }
        var terms: [BaseTerm] = []
        for (raw, n) in names {
            let subtracts = raw.hasPrefix("-")
            let name = subtracts ? String(raw.dropFirst()) : raw
            guard let fact = FactName(rawValue: name) else {
                r.problem(n, "item \(item): unknown fact `\(name)` in `base`")
                return nil
            }
            guard fact.kind == .yuan else {
                r.problem(n, "item \(item): `\(name)` is not an amount of money and cannot be a base")
                return nil
            }
            terms.append(BaseTerm(fact: fact, subtracts: subtracts))
        }
        return terms
    }

    private static func percent(
        _ map: Node.Mapping, in node: Node, item: String, reader r: inout NodeReader, capKey: String
    ) -> PercentRule? {
        guard let percent = r.int(map, "percent", in: node) else { return nil }
        if !(1...100).contains(percent) {
            r.problem(map["percent"], "item \(item): `percent` is \(percent); write a whole number from 1 to 100")
            return nil
        }
        guard let base = Self.base(map, in: node, item: item, reader: &r) else { return nil }
        guard let cap = Self.yuan(map, capKey, in: node, item: item, reader: &r, required: false) else { return nil }
        let per = r.string(map, "per", in: node, required: false)
        return PercentRule(percent: percent, base: base, maxYuan: cap, per: per)
    }

    static func award(_ node: Node, item: String, reader r: inout NodeReader) -> AwardRule? {
        guard let map = r.mapping(node, "`award`") else { return nil }
        if let review = map["review"], review.bool == nil {
            r.problem(
                review,
                "item \(item): `review` is true (the rule was guessed by `policydesk import` and awaits a check) or false"
            )
        }
        guard let shape = r.string(map, "shape", in: node) else { return nil }
        switch shape {
        case "fixed":
            guard let yuan = Self.yuan(map, "yuan", in: node, item: item, reader: &r), let yuan else { return nil }
            return .fixed(yuan: yuan)
        case "byFact":
            guard let fact = Self.fact(map["fact"], key: "fact", item: item, reader: &r) else { return nil }
            guard case .mapping(let cases)? = map["cases"] else {
                r.problem(node, "item \(item): `byFact` needs `cases`, a mapping of values to yuan")
                return nil
            }
            var result: [FactCase] = []
            for (k, v) in cases {
                guard let value = k.string, let yuan = v.int else {
                    r.problem(v, "item \(item): each case maps a value to a whole number of yuan")
                    return nil
                }
                if case .choice(let allowed) = fact.kind, !allowed.contains(value) {
                    r.problem(
                        k,
                        "item \(item): `\(value)` is not a value of `\(fact.rawValue)` (\(allowed.joined(separator: ", ")))"
                    )
                    return nil
                }
                if yuan < 0 {
                    r.problem(v, "item \(item): case `\(value)` is \(yuan); an amount cannot be negative")
                    return nil
                }
                result.append(FactCase(value: value, yuan: Int64(yuan)))
            }
            return .byFact(fact: fact, cases: result)
        case "percent":
            return Self.percent(map, in: node, item: item, reader: &r, capKey: "maxYuan").map { .percent($0) }
        case "perYear":
            guard let rule = Self.percent(map, in: node, item: item, reader: &r, capKey: "maxYuanPerYear") else {
                return nil
            }
            guard let years = r.int(map, "years", in: node) else { return nil }
            if years < 1 {
                r.problem(map["years"], "item \(item): `years` must be at least 1")
                return nil
            }
            return .perYear(rule, years: years)
        case "perUnit":
            guard let fact = Self.fact(map["fact"], key: "fact", item: item, reader: &r) else { return nil }
            guard let each = Self.yuan(map, "yuanEach", in: node, item: item, reader: &r), let each else { return nil }
            guard let cap = Self.yuan(map, "maxYuan", in: node, item: item, reader: &r, required: false) else {
                return nil
            }
            var bonuses: [PerUnitRule.Bonus] = []
            for b in r.sequence(map, "bonuses", in: node, required: false) {
                guard case .mapping(let bm) = b,
                    let bf = Self.fact(bm["fact"], key: "fact", item: item, reader: &r),
                    let by = Self.yuan(bm, "yuanEach", in: b, item: item, reader: &r), let by
                else { return nil }
                bonuses.append(.init(fact: bf, yuanEach: by))
            }
            return .perUnit(PerUnitRule(fact: fact, yuanEach: each, bonuses: bonuses, maxYuan: cap))
        case "staged":
            guard let fact = Self.fact(map["fact"], key: "fact", item: item, reader: &r) else { return nil }
            var stages: [Stage] = []
            for s in r.sequence(map, "stages", in: node) {
                let sm = r.mapping(s, "a stage")
                guard let sm, let id = r.string(sm, "id", in: s), let name = r.string(sm, "name", in: s),
                    let y = Self.yuan(sm, "yuan", in: s, item: item, reader: &r), let y
                else { return nil }
                stages.append(Stage(id: id, name: name, yuan: y))
            }
            if stages.isEmpty { return nil }
            return .staged(fact: fact, stages: stages)
        case "ceiling":
            guard let cap = Self.yuan(map, "maxYuan", in: node, item: item, reader: &r), let cap else { return nil }
            return .ceiling(maxYuan: cap, note: r.string(map, "note", in: node, required: false))
        case "unspecified":
            return .unspecified(note: r.string(map, "note", in: node, required: false) ?? "")
        case "none":
            return AwardRule.none
        default:
            r.problem(
                map["shape"],
                "item \(item): unknown award shape `\(shape)`; use fixed, byFact, percent, perUnit, perYear, staged, ceiling, unspecified or none"
            )
            return nil
        }
    }

    private static func requirement(_ node: Node, item: String, reader r: inout NodeReader) -> Requirement? {
        guard let map = r.mapping(node, "a requirement") else { return nil }
        guard let fact = Self.fact(map["fact"], key: "fact", item: item, reader: &r) else { return nil }
        let reason = r.string(map, "reason", in: node) ?? ""
        if let equals = map["equals"] {
            let raw = equals.string ?? ""
            let value: FactValue
            switch fact.kind {
            case .flag:
                guard let b = equals.bool else {
                    r.problem(equals, "item \(item): `\(fact.rawValue)` is yes or no (true/false)")
                    return nil
                }
                value = .flag(b)
            case .choice(let allowed):
                guard allowed.contains(raw) else {
                    r.problem(
                        equals,
                        "item \(item): `\(raw)` is not a value of `\(fact.rawValue)` (\(allowed.joined(separator: ", ")))"
                    )
                    return nil
                }
                value = .choice(raw)
            case .count:
                guard let n = equals.int else { return nil }
                value = .count(n)
            case .yuan:
                guard let n = equals.int else { return nil }
                value = .yuan(Int64(n))
            }
            return Requirement(fact: fact, test: .equals(value), reason: reason)
        }
        if let atLeast = map["atLeast"] {
            guard let n = atLeast.int, n >= 0 else {
                r.problem(atLeast, "item \(item): `atLeast` must be a whole number of at least 0")
                return nil
            }
            return Requirement(fact: fact, test: .atLeast(Int64(n)), reason: reason)
        }
        r.problem(node, "item \(item): a requirement needs `equals` or `atLeast`")
        return nil
    }

    /// The rules of a clause file still marked `review: true`: guessed by `policydesk import`
    /// and not yet checked by a person. Each is reported at the line of its `review` key.
    static func unreviewedRules(_ document: YAMLDocument) -> [Problem] {
        guard case .mapping(let root)? = document.root, case .sequence(let items)? = root["items"] else { return [] }
        var found: [Problem] = []
        for node in items {
            guard case .mapping(let item) = node, case .mapping(let award)? = item["award"],
                let review = award["review"], review.bool == true
            else { continue }
            let id = item["id"]?.string ?? "?"
            found.append(
                Problem(
                    file: document.file, line: review.mark?.line ?? 0,
                    message: "rule not reviewed (item \(id)): check it against the text, then delete `review: true`"))
        }
        return found
    }
}
