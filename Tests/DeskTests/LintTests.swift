import Foundation
import Testing

@testable import Desk

/// A throwaway copy of the shipped `Intents/` and `Templates/` in the temporary directory,
/// for breaking one thing at a time.
final class Workspace {
    let root: URL
    var intents: URL { root.appendingPathComponent("Intents") }
    var templates: URL { root.appendingPathComponent("Templates") }

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("policydesk-lint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Shipped.intents, to: intents)
        try FileManager.default.copyItem(at: Shipped.templates, to: templates)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// Rewrites one file (`Intents/clauses/17.yaml`, `Templates/answer.txt.mustache`) and
    /// returns the new text.
    @discardableResult
    func edit(_ path: String, _ change: (String) -> String) throws -> String {
        let url = root.appendingPathComponent(path)
        let old = try String(contentsOf: url, encoding: .utf8)
        let new = change(old)
        #expect(new != old, "the edit of \(path) changed nothing")
        try new.write(to: url, atomically: true, encoding: .utf8)
        return new
    }

    /// The problems `lint` reports; empty when the copy loads.
    func problems() -> [Problem] {
        do {
            _ = try KnowledgeBaseLoader(intents: intents, templates: templates).load()
            return []
        } catch {
            return error.problems
        }
    }
}

/// The 1-based number of the first line of `text` that contains `needle`.
private func line(of needle: String, in text: String) -> Int? {
    text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(needle) }.map { $0 + 1 }
}

@Suite("lint on a copy of Intents/ and Templates/")
struct LintTests {
    @Test("another name given to two units, or an `asks` with no words, is reported in contacts.yaml")
    func unitNames() throws {
        let workspace = try Workspace()
        try workspace.edit("Intents/contacts.yaml") {
            $0.replacingOccurrences(
                of: "{name: 区财政局, phone: \"\", address: \"\", person: \"\", hours: \"\"}",
                with: "{name: 区财政局, phone: \"\", address: \"\", person: \"\", hours: \"\", aliases: [发改委]}"
            )
            .replacingOccurrences(of: "\nasks:\n", with: "\nasks:\n  contact: []\n  duties: []\nunused:\n")
        }
        let problems = workspace.problems().filter { $0.file == "contacts.yaml" }
        #expect(
            problems.contains {
                $0.message.contains("「发改委」") && $0.message.contains("区发展和改革委员会")
                    && $0.message.contains("区财政局")
            }, "\(problems)")
        #expect(problems.contains { $0.message.contains("`asks` needs at least one word") }, "\(problems)")
    }

    @Test("a reply template for questions about a unit is required, and checked against its values")
    func unitTemplate() throws {
        let workspace = try Workspace()
        try workspace.edit("Templates/unit.txt.mustache") {
            $0.replacingOccurrences(of: "{{{unit}}}", with: "{{{unitt}}}")
        }
        try FileManager.default.removeItem(at: workspace.templates.appendingPathComponent("unit.md.mustache"))
        let problems = workspace.problems()
        #expect(
            problems.contains {
                $0.file == "Templates/unit.txt.mustache" && $0.line == 2 && $0.message.contains("did you mean `unit`?")
            }, "\(problems)")
        #expect(problems.contains { $0.file == "Templates/unit.md.mustache" && $0.message.contains("missing") })
    }

    @Test("a condition in words without break words, or with a word both to confirm and break it, is reported")
    func conditionWords() throws {
        let workspace = try Workspace()
        try workspace.edit("Intents/clauses/17.yaml") {
            $0.replacingOccurrences(of: "        break: [以前备案", with: "        confirm2: [以前备案")
        }
        let problems = workspace.problems()
        #expect(problems.contains { $0.file == "clauses/17.yaml" && $0.message.contains("lists no `break` words") })
        #expect(problems.contains { $0.file == "clauses/17.yaml" && $0.message.contains("unknown key `confirm2`") })
    }

    @Test("an item's level that lexicon.yaml does not list is reported at its line, with the known levels")
    func unknownLevel() throws {
        let workspace = try Workspace()
        let text = try workspace.edit("Intents/clauses/04.yaml") {
            $0.replacingOccurrences(
                of: "    levels: [自治区级]\n    conditions:", with: "    levels: [省部级]\n    conditions:")
        }
        let line = text.components(separatedBy: "\n").firstIndex { $0.contains("省部级") }.map { $0 + 1 }
        let problem = workspace.problems().first { $0.message.contains("「省部级」") }
        #expect(problem?.file == "clauses/04.yaml")
        #expect(problem?.line == line)
        #expect(problem?.message.contains("known: 国家级, 自治区级, 市级, 区级") == true)
    }

    @Test("facts.yaml: an unknown fact, an unknown or missing section and a word listed twice are reported")
    func factCueProblems() throws {
        let workspace = try Workspace()
        try workspace.edit("Intents/facts.yaml") {
            $0.replacingOccurrences(of: "  interest: [利息,", with: "  interst: [利息,")
                .replacingOccurrences(of: "pair: [两项,", with: "pairs: [两项,")
                .replacingOccurrences(of: "total: [一共, 总共,", with: "total: [一共, 一共,")
        }
        let messages = workspace.problems().filter { $0.file == "facts.yaml" }.map(\.message)
        #expect(messages.contains { $0.contains("unknown fact `interst`") })
        #expect(messages.contains { $0.contains("unknown section `pairs`") })
        #expect(messages.contains { $0.contains("missing `pair`") })
        #expect(messages.contains { $0.contains("`total` lists 「一共」 twice") })
    }

    @Test("a word staff add to facts.yaml is read in questions at once (「资金占用费」 as interest)")
    func factCueAdded() throws {
        let workspace = try Workspace()
        let question = "科技贷款，一年的资金占用费12万，区里贴多少"
        func loaded() throws -> Desk {
            Desk(knowledge: try KnowledgeBaseLoader(intents: workspace.intents, templates: workspace.templates).load())
        }
        #expect(try loaded().answer(question).answer.amount?.yuan == nil)
        try workspace.edit("Intents/facts.yaml") {
            $0.replacingOccurrences(of: "  interest: [利息,", with: "  interest: [资金占用费, 利息,")
        }
        let answer = try loaded().answer(question).answer
        #expect(answer.item == "28.1")
        #expect(answer.amount?.yuan == 60_000)
    }

    @Test("an untouched copy loads with no problem")
    func goodCopy() throws {
        let workspace = try Workspace()
        #expect(workspace.problems().map(\.description) == [])
    }

    @Test("a YAML syntax error is reported at its file and line")
    func yamlSyntax() throws {
        let workspace = try Workspace()
        let text = try workspace.edit("Intents/clauses/17.yaml") {
            $0.replacingOccurrences(of: "title: 组建产业链创新联合体\n", with: "title: 组建产业链创新联合体: 又一个冒号\n")
        }
        let expected = try #require(line(of: "又一个冒号", in: text))
        let problems = workspace.problems()
        let problem = try #require(problems.first { $0.file == "clauses/17.yaml" }, "\(problems)")
        #expect(problem.line == expected)
        #expect(problem.message.hasPrefix("YAML syntax"))
        #expect(problem.description == "clauses/17.yaml:\(expected): \(problem.message)")
    }

    @Test("an unknown clause number is reported at its line")
    func unknownClause() throws {
        let workspace = try Workspace()
        let text = try workspace.edit("Intents/clauses/17.yaml") {
            $0.replacingOccurrences(of: "clause: 17\n", with: "clause: 42\n")
        }
        let expected = try #require(line(of: "clause: 42", in: text))
        let problems = workspace.problems()
        let problem = try #require(
            problems.first { $0.file == "clauses/17.yaml" && $0.message.contains("42") }, "\(problems)")
        #expect(problem.line == expected)
        #expect(problem.description.hasPrefix("clauses/17.yaml:\(expected): "))
        // With 17.yaml no longer clause 17, the plan also misses a clause.
        #expect(problems.contains { $0.message.contains("clause 17 has no file") })
    }

    @Test("a measure without leadUnit is reported in its file, at the clause's mapping")
    func missingLeadUnit() throws {
        let workspace = try Workspace()
        let text = try workspace.edit("Intents/clauses/17.yaml") {
            $0.replacingOccurrences(of: "leadUnit: 区工信和科技局\n", with: "")
        }
        let expected = try #require(line(of: "clause: 17", in: text))
        let problems = workspace.problems()
        let problem = try #require(problems.first { $0.message.contains("leadUnit") }, "\(problems)")
        #expect(problem.file == "clauses/17.yaml")
        #expect(problem.line == expected)
        #expect(problem.message.contains("clause 17"))
    }

    @Test("an empty leadUnit is reported at its own line")
    func emptyLeadUnit() throws {
        let workspace = try Workspace()
        let text = try workspace.edit("Intents/clauses/17.yaml") {
            $0.replacingOccurrences(of: "leadUnit: 区工信和科技局\n", with: "leadUnit: \"\"\n")
        }
        let expected = try #require(line(of: "leadUnit:", in: text))
        let problem = try #require(workspace.problems().first { $0.message.contains("leadUnit") })
        #expect(problem.file == "clauses/17.yaml")
        #expect(problem.line == expected)
    }

    @Test("an award with a negative maxYuan is reported at the award's line")
    func negativeCeiling() throws {
        let workspace = try Workspace()
        let text = try workspace.edit("Intents/clauses/16.yaml") {
            $0.replacingOccurrences(of: "maxYuan: 5000000", with: "maxYuan: -5000000")
        }
        let expected = try #require(line(of: "maxYuan: -5000000", in: text))
        let problems = workspace.problems()
        let problem = try #require(problems.first { $0.message.contains("-5000000") }, "\(problems)")
        #expect(problem.file == "clauses/16.yaml")
        #expect(problem.line == expected)
        #expect(problem.message.contains("16.1"))
        #expect(problem.message.contains("negative"))
    }

    @Test(
        "a template that does not compile is reported at its file and at the line of the fault",
        arguments: [
            ("{{/amount}}", "{{/amonut}}"),  // a section closed under another name
            ("（{{{formula}}}）", "（{{{formula}}）"),  // an unfinished tag
        ])
    func brokenTemplate(original: String, broken: String) throws {
        let workspace = try Workspace()
        let text = try workspace.edit("Templates/answer.txt.mustache") { text in
            guard let range = text.range(of: original) else { return text }
            return text.replacingCharacters(in: range, with: broken)
        }
        let expected = try #require(line(of: broken, in: text))
        let problems = workspace.problems()
        let problem = try #require(problems.first { $0.file == "Templates/answer.txt.mustache" }, "\(problems)")
        #expect(problem.message.contains("does not compile"))
        #expect(problem.line == expected)
        #expect(problem.description.hasPrefix("Templates/answer.txt.mustache:\(expected): "))
    }

    @Test("an unclosed section {{#amount}} is reported at the line that opens it")
    func unclosedSection() throws {
        let workspace = try Workspace()
        let text = try workspace.edit("Templates/answer.txt.mustache") { $0 + "{{#amount}}\n未闭合的段落\n" }
        let opening = try #require(line(of: "未闭合的段落", in: text)) - 1
        let problems = workspace.problems()
        let problem = try #require(problems.first { $0.file == "Templates/answer.txt.mustache" }, "\(problems)")
        #expect(problem.message.contains("does not compile"))
        #expect(problem.line == opening)
    }

    @Test("a missing template is reported by name")
    func missingTemplate() throws {
        let workspace = try Workspace()
        try FileManager.default.removeItem(at: workspace.templates.appendingPathComponent("clarify.md.mustache"))
        #expect(
            workspace.problems().map(\.description) == [
                "Templates/clarify.md.mustache:0: missing: every reply kind needs a template"
            ])
    }

    @Test("every problem of a run is reported, not only the first")
    func everyProblem() throws {
        let workspace = try Workspace()
        try workspace.edit("Intents/clauses/16.yaml") {
            $0.replacingOccurrences(of: "maxYuan: 5000000", with: "maxYuan: -5000000")
        }
        try workspace.edit("Intents/clauses/17.yaml") { $0.replacingOccurrences(of: "leadUnit: 区工信和科技局\n", with: "") }
        let files = Set(workspace.problems().map(\.file))
        #expect(files.isSuperset(of: ["clauses/16.yaml", "clauses/17.yaml"]))
    }
}

@Suite("lint refuses edits that cannot work")
struct LintConflictTests {
    @Test("an example question that out_of_scope.yaml also lists is reported at its line, naming both places")
    func exampleAlsoOutOfScope() throws {
        let workspace = try Workspace()
        // Written with full-width punctuation and a trailing question mark: the matcher reads it the same.
        let text = try workspace.edit("Intents/clauses/12.yaml") {
            $0.replacingOccurrences(
                of: "      - 首次认定自治区科技领军企业奖多少\n",
                with: "      - 首次认定自治区科技领军企业奖多少\n      - 注册公司需要什么材料？\n")
        }
        let problems = workspace.problems()
        let conflict = problems.first { $0.message.contains("注册公司需要什么材料？") }
        #expect(conflict?.file == "clauses/12.yaml")
        #expect(conflict?.line == line(of: "注册公司需要什么材料？", in: text))
        #expect(conflict?.message.contains("out_of_scope.yaml") == true)
        #expect(conflict?.message.contains("「注册公司需要什么材料」") == true)
        #expect(problems.count == 1, "\(problems)")
    }

    @Test("a misspelt template value is an error naming the file, the line and the value meant")
    func misspeltTemplateValue() throws {
        let workspace = try Workspace()
        let text = try workspace.edit("Templates/answer.md.mustache") {
            $0.replacingOccurrences(of: "（{{{formula}}}）", with: "（{{{fromula}}}）")
        }
        let problems = workspace.problems()
        #expect(problems.count == 1, "\(problems)")
        #expect(problems.first?.file == "Templates/answer.md.mustache")
        #expect(problems.first?.line == line(of: "fromula", in: text))
        #expect(problems.first?.message.contains("`fromula`") == true)
        #expect(problems.first?.message.contains("did you mean `formula`?") == true)
    }

    @Test("a list element's value is only known inside its section, and an outer value is known everywhere")
    func sectionScopes() {
        let vocabulary = TemplateVocabulary.answer
        #expect(vocabulary.unknownNames(in: "{{#needs}}{{{question}}} {{{title}}}{{/needs}}").isEmpty)
        #expect(vocabulary.unknownNames(in: "{{{question}}}").map(\.name) == ["question"])
        #expect(vocabulary.unknownNames(in: "{{! a comment about {{nothing}} }}{{#amount}}{{.}}{{/amount}}").isEmpty)
        #expect(vocabulary.unknownNames(in: "a\n\n{{#checklist}}\n{{{documnet}}}\n{{/checklist}}").map(\.line) == [4])
        #expect(
            TemplateVocabulary.smalltalk(kinds: []).unknownNames(
                in: "{{#greeting}}{{/greeting}}{{#thanks}}{{/thanks}}{{#bye}}{{/bye}}"
            )
            .map(\.name) == ["bye"])
    }

    @Test("a template of a campaign's own is checked against what an outreach message provides")
    func campaignTemplate() throws {
        let workspace = try Workspace()
        try "{{{enterprise}}}：{{#items}}{{{title}}} {{{amout}}}{{/items}}".write(
            to: workspace.templates.appendingPathComponent("notice.md.mustache"), atomically: true, encoding: .utf8)
        let problems = workspace.problems()
        #expect(problems.map(\.file) == ["Templates/notice.md.mustache"])
        #expect(problems.first?.message.contains("did you mean `amount`?") == true)
    }
}
