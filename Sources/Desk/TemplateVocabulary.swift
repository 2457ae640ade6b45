import Foundation

/// What a reply template can read: the names its context provides, and for each list the names
/// one element provides (inside `{{#list}}…{{/list}}` both the element's and the outer names resolve).
///
/// Mustache renders a name nobody provides as an empty string, so a misspelt `{{{fromula}}}`
/// would silently drop the formula from every reply. `lint` checks every tag of every template
/// against this list instead; `TemplateVocabularyTests` checks the list against the contexts
/// the renderers really build, so the two cannot drift.
public struct TemplateVocabulary: Sendable, Equatable {
    /// Names at the top level of the context.
    public var names: Set<String>
    /// The names of one element of each list.
    public var lists: [String: Set<String>]

    /// The names of one answer: ``ReplyContext/item(item:clause:policy:contacts:)`` and ``ReplyContext/amount(award:calculation:)``.
    public static let answer = TemplateVocabulary(
        names: [
            "clauseLabel", "clauseTitle", "title", "text", "checklistNote", "leader", "leadUnit", "leadContact",
            "units",
            "hasChecklist", "conditions", "exclusions", "hasTargets", "noMoney", "unspecified", "formula",
            "disqualified", "amount", "amountYuan", "ceiling", "assumptions", "hasNeeds",
        ],
        lists: [
            "checklist": ["document"], "targets": ["year", "indicator", "value"], "notes": ["note"],
            "needs": ["question"],
        ])

    /// The names of a clarification: the items offered.
    public static let clarification = TemplateVocabulary(
        names: [], lists: ["options": ["number", "title", "clause"]])

    /// The names of a refusal: ``ReplyContext/capabilities(policy:)``.
    public static let refusal = TemplateVocabulary(names: ["policyTitle"], lists: ["examples": ["example"]])

    /// The names of a reply about units: ``ReplyContext/units(_:asksDuties:duties:policy:contacts:)``.
    public static let unit = TemplateVocabulary(
        names: ["asksDuties", "policyTitle"],
        lists: [
            "asked": ["unit", "contact", "leadLabels", "shareLabels", "leads", "shares", "listShares"],
            "leads": ["clauseLabel", "clauseTitle"], "shares": ["clauseLabel", "clauseTitle"],
        ])

    /// The kinds of small talk the shipped templates answer; a knowledge base that lists none (a
    /// fresh import) keeps templates that test for them.
    public static let standardSmalltalkKinds: Set<String> = ["greeting", "thanks", "identity"]

    /// The names of a reply to small talk: a refusal's, plus one flag per kind of small talk
    /// (`greeting`, `thanks`, … as `out_of_scope.yaml` lists them).
    public static func smalltalk(kinds: some Sequence<String>) -> TemplateVocabulary {
        var vocabulary = refusal
        vocabulary.names.formUnion(kinds)
        vocabulary.names.formUnion(standardSmalltalkKinds)
        return vocabulary
    }

    /// The names of an outreach message, as the campaign planner's renderer builds them.
    public static let outreach = TemplateVocabulary(
        names: ["enterprise", "policyTitle", "leadUnits", "hasTotal", "total"],
        lists: [
            "items": [
                "number", "id", "title", "clauseLabel", "clauseTitle", "formula", "reason", "exact", "amount",
                "ceiling",
                "unknown", "conditions", "leadUnit", "leadContact",
            ]
        ])

    /// The vocabulary of the template `name` (such as `answer.md`): a reply kind's, or for any
    /// other name an outreach message's, since campaigns may name a template of their own.
    public static func forTemplate(named name: String, smalltalkKinds: [String]) -> TemplateVocabulary {
        let kind = name.split(separator: ".").first.map(String.init) ?? name
        return switch kind {
        case "answer": answer
        case "clarify": clarification
        case "refusal": refusal
        case "smalltalk": smalltalk(kinds: smalltalkKinds)
        case "unit": unit
        default: outreach
        }
    }

    /// A name a template reads that its context never provides, and the line it is on.
    public struct UnknownName: Sendable, Equatable {
        public var name: String
        public var line: Int
        /// The provided name it most likely means, if one is close.
        public var suggestion: String?
    }

    /// Every name `template` reads that this vocabulary does not provide where it is read.
    ///
    /// Tags are read as Mustache writes them: `{{name}}`, `{{{name}}}`, `{{&name}}`, sections
    /// `{{#name}}`/`{{^name}}` … `{{/name}}`, comments `{{! … }}` and partials `{{> … }}` (which
    /// are not checked). A dotted name is checked by its first part; `.` is always fine.
    public func unknownNames(in template: String) -> [UnknownName] {
        var unknown: [UnknownName] = []
        // The names that resolve at each open section, innermost last.
        var scopes: [Set<String>] = [names.union(lists.keys)]
        var line = 1
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            line += rest[..<open.lowerBound].reduce(0) { $0 + ($1 == "\n" ? 1 : 0) }
            let triple = rest[open.upperBound...].hasPrefix("{")
            let closing = triple ? "}}}" : "}}"
            let start = triple ? rest.index(after: open.upperBound) : open.upperBound
            guard let close = rest[start...].range(of: closing) else { break }
            let tag = rest[start..<close.lowerBound]
            line += tag.reduce(0) { $0 + ($1 == "\n" ? 1 : 0) }
            rest = rest[close.upperBound...]
            var body = Substring(tag.trimmingSpaces())
            let sigil = body.first
            if let sigil, "#^/&!>=".contains(sigil) { body = Substring(body.dropFirst().trimmingSpaces()) }
            switch sigil {
            case "!", ">", "=": continue
            case "/":
                if scopes.count > 1 { scopes.removeLast() }
                continue
            default: break
            }
            let name =
                body == "." ? "." : body.split(separator: ".", maxSplits: 1).first.map(String.init) ?? String(body)
            if !name.isEmpty, name != ".", !scopes.contains(where: { $0.contains(name) }) {
                unknown.append(UnknownName(name: name, line: line, suggestion: suggestion(for: name, in: scopes)))
            }
            if sigil == "#" || sigil == "^" {
                scopes.append(lists[name] ?? [])
            }
        }
        return unknown
    }

    private func suggestion(for name: String, in scopes: [Set<String>]) -> String? {
        let candidates = scopes.reduce(into: Set<String>()) { $0.formUnion($1) }
        let scored = candidates.map { ($0, EditDistance.between(name, $0)) }.filter { $0.1 <= max(2, name.count / 3) }
        return scored.min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }?.0
    }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> SubSequence {
        let start = firstIndex { $0 != " " && $0 != "\t" && $0 != "\n" } ?? endIndex
        let end = lastIndex { $0 != " " && $0 != "\t" && $0 != "\n" }.map { index(after: $0) } ?? start
        return self[start..<Swift.max(start, end)]
    }
}
