import Foundation
import PolicyKit
import Testing

@testable import Desk

/// The measures each unit leads and shares, read from the plan's own text (the seed), not from
/// `Intents/`: 「1.标题。…」 then 「牵头单位：…」 and 「责任单位：…、…」.
private struct SeedDuties {
    var leads: [String: [Int]] = [:]
    var shares: [String: [Int]] = [:]

    init() throws {
        var measure = 0
        for raw in try Fixture.text("seed.txt").split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\u{3000}")))
            if let dot = line.firstIndex(of: "."), let number = Int(line[..<dot]) {
                measure = number
            } else if line.hasPrefix("牵头单位：") {
                leads[String(line.dropFirst(5)), default: []].append(measure)
            } else if line.hasPrefix("责任单位：") {
                for unit in line.dropFirst(5).split(separator: "、") {
                    shares[unit.trimmingCharacters(in: .whitespaces), default: []].append(measure)
                }
            }
        }
    }

    static func label(_ numbers: [Int]) -> String {
        "第" + numbers.map(String.init).joined(separator: "、") + "条"
    }
}

@Suite("questions about a unit: its contact and the measures it leads or shares")
struct UnitQuestionTests {
    private func ask(_ question: String, flavour: ReplyFlavour = .plain) throws -> Answer {
        try Shipped.desk().answer(question, flavour: flavour).answer
    }

    @Test(
        "a unit named by its full name, without 区, or by another name, with a contact word, gets that unit",
        arguments: [
            ("区市场监督管理局的电话是多少", "区市场监督管理局"),
            ("市场监管局电话多少", "区市场监督管理局"),
            ("发改委在哪办公", "区发展和改革委员会"),
            ("财政局怎么联系", "区财政局"),
            ("请问人社局的地址", "区人力资源和社会保障局"),
            ("区委组织部办公时间", "区委组织部"),
            ("团区委联系方式", "团区委"),
        ])
    func contactQuestion(question: String, unit: String) throws {
        let answer = try ask(question)
        #expect(answer.kind == .unit)
        #expect(answer.matched)
        #expect(answer.clause == nil && answer.item == nil && answer.amount == nil)
        #expect(answer.leadUnit == unit)
        #expect(answer.reply.contains("【\(unit)】"))
    }

    @Test("a contact question with no contact filled in says so and lists the measures the unit leads, from the plan")
    func contactNotFilled() throws {
        let seed = try SeedDuties()
        let leads = try #require(seed.leads["区市场监督管理局"])
        let answer = try ask("市场监管局电话多少")
        #expect(answer.reply.contains("联系方式还没有登记"))
        #expect(answer.reply.contains("牵头：\(SeedDuties.label(leads))"), "\(answer.reply)")
    }

    @Test("a question about duties lists every measure the unit leads by title, and those it shares: by title when few")
    func duties() throws {
        let seed = try SeedDuties()
        let knowledge = try Shipped.knowledge()
        let leads = try #require(seed.leads["区金融办"])
        let answer = try ask("金融办负责哪些政策")
        #expect(answer.kind == .unit)
        for number in leads {
            let title = try #require(knowledge.policy.clause(number)?.title)
            #expect(answer.reply.contains("第\(number)条 \(title)"), "\(answer.reply)")
        }
        let shares = try #require(seed.shares["区发展和改革委员会"])
        #expect(seed.leads["区发展和改革委员会"] == nil)
        #expect(shares.count <= 8)
        let development = try ask("发改委管哪些措施")
        for number in shares {
            let title = try #require(knowledge.policy.clause(number)?.title)
            #expect(development.reply.contains("· 第\(number)条 \(title)"), "\(development.reply)")
        }
        #expect(!development.reply.contains("牵头负责"))
        // 区财政局 shares more than a chat message should list: by number.
        let finance = try #require(seed.shares["区财政局"])
        #expect(finance.count > 8)
        #expect(try ask("财政局负责哪些").reply.contains("作为责任单位参与：\(SeedDuties.label(finance))"))
    }

    @Test("a contact staff filled in is the reply's, with every filled field")
    func contactFilled() throws {
        let workspace = try Workspace()
        try workspace.edit("Intents/contacts.yaml") {
            $0.replacingOccurrences(
                of: "{name: 区金融办, phone: \"\", address: \"\",",
                with: "{name: 区金融办, phone: \"0477-8370000\", address: \"东胜区政务服务中心3楼\",")
        }
        let knowledge = try KnowledgeBaseLoader(intents: workspace.intents, templates: workspace.templates).load()
        let answer = Desk(knowledge: knowledge).answer("金融办电话").answer
        #expect(answer.reply.contains("联系方式：电话：0477-8370000，地址：东胜区政务服务中心3楼"), "\(answer.reply)")
        #expect(!answer.reply.contains("还没有登记"))
    }

    @Test("two units named are both answered, in the order named")
    func twoUnits() throws {
        let answer = try ask("财政局和审计局的电话")
        #expect(answer.leadUnit == "区财政局")
        #expect(answer.units == ["区审计局"])
        let reply = answer.reply
        let first = try #require(reply.range(of: "【区财政局】"))
        let second = try #require(reply.range(of: "【区审计局】"))
        #expect(first.lowerBound < second.lowerBound)
    }

    @Test("Markdown replies give each unit a heading")
    func markdown() throws {
        let answer = try ask("科协联系方式", flavour: .markdown)
        #expect(answer.reply.hasPrefix("### 区科协"), "\(answer.reply)")
    }

    @Test(
        "a question that names a measure is answered by the measure, with its lead unit, even with a contact word",
        arguments: [
            ("新认定的高企找工信局，电话多少", 12),
            ("科技贷款贴息找金融办，电话多少", 28),
        ])
    func measureWins(question: String, clause: Int) throws {
        let answer = try ask(question)
        #expect(answer.kind != .unit)
        #expect(answer.clause == clause)
    }

    @Test(
        "a unit named without asking about it, or a contact word without a unit, is not a unit question",
        arguments: ["税务局", "社保缴费基数在哪调", "驾驶证到期换证在哪办", "新认定的高企能拿多少钱"])
    func notAUnitQuestion(question: String) throws {
        #expect(try ask(question).kind != .unit)
    }

    @Test("a knowledge base whose contacts.yaml has no `asks` never reads a question as one about a unit")
    func offWithoutAsks() throws {
        let workspace = try Workspace()
        try workspace.edit("Intents/contacts.yaml") { String($0[..<$0.range(of: "\nasks:")!.lowerBound]) + "\n" }
        let knowledge = try KnowledgeBaseLoader(intents: workspace.intents, templates: workspace.templates).load()
        #expect(Desk(knowledge: knowledge).answer("市场监管局电话多少").answer.kind != .unit)
    }
}
