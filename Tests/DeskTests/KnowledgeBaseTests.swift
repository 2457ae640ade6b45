import Desk
import Foundation
import PolicyKit
import Testing

@Suite("The shipped knowledge base")
struct ShippedKnowledgeBaseTests {
    @Test("Intents/ and Templates/ load without a single lint problem")
    func loadsClean() throws {
        do {
            _ = try KnowledgeBaseLoader(intents: Shipped.intents, templates: Shipped.templates).load()
        } catch {
            Issue.record("lint problems:\n\(error.description)")
        }
    }

    @Test("it has clauses 0 to 31, each once, in order")
    func clauseNumbers() throws {
        let policy = try Shipped.knowledge().policy
        #expect(policy.clauses.map(\.number) == Array(0...31))
    }

    @Test("the plan's title and its ten 行动 are the seed's")
    func titleAndSections() throws {
        let seed = try Fixture.seed()
        let policy = try Shipped.knowledge().policy
        #expect(seed.full.replacingOccurrences(of: "\n", with: "").contains(policy.title))
        #expect(seed.sections.count == 10)
        #expect(policy.sections == seed.sections)
    }

    @Test("every measure names its 责任领导, 牵头单位 and 责任单位", arguments: 1...30)
    func measureHasUnits(number: Int) throws {
        let clause = try #require(try Shipped.knowledge().policy.clause(number))
        #expect(!(clause.leader ?? "").isEmpty)
        #expect(!(clause.leadUnit ?? "").isEmpty)
        #expect(!clause.units.isEmpty)
        #expect(clause.section != nil)
    }

    @Test(
        "每条措施的责任领导、牵头单位、责任单位 are the seed's, character for character and in order",
        arguments: 1...30)
    func measureMatchesSeed(number: Int) throws {
        let seed = try Fixture.seed()
        let measure = try #require(seed.measures[number], "the seed fixture has no measure \(number)")
        let clause = try #require(try Shipped.knowledge().policy.clause(number))
        let block = measure.lines.joined(separator: "\n")

        let leader = try #require(clause.leader)
        #expect(leader == measure.leader)
        #expect(block.contains("责任领导：\(leader)"))

        let leadUnit = try #require(clause.leadUnit)
        #expect(leadUnit == measure.leadUnit)
        #expect(block.contains("牵头单位：\(leadUnit)"))

        #expect(clause.units == measure.units)
        for unit in clause.units {
            #expect(block.contains(unit), "责任单位 「\(unit)」 does not occur in measure \(number) of the seed")
        }
    }

    @Test("每条措施的 title, section and text are the seed's, word for word", arguments: 1...30)
    func measureTextMatchesSeed(number: Int) throws {
        let measure = try #require(try Fixture.seed().measures[number])
        let clause = try #require(try Shipped.knowledge().policy.clause(number))
        #expect(clause.title == measure.title)
        #expect(clause.section == measure.section)
        #expect(clause.text == measure.text)
    }

    @Test("every item's text is words of its clause", arguments: 0...31)
    func itemTextFromClause(number: Int) throws {
        let clause = try #require(try Shipped.knowledge().policy.clause(number))
        for item in clause.items {
            #expect(item.clause == number)
            #expect(item.id.hasPrefix("\(number)."))
            for line in item.text.split(separator: "\n") {
                #expect(clause.text.contains(line), "item \(item.id): 「\(line)」 is not in the clause's text")
            }
        }
    }

    @Test("总体要求 and 保障措施/其他事项 name no unit", arguments: [0, 31])
    func noUnitsOutsideMeasures(number: Int) throws {
        let clause = try #require(try Shipped.knowledge().policy.clause(number))
        #expect(clause.leader == nil)
        #expect(clause.leadUnit == nil)
        #expect(clause.units.isEmpty)
        #expect(clause.section == nil)
    }

    @Test("clause 0 holds the 2025 and 2030 targets of 发展目标, in the seed's words")
    func targets() throws {
        let seed = try Fixture.seed()
        let clause = try #require(try Shipped.knowledge().policy.clause(0))
        let targets = clause.targets
        #expect(Set(targets.map(\.year)) == [2025, 2030])
        #expect(
            targets.contains {
                $0.year == 2025 && $0.indicator.contains("国家高新技术企业和国家入库科技型中小企业数量") && $0.value == "突破100家"
            })
        #expect(targets.contains { $0.year == 2025 && $0.indicator.contains("经费投入强度") && $0.value == "达到2.5%以上" })
        #expect(targets.contains { $0.year == 2025 && $0.indicator.contains("创新创业人才数量") && $0.value == "达到15万人" })
        #expect(targets.contains { $0.year == 2030 && $0.value == "跻身全市第一梯队" })
        let paragraphs = seed.full.split(separator: "\n").map(String.init)
        let by2025 = try #require(paragraphs.first { $0.contains("力争到2025年") })
        let by2030 = try #require(paragraphs.first { $0.contains("到2030年") && !$0.contains("2025") })
        for target in targets {
            let paragraph = target.year == 2025 ? by2025 : by2030
            #expect(
                paragraph.contains(target.value),
                "target 「\(target.value)」 is not in the seed's \(target.year) paragraph")
        }
    }

    @Test(
        "each clause holds as many items as the seed has awards and tasks",
        arguments: [
            (0, 3), (1, 1), (2, 1), (3, 1), (4, 4), (5, 3), (6, 1), (7, 4), (8, 3), (9, 3), (10, 1), (11, 2),
            (12, 6), (13, 1), (14, 2), (15, 2), (16, 1), (17, 1), (18, 1), (19, 1), (20, 2), (21, 3), (22, 1),
            (23, 1), (24, 1), (25, 2), (26, 1), (27, 1), (28, 2), (29, 1), (30, 1), (31, 4),
        ])
    func itemCount(number: Int, count: Int) throws {
        let clause = try #require(try Shipped.knowledge().policy.clause(number))
        #expect(clause.items.count == count, "clause \(number): \(clause.items.map(\.id))")
    }

    @Test("item ids are unique and stable: \"<clause>.<n>\" numbered from 1")
    func itemIDs() throws {
        let policy = try Shipped.knowledge().policy
        let ids = policy.items.map(\.id)
        #expect(Set(ids).count == ids.count)
        for clause in policy.clauses {
            #expect(clause.items.map(\.id) == clause.items.indices.map { "\(clause.number).\($0 + 1)" })
        }
    }

    @Test("every item gives at least 8 example questions and every paying item a checklist")
    func examplesAndChecklists() throws {
        for item in try Shipped.knowledge().policy.items {
            #expect(item.examples.count >= 8, "item \(item.id) has \(item.examples.count) examples")
            switch item.award {
            case .none, .unspecified: break
            default: #expect(!item.checklist.isEmpty, "item \(item.id) pays money but lists no documents")
            }
        }
    }

    @Test("the checklist note says the lists are drafts")
    func checklistNote() throws {
        #expect(try Shipped.knowledge().policy.checklistNote == "以牵头单位通知为准")
    }
}
