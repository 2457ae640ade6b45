import Desk
import Foundation
import PlanImport
import PolicyKit
import Testing

/// The repository's root, found from this file, never from the working directory.
private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
private let templates = root.appendingPathComponent("Templates")

/// The seed, the shipped knowledge base written by hand, and the seed's draft: read once.
private enum Seed {
    static let text: String = {
        let data = FileManager.default.contents(
            atPath: root.appendingPathComponent("Tests/DeskTests/Fixtures/seed.txt").path)!
        return String(decoding: data, as: UTF8.self)
    }()
    static let shipped: KnowledgeBase = try! KnowledgeBaseLoader(
        intents: root.appendingPathComponent("Intents"), templates: templates
    ).load()
    static let draft: PlanImporter.Draft = try! PlanImporter.draft(from: text)
}

/// Writes a draft's files into a fresh temporary folder.
private func written(_ draft: PlanImporter.Draft) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("plan-import-\(UUID().uuidString)")
    try FileManager.default.createDirectory(
        at: folder.appendingPathComponent("clauses"), withIntermediateDirectories: true)
    for (path, content) in draft.files { try Data(content.utf8).write(to: folder.appendingPathComponent(path)) }
    return folder
}

@Suite("Importing the seed")
struct SeedImportTests {
    @Test("finds the 30 measures and the ten 行动 of the seed, with no notes")
    func measuresAndSections() {
        #expect(Seed.draft.measures == 30)
        #expect(Seed.draft.policy.sections.count == 10)
        #expect(Seed.draft.policy.sections[4] == "科技企业倍增生态提质行动")
        #expect(Seed.draft.policy.title == Seed.shipped.policy.title)
        #expect(Seed.draft.notes.isEmpty, "\(Seed.draft.notes)")
    }

    @Test("each measure's 责任领导, 牵头单位 and 责任单位 equal the shipped Intents/", arguments: 1...30)
    func people(measure: Int) throws {
        let shipped = try #require(Seed.shipped.policy.clause(measure))
        let draft = try #require(Seed.draft.policy.clause(measure))
        #expect(draft.leader == shipped.leader)
        #expect(draft.leadUnit == shipped.leadUnit)
        #expect(draft.units == shipped.units)
        #expect(draft.section == shipped.section)
        #expect(draft.title == shipped.title)
    }

    /// Items are paired by text within their clause (see `ImportComparison`), never by the rule.
    @Test("at least 90 % of the shipped items' award rules are recognised exactly")
    func rulesRecognised() {
        let comparison = ImportComparison(draft: Seed.draft.policy, reference: Seed.shipped.policy)
        #expect(comparison.rows.count == Seed.shipped.policy.items.count)
        #expect(comparison.exactShare >= 0.9, "\(comparison.lines.joined(separator: "\n"))")
        #expect(comparison.unitDifferences.isEmpty)
        #expect(comparison.measuresCompared == 30)
    }

    @Test("the hardest shapes come out exactly: by scale, per unit with a bonus, yearly, staged, split 分别")
    func hardShapes() throws {
        let comparison = ImportComparison(draft: Seed.draft.policy, reference: Seed.shipped.policy)
        for id in ["12.2", "7.3", "28.1", "30.1", "12.5", "12.6", "9.2", "9.3", "25.2", "16.1"] {
            let row = try #require(comparison.rows.first { $0.item == id })
            #expect(
                row.exact, "\(id): \(ImportComparison.describe(row.expected)) ≠ \(ImportComparison.describe(row.found))"
            )
        }
    }

    @Test("the written draft loads only with drafts allowed, one `rule not reviewed` per guessed rule")
    func reviewGate() throws {
        let folder = try written(Seed.draft)
        defer { try? FileManager.default.removeItem(at: folder) }
        var loader = KnowledgeBaseLoader(intents: folder, templates: templates)
        let problems: [Problem]
        do {
            _ = try loader.load()
            Issue.record("a draft with rules to review loaded without allowDraft")
            return
        } catch {
            problems = error.problems
        }
        #expect(problems.count == Seed.draft.rulesToReview)
        #expect(
            problems.allSatisfy {
                $0.message.hasPrefix("rule not reviewed") && $0.line > 0 && $0.file.hasPrefix("clauses/")
            })
        let line = try #require(problems.first { $0.file == "clauses/04.yaml" })
        let text = String(
            decoding: FileManager.default.contents(atPath: folder.appendingPathComponent("clauses/04.yaml").path)!,
            as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[line.line - 1].trimmingCharacters(in: .whitespaces) == "review: true")

        loader.allowDraft = true
        let knowledge = try loader.load()
        #expect(knowledge.isDraft)
        #expect(knowledge.unreviewedRules == Seed.draft.rulesToReview)
        // What was written reads back as what was read.
        for item in Seed.draft.policy.items {
            let back = knowledge.policy.item(item.id)
            #expect(back?.award == item.award, "\(item.id)")
            #expect(
                back?.requires == item.requires && back?.checks == item.checks && back?.title == item.title,
                "\(item.id)")
        }
        for clause in Seed.draft.policy.clauses {
            let back = knowledge.policy.clause(clause.number)
            #expect(
                back?.leader == clause.leader && back?.units == clause.units && back?.text == clause.text,
                "\(clause.number)")
        }
        #expect(knowledge.policy.notes == Seed.draft.policy.notes)
    }

    @Test("accepting every review mark gives, byte for byte, the draft imported with --accept-review")
    func acceptAll() throws {
        let accepted = try PlanImporter.draft(from: Seed.text, options: .init(markForReview: false))
        var removed = 0
        for (path, text) in Seed.draft.files {
            let (clean, count) = ReviewMarks.accepted(text)
            removed += count
            #expect(clean == accepted.files[path], "\(path)")
        }
        #expect(removed == Seed.draft.rulesToReview)
        #expect(
            ReviewMarks.accepted("award: {shape: fixed, yuan: 300000, review: true}\n") == (
                "award: {shape: fixed, yuan: 300000}\n", 1
            ))
    }

    @Test("`review` other than true or false is a problem at its line")
    func reviewValue() throws {
        var accepted = try PlanImporter.draft(from: Seed.text, options: .init(markForReview: false))
        let file = try #require(accepted.files["clauses/17.yaml"])
        accepted.files["clauses/17.yaml"] = file.replacingOccurrences(
            of: "      shape: fixed\n", with: "      shape: fixed\n      review: maybe\n")
        let folder = try written(accepted)
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try KnowledgeBaseLoader(intents: folder, templates: templates).load()
            Issue.record("`review: maybe` loaded")
        } catch {
            #expect(error.problems.count == 1)
            #expect(error.problems.first?.file == "clauses/17.yaml")
            #expect(error.problems.first?.message.contains("`review` is true") == true)
        }
    }

    @Test("a draft's answers say so, in the reply and as \"draft\": true in the JSON")
    func draftAnswers() throws {
        let folder = try written(Seed.draft)
        defer { try? FileManager.default.removeItem(at: folder) }
        var loader = KnowledgeBaseLoader(intents: folder, templates: templates)
        loader.allowDraft = true
        let desk = Desk(knowledge: try loader.load())
        let answer = desk.answer("自治区重点实验室今年获批，市里补了300万，区里配多少").answer
        #expect(answer.draft)
        #expect(answer.reply.hasPrefix(KnowledgeBase.draftNotice))
        #expect(answer.jsonLine().contains("\"draft\":true"))
        #expect(answer.clause == 4)
        #expect(answer.amount?.yuan == 3_000_000)
    }

    @Test(
        "accepted as read, the draft loads without the flag and its answers are not drafts; the shipped JSON has no draft key"
    )
    func acceptedDraft() throws {
        let accepted = try PlanImporter.draft(from: Seed.text, options: .init(markForReview: false))
        #expect(accepted.rulesToReview == 0)
        #expect(!accepted.files.values.contains { $0.contains("review: true") })
        let folder = try written(accepted)
        defer { try? FileManager.default.removeItem(at: folder) }
        let knowledge = try KnowledgeBaseLoader(intents: folder, templates: templates).load()
        #expect(!knowledge.isDraft)
        let answer = Desk(knowledge: knowledge).answer("新认定的高企，规上，能拿多少钱").answer
        #expect(!answer.draft)
        #expect(answer.amount?.yuan == 200_000)
        let shipped = Desk(knowledge: Seed.shipped).answer("新认定的高企能拿多少钱").answer
        #expect(!shipped.jsonLine().contains("\"draft\""))
        #expect(!Seed.shipped.isDraft)
    }
}

@Suite("Importing another plan")
struct OtherPlanTests {
    /// A plan of another district, written differently from the seed: its own title lines, units
    /// separated by commas, amounts in 元 and 亿元, a measure with two paragraphs, no 总体要求.
    static let plan = """
        某某区促进科技成果转化
        若干措施

        为加快科技成果转化，制定本措施。
        一、支持措施
        （一）平台建设
        1.支持孵化载体。对新认定的市级孵化器，一次性给予8000元奖补。
        对新认定的国家级孵化器，最高不超过1.5亿元奖补。
        责任领导：王五
        牵头单位：区科学技术局
        责任单位：区财政局，区市场监督管理局
        （二）金融服务
        2.支持科技贷款。对获得科技贷款的企业，按照实际贷款利息的30%给予补贴，每家企业每年不超过10万元，补贴期限2年。
        责任领导：赵六
        牵头单位：区金融服务中心
        责任单位：区财政局
        二、其他事项
        本措施由区科学技术局负责解释。
        """

    @Test("its measures, sections, people, rules and notes are read")
    func readsAnotherPlan() throws {
        let draft = try PlanImporter.draft(from: Self.plan)
        #expect(draft.measures == 2)
        #expect(draft.policy.title == "某某区促进科技成果转化若干措施")
        #expect(draft.policy.sections == [1: "平台建设", 2: "金融服务"])
        let first = try #require(draft.policy.clause(1))
        #expect(first.title == "支持孵化载体")
        #expect(first.units == ["区财政局", "区市场监督管理局"])
        #expect(first.items.map(\.award) == [.fixed(yuan: 8000), .ceiling(maxYuan: 150_000_000, note: nil)])
        #expect(first.items.first?.checks.first?.kind == .firstTime)
        let second = try #require(draft.policy.clause(2))
        #expect(second.leadUnit == "区金融服务中心")
        #expect(
            second.items.map(\.award) == [
                .perYear(PercentRule(percent: 30, base: [BaseTerm(fact: .interest)], maxYuan: 100_000), years: 2)
            ])
        #expect(draft.policy.notes == ["本措施由区科学技术局负责解释。"])
        #expect(draft.files["policy.yaml"]?.contains("interpreter: 区科学技术局") == true)
        // Two measures, not thirty: said, with the line of the first measure.
        #expect(draft.notes.contains { $0.line == 7 && $0.message.contains("expects 30") })
    }
}

@Suite("Reading award sentences")
struct AwardSentenceTests {
    /// A one-measure plan around `sentence`.
    private func rules(_ sentence: String) throws -> [AwardRule] {
        let plan = """
            测试方案
            一、重点任务
            1.测试措施。\(sentence)
            责任领导：张三
            牵头单位：区科技局
            责任单位：区财政局、区税务局
            """
        return try PlanImporter.draft(from: plan).policy.clause(1)!.items.map(\.award)
    }

    @Test(
        "amounts, shares, bases and caps",
        arguments: [
            ("对新认定的自治区创新联合体一次性给予30万元奖补。", AwardRule.fixed(yuan: 300_000)),
            ("对获批的平台，按照鄂尔多斯市补助额度的70%,给予配套奖补。", .percent(PercentRule(percent: 70, base: [BaseTerm(fact: .cityAmount)]))),
            (
                "对获得自治区补助的单位，按照自治区补助额度的20%，给予配套奖补，最高不超过100万元。",
                .percent(PercentRule(percent: 20, base: [BaseTerm(fact: .regionAmount)], maxYuan: 1_000_000))
            ),
            ("对新认定的国家级孵化器，最高不超过100万元奖补。", .ceiling(maxYuan: 1_000_000, note: nil)),
            (
                "对获得贷款的企业，按照实际贷款利息的40%给予补贴，每家企业每年不超过20万元，补贴期限2年。",
                .perYear(PercentRule(percent: 40, base: [BaseTerm(fact: .interest)], maxYuan: 200_000), years: 2)
            ),
            ("对科技特派员的项目，给予一定的支持。", .unspecified(note: "给予一定的支持")),
            ("加强宣传引导，营造创新氛围。", AwardRule.none),
        ])
    func shapes(sentence: String, expected: AwardRule) throws {
        #expect(try rules(sentence) == [expected])
    }

    @Test("「分别」 gives one item per beneficiary, in order")
    func respectively() throws {
        #expect(
            try rules("对整体迁入东胜区的瞪羚企业、独角兽企业，分别一次性给予200万元、400万元奖补。")
                == [.fixed(yuan: 2_000_000), .fixed(yuan: 4_000_000)])
    }

    @Test("1.5万元 and 1亿元 are exact yuan")
    func decimals() throws {
        #expect(try rules("对入库企业一次性给予1.5万元奖补。") == [.fixed(yuan: 15_000)])
        #expect(try rules("对落户的总部企业一次性给予1亿元奖补。") == [.fixed(yuan: 100_000_000)])
    }
}

@Suite("Bad plans")
struct BadPlanTests {
    @Test("an empty file, a binary one and GB18030 text are refused with the line")
    func decoding() {
        #expect(throws: PlanImportError.empty) { try PlanText.decode(Array("  \n\n".utf8)) }
        #expect(throws: PlanImportError.binary(line: 2)) { try PlanText.decode(Array("标题\nPK".utf8) + [0, 1, 2]) }
        // 「东胜区」 in GB18030, on the third line.
        let gb: [UInt8] = Array("a\nb\n".utf8) + [0xB6, 0xAB, 0xCA, 0xA4, 0xC7, 0xF8]
        #expect(throws: PlanImportError.notUTF8(line: 3, likelyGB18030: true)) { try PlanText.decode(gb) }
        #expect(PlanImportError.notUTF8(line: 3, likelyGB18030: true).description.contains("iconv -f GB18030"))
        #expect(throws: Never.self) { try PlanText.decode([0xEF, 0xBB, 0xBF] + Array("方案".utf8)) }
    }

    @Test("text without measures is refused, naming what was expected")
    func noMeasures() {
        #expect(throws: PlanImportError.noMeasures(lines: 3)) { try PlanImporter.draft(from: "一份通知\n一、总则\n请各单位遵照执行。") }
        #expect(PlanImportError.noMeasures(lines: 3).description.contains("牵头单位"))
    }

    @Test("a measure without its 牵头单位 line is imported with a note at its line")
    func missingLeadUnit() throws {
        let plan =
            "方案\n一、重点任务\n1.甲措施。对新认定的企业一次性给予1万元奖补。\n责任领导：张三\n牵头单位：区科技局\n责任单位：区财政局\n2.乙措施。开展培训。\n责任领导：李四\n责任单位：区财政局\n"
        let draft = try PlanImporter.draft(from: plan)
        #expect(draft.measures == 2)
        #expect(draft.notes.contains(PlanImporter.Note(line: 7, message: "measure 2 has no 牵头单位 line")))
    }
}
