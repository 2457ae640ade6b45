import PolicyKit
import Testing

@Suite("Calculator: conditions in words")
struct ConditionTests {
    static let firstTime = Condition(
        name: "首次认定", kind: .firstTime, confirms: ["新认定"], breaks: ["复核"],
        reason: "只奖补首次认定的企业", assumption: "按首次认定计算")
    static let item = Item(
        id: "12.1", clause: 12, title: "首次认定自治区科技领军企业", text: "…", award: .fixed(yuan: 1_000_000),
        conditions: ["首次认定", "一次性"], checks: [firstTime])

    @Test("a broken condition makes the award 0 and names the condition and the word")
    func broken() throws {
        let facts = Facts(conditions: ["首次认定": .broken(word: "复核")])
        let c = try #require(Calculator.evaluate(Self.item, facts: facts))
        #expect(c.yuan == 0)
        #expect(c.brokenCondition == "首次认定")
        #expect(c.disqualification?.contains("首次认定") == true)
        #expect(c.disqualification?.contains("复核") == true)
    }

    @Test("a confirmed condition pays in full and assumes nothing")
    func confirmed() throws {
        let c = try #require(
            Calculator.evaluate(Self.item, facts: Facts(conditions: ["首次认定": .confirmed(word: "新认定")])))
        #expect(c.yuan == 1_000_000)
        #expect(c.assumptions.isEmpty)
    }

    @Test("a condition the question does not mention is stated as an assumption")
    func unknown() throws {
        let c = try #require(Calculator.evaluate(Self.item, facts: Facts()))
        #expect(c.yuan == 1_000_000)
        #expect(c.assumptions == ["按首次认定计算"])
    }

    @Test("a threshold on a figure not given is asked for, with the amount as a ceiling")
    func unknownThreshold() throws {
        let moved = Item(
            id: "12.4", clause: 12, title: "整体迁入的国家高新技术企业", text: "…", award: .fixed(yuan: 200_000),
            requires: [Requirement(fact: .salesRevenue, test: .atLeast(2_000_000), reason: "迁入当年销售收入须在200万元以上（含）")])
        let unknown = try #require(Calculator.evaluate(moved, facts: Facts()))
        #expect(unknown.yuan == nil)
        #expect(unknown.maxYuan == 200_000)
        #expect(unknown.needs == [.salesRevenue])
        let met = try #require(Calculator.evaluate(moved, facts: Facts([.salesRevenue: .yuan(3_000_000)])))
        #expect(met.yuan == 200_000)
        let broken = try #require(Calculator.evaluate(moved, facts: Facts([.salesRevenue: .yuan(1_500_000)])))
        #expect(broken.yuan == 0)
    }

    @Test("clause 25's 利益共同体 rule computes from base and rate: (研发经费 − 财政支持) × 20%, at most 500万")
    func rule25() throws {
        let rule = AwardRule.percent(
            PercentRule(
                percent: 20, base: [BaseTerm(fact: .rdSpending), BaseTerm(fact: .fiscalSupport, subtracts: true)],
                maxYuan: 5_000_000))
        let a = try #require(
            Calculator.evaluate(rule, facts: Facts([.rdSpending: .yuan(18_000_000), .fiscalSupport: .yuan(3_000_000)])))
        #expect(a.yuan == 3_000_000)
        let b = try #require(Calculator.evaluate(rule, facts: Facts([.rdSpending: .yuan(50_000_000)])))
        #expect(b.yuan == 5_000_000)
    }
}
