import Desk
import Foundation
import PolicyKit

/// Writes a draft plan as `Intents/` files, in the format and order of the shipped ones.
struct DraftWriter {
    var markForReview: Bool

    func files(policy: Policy, document: PlanDocument) -> [String: String] {
        var files: [String: String] = [:]
        let measureNumbers = Set(document.measures.map(\.number))
        for clause in policy.clauses {
            files[Self.clauseFile(clause.number)] = self.clause(
                clause, review: markForReview && measureNumbers.contains(clause.number))
        }
        files["policy.yaml"] = policyFile(policy, document: document)
        files["lexicon.yaml"] = Self.defaultLexicon
        files["facts.yaml"] = Self.defaultFacts
        files["out_of_scope.yaml"] = Self.defaultOutOfScope
        files["contacts.yaml"] = contacts(policy)
        return files
    }

    /// The general notes a reply may add: the sentences of 其他事项 that state a rule.
    static func generalNotes(_ document: PlanDocument) -> [String] {
        guard let other = document.closing.first(where: { $0.title.contains("其他") }) else { return [] }
        let text = (other.lines + other.subParts.flatMap(\.lines)).map(\.text).joined()
        return ClauseBuilder.sentences(text).filter { !$0.hasPrefix("各部门") && !$0.hasPrefix("各单位") }
    }

    private func policyFile(_ policy: Policy, document: PlanDocument) -> String {
        var out = "# 由 policydesk import 从方案原文生成的草稿：请核对后再用。\n"
        out += "title: \(Self.scalar(policy.title))\n"
        if let interpreter = Self.interpreter(policy.notes) { out += "interpreter: \(Self.scalar(interpreter))\n" }
        out += "sections:\n"
        for number in policy.sections.keys.sorted() {
            out += "  - {number: \(number), title: \(Self.scalar(policy.sections[number]!, flow: true))}\n"
        }
        out += "checklistNote: \(Self.scalar(policy.checklistNote))\n"
        out += Self.list("notes", policy.notes, indent: "")
        return out
    }

    /// 「本方案由东胜区工信和科技局负责解释。」 → 东胜区工信和科技局.
    static func interpreter(_ notes: [String]) -> String? {
        for note in notes {
            guard let a = note.range(of: "由"), let b = note.range(of: "负责解释"), a.upperBound < b.lowerBound else {
                continue
            }
            return String(note[a.upperBound..<b.lowerBound])
        }
        return nil
    }

    private func clause(_ clause: Clause, review: Bool) -> String {
        var out = "clause: \(clause.number)\n"
        if let section = clause.section { out += "section: \(section)\n" }
        out += "title: \(Self.scalar(clause.title))\n"
        if let leader = clause.leader { out += "leader: \(Self.scalar(leader))\n" }
        if let lead = clause.leadUnit { out += "leadUnit: \(Self.scalar(lead))\n" }
        if clause.leadUnit != nil || !clause.units.isEmpty { out += "units: \(Self.flowList(clause.units))\n" }
        out += Self.block("text", clause.text, indent: "")
        if !clause.keywords.isEmpty { out += "keywords: \(Self.flowList(clause.keywords))\n" }
        out += "items:\n"
        for item in clause.items { out += self.item(item, review: review) }
        return out
    }

    private func item(_ item: Item, review: Bool) -> String {
        var out = "  - id: \"\(item.id)\"\n"
        out += "    title: \(Self.scalar(item.title))\n"
        if item.text.contains("\n") {
            out += Self.block("text", item.text, indent: "    ")
        } else {
            out += "    text: \(Self.scalar(item.text))\n"
        }
        out += Self.award(item.award, review: review)
        if !item.requires.isEmpty {
            out += "    requires:\n"
            for r in item.requires {
                let test: String
                switch r.test {
                case .equals(let value): test = "equals: \(Self.value(value))"
                case .atLeast(let n): test = "atLeast: \(n)"
                }
                out += "      - {fact: \(r.fact.rawValue), \(test), reason: \(Self.scalar(r.reason, flow: true))}\n"
            }
        }
        if !item.conditions.isEmpty {
            out += "    conditions:\n"
            for name in item.conditions {
                if let check = item.checks.first(where: { $0.name == name }) {
                    out += "      - name: \(Self.scalar(name))\n"
                    out += "        kind: \(check.kind.rawValue)\n"
                    out += "        confirm: \(Self.flowList(check.confirms))\n"
                    out += "        break: \(Self.flowList(check.breaks))\n"
                    out += "        reason: \(Self.scalar(check.reason))\n"
                    if let assume = check.assumption { out += "        assume: \(Self.scalar(assume))\n" }
                } else {
                    out += "      - \(Self.scalar(name))\n"
                }
            }
        }
        out += Self.list("checklist", item.checklist, indent: "    ")
        out += Self.list("examples", item.examples, indent: "    ")
        return out
    }

    private static func value(_ v: FactValue) -> String {
        switch v {
        case .flag(let b): b ? "true" : "false"
        case .choice(let c): c
        case .count(let n): "\(n)"
        case .yuan(let y): "\(y)"
        }
    }

    /// An award in block style; a guessed one ends with `review: true`, on a line of its own so
    /// that lint can point at it and accepting it is deleting that line.
    static func award(_ award: AwardRule, review: Bool) -> String {
        var lines: [String] = []
        func base(_ terms: [BaseTerm]) -> String {
            "[" + terms.map { ($0.subtracts ? "-" : "") + $0.fact.rawValue }.joined(separator: ", ") + "]"
        }
        switch award {
        case .fixed(let yuan):
            lines = ["shape: fixed", "yuan: \(yuan)"]
        case .byFact(let fact, let cases):
            lines = [
                "shape: byFact", "fact: \(fact.rawValue)",
                "cases: {" + cases.map { "\($0.value): \($0.yuan)" }.joined(separator: ", ") + "}",
            ]
        case .percent(let rule):
            lines = ["shape: percent", "percent: \(rule.percent)", "base: \(base(rule.base))"]
            if let max = rule.maxYuan { lines.append("maxYuan: \(max)") }
            if let per = rule.per { lines.append("per: \(scalar(per))") }
        case .perYear(let rule, let years):
            lines = ["shape: perYear", "percent: \(rule.percent)", "base: \(base(rule.base))"]
            if let max = rule.maxYuan { lines.append("maxYuanPerYear: \(max)") }
            lines.append("years: \(years)")
        case .perUnit(let rule):
            lines = ["shape: perUnit", "fact: \(rule.fact.rawValue)", "yuanEach: \(rule.yuanEach)"]
            if !rule.bonuses.isEmpty {
                lines.append("bonuses:")
                for b in rule.bonuses { lines.append("  - {fact: \(b.fact.rawValue), yuanEach: \(b.yuanEach)}") }
            }
            if let max = rule.maxYuan { lines.append("maxYuan: \(max)") }
        case .staged(let fact, let stages):
            lines = ["shape: staged", "fact: \(fact.rawValue)", "stages:"]
            for s in stages { lines.append("  - {id: \(s.id), name: \(scalar(s.name, flow: true)), yuan: \(s.yuan)}") }
        case .ceiling(let max, let note):
            lines = ["shape: ceiling", "maxYuan: \(max)"]
            if let note { lines.append("note: \(scalar(note))") }
        case .unspecified(let note):
            lines = ["shape: unspecified", "note: \(scalar(note))"]
        case .none:
            lines = ["shape: none"]
        }
        if review { lines.append("review: true") }
        return "    award:\n" + lines.map { "      \($0)\n" }.joined()
    }

    private func contacts(_ policy: Policy) -> String {
        var seen = Set<String>()
        var out = "# 各单位联系方式：由工作人员填写；回复里只显示已填写的字段。\nunits:\n"
        for clause in policy.clauses {
            for unit in [clause.leadUnit].compactMap({ $0 }) + clause.units where seen.insert(unit).inserted {
                out +=
                    "  - {name: \(Self.scalar(unit, flow: true)), phone: \"\", address: \"\", person: \"\", hours: \"\"}\n"
            }
        }
        return out + Self.defaultUnitAsks
    }

    /// The words that make a question one about a unit (its contact, its duties), the same as the shipped `contacts.yaml`'s.
    static let defaultUnitAsks = """

        # 问单位本身的说法（见 Intents/README.md）；单位的简称写在各单位的 aliases 里。
        asks:
          contact: [电话, 联系方式, 怎么联系, 如何联系, 联系谁, 联系人, 地址, 在哪, 在什么地方, 办公时间, 几点上班, 上班时间]
          duties: [负责哪些, 负责什么, 管哪些, 管什么, 牵头哪些, 牵头什么, 哪些政策, 哪些措施, 哪几条, 什么政策, 职责]

        """

    static let defaultLexicon = """
        # 草稿的词表：常见简称。请按 Intents/README.md 补充同义词、错别字与繁体字。
        abbreviations:
          高新技术企业: [高企]
          规模以上: [规上]
          规模以下: [规下]

        """

    static let defaultFacts = """
        # 草稿的事实提示词：每类只有最常见的说法。请从已上线的 Intents/facts.yaml 复制（import --carry-over），
        # 或按 Intents/README.md 补充。
        amounts:
          interest: [利息]
          guaranteeFee: [担保费]
          cityAmount: [市里]
          regionAmount: [自治区]
          salesRevenue: [销售收入]
          rdSpending: [研发经费]
          fiscalSupport: [财政支持]
          investment: [风险投资]
        amountsRightBefore: {}
        scale: {above: [规模以上], below: [规模以下]}
        listing: {topic: [上市], all: [一共], accepted: [受理], listed: [挂牌], ipo: [成功上市]}
        total: [一共]
        pair: [同时]
        money: [多少钱]
        patents: {patent: [专利], industrialized: [产业化], allIndustrialized: [全部产业化], notUsedForHighTech: [未用于], usedForHighTech: [已用于]}
        subsidyYears: [补了]

        """

    static let defaultOutOfScope = """
        # 草稿的拒答示例：不在方案里的政务问题。请按 Intents/README.md 补充。
        examples:
          - 公司新来的员工社保怎么增员
          - 公积金怎么提取
          - 营业执照怎么办理
          - 个税年度汇算怎么弄
          - 户口迁移需要什么手续
          - 今天天气怎么样
          - 你们单位招聘吗
          - 买房有补贴吗

        """

    // MARK: - YAML text

    /// A YAML scalar, written as the staff editor writes one: plain when that reads back as the
    /// same text, double-quoted otherwise; inside a one-line mapping or list when `flow`.
    static func scalar(_ s: String, flow: Bool = false) -> String {
        // A no-break or full-width space (「杜 \u{00A0}娟」 in the seed) is kept, but as an escape a
        // person can see, as the shipped files write it.
        let invisible: [(Character, String)] = [("\u{00A0}", "\\u00A0"), ("\u{3000}", "\\u3000")]
        if invisible.contains(where: { s.contains($0.0) }) {
            var quoted = IntentFileEditor.doubleQuoted(s)
            for (character, escape) in invisible {
                quoted = quoted.replacingOccurrences(of: String(character), with: escape)
            }
            return quoted
        }
        return flow ? IntentFileEditor.flowScalar(s) : IntentFileEditor.scalar(s)
    }

    static func flowList(_ items: [String]) -> String {
        "[" + items.map { scalar($0, flow: true) }.joined(separator: ", ") + "]"
    }

    static func list(_ key: String, _ items: [String], indent: String) -> String {
        guard !items.isEmpty else { return "\(indent)\(key): []\n" }
        return "\(indent)\(key):\n" + items.map { "\(indent)  - \(scalar($0))\n" }.joined()
    }

    /// A literal block (`text: |`), line by line as the seed has it.
    static func block(_ key: String, _ text: String, indent: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.contains(where: {
            $0.first?.isWhitespace == true || $0.unicodeScalars.contains { $0.value < 0x20 && $0 != "\t" }
        }) {
            return "\(indent)\(key): \(scalar(text))\n"
        }
        return "\(indent)\(key): |\n" + lines.map { "\(indent)  \($0)\n" }.joined()
    }

    /// `clauses/04.yaml` for 4.
    static func clauseFile(_ number: Int) -> String {
        "clauses/" + (number < 10 ? "0\(number)" : "\(number)") + ".yaml"
    }
}
