import Foundation
public import PolicyKit

/// How a draft's rules compare with a knowledge base written by hand, item by item: the
/// figure `policydesk import --compare` prints and the import tests hold to.
///
/// Items are paired within their clause by text, not by id or order (a person splits a measure
/// into items differently from the importer): each item written by hand is paired with the draft
/// item whose text its own text contains, or that contains it; when several do, the one with
/// the closer title (character bigrams), and among equals one that pays before a task. Failing
/// that, the draft item of the clause whose text shares the most character bigrams with it.
/// The pairing never looks at the rules themselves.
public struct ImportComparison: Sendable {
    /// One item written by hand and what the draft made of it.
    public struct Row: Sendable {
        public var item: String
        public var title: String
        public var expected: AwardRule
        /// The paired draft item, if the clause had any.
        public var draftItem: String?
        public var found: AwardRule?
        /// Whether the rules are equal in shape, figures, base, caps, years and stages (free-text
        /// notes, stage names and 「per」 words aside).
        public var exact: Bool
        /// Whether the `requires` (规上, 销售收入 ≥ …) are the same.
        public var requiresMatch: Bool
    }

    /// A clause whose people differ.
    public struct UnitsRow: Sendable {
        public var clause: Int
        public var field: String
        public var expected: String
        public var found: String
    }

    public var rows: [Row]
    public var unitDifferences: [UnitsRow]
    /// Measures (clauses with a 牵头单位 by hand) compared for their people.
    public var measuresCompared: Int

    /// Items whose rule the draft got exactly.
    public var exactCount: Int { rows.filter(\.exact).count }
    /// The share of exact rules, 0…1.
    public var exactShare: Double { rows.isEmpty ? 0 : Double(exactCount) / Double(rows.count) }

    public init(draft: Policy, reference: Policy) {
        var rows: [Row] = []
        var unitDifferences: [UnitsRow] = []
        var measures = 0
        for clause in reference.clauses {
            let draftClause = draft.clause(clause.number)
            if clause.leadUnit != nil {
                measures += 1
                let pairs: [(String, String, String)] = [
                    ("leader", clause.leader ?? "", draftClause?.leader ?? ""),
                    ("leadUnit", clause.leadUnit ?? "", draftClause?.leadUnit ?? ""),
                    ("units", clause.units.joined(separator: "、"), draftClause?.units.joined(separator: "、") ?? ""),
                ]
                for (field, expected, found) in pairs where expected != found {
                    unitDifferences.append(
                        UnitsRow(clause: clause.number, field: field, expected: expected, found: found))
                }
            }
            let candidates = draftClause?.items ?? []
            for item in clause.items {
                let match = Self.pair(item, among: candidates)
                rows.append(
                    Row(
                        item: item.id, title: item.title, expected: item.award, draftItem: match?.id,
                        found: match?.award,
                        exact: match.map { Self.erased($0.award) == Self.erased(item.award) } ?? false,
                        requiresMatch: match.map { Self.erased($0.requires) == Self.erased(item.requires) } ?? false))
            }
        }
        self.rows = rows
        self.unitDifferences = unitDifferences
        self.measuresCompared = measures
    }

    static func pair(_ item: Item, among candidates: [Item]) -> Item? {
        let text = Self.compact(item.text)
        let containing = candidates.filter {
            let other = Self.compact($0.text)
            return !other.isEmpty && (text.contains(other) || other.contains(text))
        }
        if !containing.isEmpty {
            return containing.max { a, b in
                let pa = a.award == .none ? 0 : 1, pb = b.award == .none ? 0 : 1
                if pa != pb { return pa < pb }
                return Self.similarity(a.title, item.title) < Self.similarity(b.title, item.title)
            }
        }
        return candidates.max { Self.similarity($0.text, item.text) < Self.similarity($1.text, item.text) }
    }

    /// Text without spaces and line ends.
    static func compact(_ s: String) -> String { s.filter { !$0.isWhitespace } }

    /// Dice coefficient of character bigrams.
    static func similarity(_ a: String, _ b: String) -> Double {
        func bigrams(_ s: String) -> [String: Int] {
            let c = Array(compact(s))
            var d: [String: Int] = [:]
            if c.count == 1 { d[String(c)] = 1 }
            for i in 0..<max(0, c.count - 1) { d[String(c[i...i + 1]), default: 0] += 1 }
            return d
        }
        let x = bigrams(a), y = bigrams(b)
        let total = x.values.reduce(0, +) + y.values.reduce(0, +)
        guard total > 0 else { return 0 }
        let shared = x.reduce(0) { $0 + min($1.value, y[$1.key] ?? 0) }
        return Double(2 * shared) / Double(total)
    }

    /// The rule without its free-text parts.
    static func erased(_ rule: AwardRule) -> AwardRule {
        switch rule {
        case .percent(var r):
            r.per = nil
            return .percent(r)
        case .perYear(var r, let years):
            r.per = nil
            return .perYear(r, years: years)
        case .staged(let fact, let stages):
            return .staged(fact: fact, stages: stages.map { Stage(id: $0.id, name: "", yuan: $0.yuan) })
        case .ceiling(let max, _):
            return .ceiling(maxYuan: max, note: nil)
        case .unspecified:
            return .unspecified(note: "")
        case .byFact(let fact, let cases):
            return .byFact(fact: fact, cases: cases.sorted { $0.value < $1.value })
        default:
            return rule
        }
    }

    static func erased(_ requires: [Requirement]) -> [String] {
        requires.map { "\($0.fact.rawValue) \($0.test)" }.sorted()
    }

    /// The rule in a few words, for the table.
    public static func describe(_ rule: AwardRule?) -> String {
        guard let rule else { return "—" }
        func y(_ v: Int64) -> String { v % 10_000 == 0 ? "\(v / 10_000)万" : "\(v)元" }
        func base(_ b: [BaseTerm]) -> String {
            b.map { ($0.subtracts ? "-" : "") + $0.fact.rawValue }.joined(separator: "+")
        }
        switch rule {
        case .fixed(let v): return "fixed \(y(v))"
        case .byFact(let f, let cases):
            return "byFact \(f.rawValue) " + cases.map { "\($0.value)=\(y($0.yuan))" }.joined(separator: ",")
        case .percent(let r): return "percent \(r.percent)% of \(base(r.base))" + (r.maxYuan.map { " ≤\(y($0))" } ?? "")
        case .perYear(let r, let years):
            return "perYear \(r.percent)% of \(base(r.base))" + (r.maxYuan.map { " ≤\(y($0))/yr" } ?? "") + " ×\(years)"
        case .perUnit(let r):
            return "perUnit \(r.fact.rawValue) \(y(r.yuanEach))"
                + r.bonuses.map { " +\($0.fact.rawValue) \(y($0.yuanEach))" }.joined()
                + (r.maxYuan.map { " ≤\(y($0))" } ?? "")
        case .staged(_, let stages): return "staged " + stages.map { "\($0.id) \(y($0.yuan))" }.joined(separator: ", ")
        case .ceiling(let max, _): return "ceiling \(y(max))"
        case .unspecified: return "unspecified"
        case .none: return "none"
        }
    }

    /// The item-by-item table and the totals.
    public var lines: [String] {
        var out = ["item | title | by hand | draft item | draft | exact"]
        for r in rows {
            out.append(
                "\(r.item) | \(r.title) | \(Self.describe(r.expected)) | \(r.draftItem ?? "—") | \(Self.describe(r.found)) | \(r.exact ? "yes" : "NO")"
            )
        }
        let percent = (exactShare * 1000).rounded() / 10
        out.append("rules exact: \(exactCount) of \(rows.count) (\(percent) %)")
        out.append("requires equal: \(rows.filter(\.requiresMatch).count) of \(rows.count)")
        out.append(
            "measures with the same 责任领导, 牵头单位 and 责任单位: \(measuresCompared - Set(unitDifferences.map(\.clause)).count) of \(measuresCompared)"
        )
        for d in unitDifferences {
            out.append("  clause \(d.clause) \(d.field): by hand 「\(d.expected)」, draft 「\(d.found)」")
        }
        return out
    }
}
