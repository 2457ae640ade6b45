import PolicyKit
import Testing

/// An item around `award`, the way a clause file would give it.
private func item(_ award: AwardRule, requires: [Requirement] = []) -> Item {
    Item(id: "99.1", clause: 99, title: "测试项", text: "测试", award: award, requires: requires)
}

/// The rules of the plan, built by hand from the seed's wording.
private enum Rules {
    /// 首次认定国家高新技术企业: 规上 20万, 规下 10万.
    static let highTech = AwardRule.byFact(
        fact: .scale, cases: [FactCase(value: "above", yuan: 200_000), FactCase(value: "below", yuan: 100_000)])
    /// 自治区级重点实验室: 鄂尔多斯市补助额度的100%.
    static let keyLab = AwardRule.percent(PercentRule(percent: 100, base: [BaseTerm(fact: .cityAmount)]))
    /// 首台（套）: 自治区重点产业专项资金奖补额度的20%, 最高不超过100万元.
    static let firstUnit = AwardRule.percent(
        PercentRule(percent: 20, base: [BaseTerm(fact: .regionAmount)], maxYuan: 1_000_000))
    /// 揭榜挂帅: 30%, 单个项目最高支持金额不超过500万元.
    static let openCompetition = AwardRule.percent(
        PercentRule(percent: 30, base: [BaseTerm(fact: .superiorAmount)], maxYuan: 5_000_000, per: "单个项目"))
    /// 利益共同体: 上年度扣除财政支持后的研发经费总额的20%, 最高不超过500万元.
    static let community = AwardRule.percent(
        PercentRule(
            percent: 20, base: [BaseTerm(fact: .rdSpending), BaseTerm(fact: .fiscalSupport, subtracts: true)],
            maxYuan: 5_000_000))
    /// 发明专利: 每项5万元, 产业化的每项再给5万元, 累计不超过50万元.
    static let patents = AwardRule.perUnit(
        PerUnitRule(
            fact: .patents, yuanEach: 50_000,
            bonuses: [PerUnitRule.Bonus(fact: .industrializedPatents, yuanEach: 50_000)], maxYuan: 500_000))
    /// 科技信贷贴息: 实际贷款利息及担保费用的50%, 每家企业每年不超过30万元, 补贴期限3年.
    static let loanInterest = AwardRule.perYear(
        PercentRule(
            percent: 50, base: [BaseTerm(fact: .interest), BaseTerm(fact: .guaranteeFee)], maxYuan: 300_000),
        years: 3)
    /// 科创板: 挂牌 10万 + 受理 20万 + 上市发行 20万.
    static let listing = AwardRule.staged(
        fact: .listingStage,
        stages: [
            Stage(id: "listed", name: "在自治区股权交易市场科创板挂牌", yuan: 100_000),
            Stage(id: "accepted", name: "获中国证监会或证券交易所受理首发上市申请材料", yuan: 200_000),
            Stage(id: "ipo", name: "成功上市发行", yuan: 200_000),
        ])
}

@Suite("Calculator: fixed")
struct FixedAwardTests {
    @Test("a fixed award pays its amount whatever the facts")
    func pays() {
        let facts = Facts([.scale: .choice("below"), .cityAmount: .yuan(9_000_000)])
        let calculation = Calculator.evaluate(item(.fixed(yuan: 300_000)), facts: facts)
        #expect(calculation?.yuan == 300_000)
        #expect(calculation?.maxYuan == nil)
        #expect(calculation?.needs == [])
        #expect(calculation?.perYear == false)
        #expect(calculation?.disqualification == nil)
        #expect(calculation?.formula == "一次性奖补 30万")
    }
}

@Suite("Calculator: byFact")
struct ByFactAwardTests {
    @Test(
        "the case named by the fact is paid",
        arguments: [("above", Int64(200_000)), ("below", Int64(100_000))])
    func chosenCase(scale: String, yuan: Int64) {
        let calculation = Calculator.evaluate(item(Rules.highTech), facts: Facts([.scale: .choice(scale)]))
        #expect(calculation?.yuan == yuan)
        #expect(calculation?.needs == [])
    }

    @Test("without the fact it asks for it and states the largest case as the ceiling")
    func missingFact() throws {
        let calculation = try #require(Calculator.evaluate(item(Rules.highTech), facts: Facts()))
        #expect(calculation.yuan == nil)
        #expect(calculation.needs == [.scale])
        #expect(calculation.maxYuan == 200_000)
        #expect(calculation.formula.contains("20万"))
        #expect(calculation.formula.contains("10万"))
    }

    @Test("a value that no case names counts as missing")
    func unknownValue() {
        let calculation = Calculator.evaluate(item(Rules.highTech), facts: Facts([.scale: .choice("huge")]))
        #expect(calculation?.yuan == nil)
        #expect(calculation?.needs == [.scale])
    }
}

@Suite("Calculator: percent")
struct PercentAwardTests {
    @Test("a percentage of the stated base, exactly")
    func exact() throws {
        let calculation = try #require(
            Calculator.evaluate(item(Rules.keyLab), facts: Facts([.cityAmount: .yuan(3_000_000)])))
        #expect(calculation.yuan == 3_000_000)
        #expect(calculation.maxYuan == nil)
        #expect(calculation.needs == [])
        #expect(calculation.formula == "300万 × 100% = 300万")
    }

    @Test(
        "the ceiling is applied after the percentage",
        arguments: [
            (Int64(3_000_000), Int64(600_000)),  // 20% = 60万, under the cap
            (Int64(5_000_000), Int64(1_000_000)),  // 20% = 100万, exactly the cap
            (Int64(8_000_000), Int64(1_000_000)),  // 20% = 160万, capped at 100万
        ])
    func ceiling(region: Int64, yuan: Int64) {
        let calculation = Calculator.evaluate(item(Rules.firstUnit), facts: Facts([.regionAmount: .yuan(region)]))
        #expect(calculation?.yuan == yuan)
    }

    @Test("a capped amount says so in the formula, with what the cap applies to")
    func ceilingWords() throws {
        let calculation = try #require(
            Calculator.evaluate(item(Rules.openCompetition), facts: Facts([.superiorAmount: .yuan(20_000_000)])))
        #expect(calculation.yuan == 5_000_000)
        #expect(calculation.formula.contains("600万"))
        #expect(calculation.formula.contains("单个项目"))
        #expect(calculation.formula.contains("500万"))
    }

    @Test("without the base it asks for the base and states the ceiling")
    func missingBase() throws {
        let capped = try #require(Calculator.evaluate(item(Rules.firstUnit), facts: Facts()))
        #expect(capped.yuan == nil)
        #expect(capped.needs == [.regionAmount])
        #expect(capped.maxYuan == 1_000_000)

        let uncapped = try #require(Calculator.evaluate(item(Rules.keyLab), facts: Facts()))
        #expect(uncapped.yuan == nil)
        #expect(uncapped.needs == [.cityAmount])
        #expect(uncapped.maxYuan == nil)
    }

    @Test(
        "a subtracted term is taken off the base (研发经费 − 财政支持)",
        arguments: [
            (Int64(20_000_000), Int64?(5_000_000), Int64(3_000_000)),  // (2000万 − 500万) × 20% = 300万
            (Int64(40_000_000), Int64?(10_000_000), Int64(5_000_000)),  // 600万, capped at 500万
            (Int64(20_000_000), Int64?.none, Int64(4_000_000)),  // no 财政支持 stated: nothing to take off
            // More support than spending: the base is 0, never negative.
            (Int64(1_000_000), Int64?(3_000_000), Int64(0)),
        ])
    func subtraction(rd: Int64, fiscal: Int64?, yuan: Int64) {
        var facts = Facts([.rdSpending: .yuan(rd)])
        if let fiscal { facts[.fiscalSupport] = .yuan(fiscal) }
        let calculation = Calculator.evaluate(item(Rules.community), facts: facts)
        #expect(calculation?.yuan == yuan)
        #expect(calculation?.needs == [])
    }

    @Test("the subtracted term alone is not a base: it asks for the spending")
    func subtractionWithoutSpending() {
        let calculation = Calculator.evaluate(item(Rules.community), facts: Facts([.fiscalSupport: .yuan(1_000_000)]))
        #expect(calculation?.yuan == nil)
        #expect(calculation?.needs == [.rdSpending])
        #expect(calculation?.maxYuan == 5_000_000)
    }

    @Test(
        "a non-integral result is rounded half up to whole yuan",
        arguments: [
            (30, Int64(333_333), Int64(100_000)),  // 99,999.9
            (50, Int64(1), Int64(1)),  // 0.5
            (10, Int64(5), Int64(1)),  // 0.5
            (10, Int64(4), Int64(0)),  // 0.4
            (5, Int64(30), Int64(2)),  // 1.5
            (70, Int64(1_234_567), Int64(864_197)),  // 864,196.9
            (30, Int64(1_000_001), Int64(300_000)),  // 300,000.3
        ])
    func rounding(percent: Int, base: Int64, yuan: Int64) {
        let rule = AwardRule.percent(PercentRule(percent: percent, base: [BaseTerm(fact: .cityAmount)]))
        #expect(Calculator.evaluate(item(rule), facts: Facts([.cityAmount: .yuan(base)]))?.yuan == yuan)
    }
}

@Suite("Calculator: perUnit")
struct PerUnitAwardTests {
    @Test(
        "each patent pays, each industrialized one pays again, and the total is capped",
        arguments: [
            (5, 2, Int64(350_000)),  // 5 × 5万 + 2 × 5万
            (10, 10, Int64(500_000)),  // 100万, capped at 50万
            (4, 0, Int64(200_000)),
            (3, 5, Int64(300_000)),  // more industrialized than patents: clamped to 3
            (6, 4, Int64(500_000)),  // exactly the cap
            (0, 0, Int64(0)),
        ])
    func counts(patents: Int, industrialized: Int, yuan: Int64) {
        let facts = Facts([.patents: .count(patents), .industrializedPatents: .count(industrialized)])
        let calculation = Calculator.evaluate(item(Rules.patents), facts: facts)
        #expect(calculation?.yuan == yuan)
        #expect(calculation?.needs == [])
    }

    @Test("an unknown bonus count counts as none")
    func missingBonus() {
        let calculation = Calculator.evaluate(item(Rules.patents), facts: Facts([.patents: .count(2)]))
        #expect(calculation?.yuan == 100_000)
    }

    @Test("the formula shows the arithmetic and the cap")
    func formula() throws {
        let facts = Facts([.patents: .count(10), .industrializedPatents: .count(10)])
        let calculation = try #require(Calculator.evaluate(item(Rules.patents), facts: facts))
        #expect(calculation.formula == "10 × 5万 + 10 × 5万 = 100万，超过累计上限，按 50万")
    }

    @Test("without the main count it asks for it and states the cap")
    func missingCount() {
        let calculation = Calculator.evaluate(item(Rules.patents), facts: Facts([.industrializedPatents: .count(2)]))
        #expect(calculation?.yuan == nil)
        #expect(calculation?.needs == [.patents])
        #expect(calculation?.maxYuan == 500_000)
    }
}

@Suite("Calculator: perYear")
struct PerYearAwardTests {
    @Test(
        "half of one year's interest and guarantee fee, capped at 30万 a year",
        arguments: [
            (Int64?(500_000), Int64?(300_000), Int64(300_000)),  // 80万 × 50% = 40万 → 30万
            (Int64?(200_000), Int64?(100_000), Int64(150_000)),
            (Int64?(400_000), Int64?.none, Int64(200_000)),  // only the interest stated
            (Int64?.none, Int64?(100_000), Int64(50_000)),  // only the fee stated
        ])
    func yearly(interest: Int64?, fee: Int64?, yuan: Int64) {
        var facts = Facts()
        if let interest { facts[.interest] = .yuan(interest) }
        if let fee { facts[.guaranteeFee] = .yuan(fee) }
        let calculation = Calculator.evaluate(item(Rules.loanInterest), facts: facts)
        #expect(calculation?.yuan == yuan)
        #expect(calculation?.perYear == true)
    }

    @Test("the formula names the yearly cap and the term of three years")
    func formula() throws {
        let facts = Facts([.interest: .yuan(500_000), .guaranteeFee: .yuan(300_000)])
        let calculation = try #require(Calculator.evaluate(item(Rules.loanInterest), facts: facts))
        #expect(calculation.formula.hasPrefix("(50万 + 30万) × 50% = 40万"))
        #expect(calculation.formula.contains("30万/年"))
        #expect(calculation.formula.contains("3 年"))
    }

    @Test(
        "a year past the term pays 0 with the term as the reason; the last year of it still pays",
        arguments: [(4, Int64(0)), (7, 0), (3, 150_000), (1, 150_000)])
    func yearOfTheTerm(year: Int, yuan: Int64) {
        let facts = Facts([.interest: .yuan(300_000), .subsidyYear: .count(year)])
        let calculation = Calculator.evaluate(item(Rules.loanInterest), facts: facts)
        #expect(calculation?.yuan == yuan)
        #expect(calculation?.perYear == true)
        #expect((calculation?.disqualification != nil) == (yuan == 0))
        if yuan == 0 { #expect(calculation?.disqualification == "补贴期限为 3 年，第 \(year) 年不再补贴") }
    }

    @Test("without amounts it asks for the interest and states the yearly cap")
    func missing() {
        let calculation = Calculator.evaluate(item(Rules.loanInterest), facts: Facts())
        #expect(calculation?.yuan == nil)
        #expect(calculation?.needs == [.interest])
        #expect(calculation?.maxYuan == 300_000)
        #expect(calculation?.perYear == true)
    }
}

@Suite("Calculator: staged")
struct StagedAwardTests {
    @Test(
        "each stage pays its part, and the whole listing pays the sum",
        arguments: [
            ("listed", Int64(100_000)), ("accepted", Int64(200_000)), ("ipo", Int64(200_000)),
            ("all", Int64(500_000)),
        ])
    func stages(stage: String, yuan: Int64) {
        let calculation = Calculator.evaluate(item(Rules.listing), facts: Facts([.listingStage: .choice(stage)]))
        #expect(calculation?.yuan == yuan)
        #expect(calculation?.needs == [])
    }

    @Test("without the stage it asks which one and states the total as the ceiling")
    func missingStage() {
        let calculation = Calculator.evaluate(item(Rules.listing), facts: Facts())
        #expect(calculation?.yuan == nil)
        #expect(calculation?.needs == [.listingStage])
        #expect(calculation?.maxYuan == 500_000)
    }
}

@Suite("Calculator: ceiling, unspecified, none")
struct OtherAwardTests {
    @Test("a ceiling gives no exact amount, only the ceiling, and asks for nothing")
    func ceiling() throws {
        let calculation = try #require(
            Calculator.evaluate(item(.ceiling(maxYuan: 1_000_000, note: nil)), facts: Facts()))
        #expect(calculation.yuan == nil)
        #expect(calculation.maxYuan == 1_000_000)
        #expect(calculation.needs == [])
        #expect(calculation.formula == "最高不超过 100万")
    }

    @Test("a ceiling's note comes first in the formula, and facts do not make it exact")
    func ceilingNote() throws {
        let rule = AwardRule.ceiling(maxYuan: 300_000, note: "按实际装修改造费用的比例，分三年给予补贴")
        let calculation = try #require(
            Calculator.evaluate(item(rule), facts: Facts([.renovationCost: .yuan(2_000_000)])))
        #expect(calculation.yuan == nil)
        #expect(calculation.maxYuan == 300_000)
        #expect(calculation.formula == "按实际装修改造费用的比例，分三年给予补贴，最高不超过 30万")
    }

    @Test(
        "a rule that names no figure, or pays nothing, computes to nil",
        arguments: [AwardRule.unspecified(note: "给予一定的支持"), AwardRule.none])
    func noMoney(rule: AwardRule) {
        #expect(Calculator.evaluate(item(rule), facts: Facts()) == nil)
        #expect(Calculator.evaluate(item(rule), facts: Facts([.cityAmount: .yuan(1_000_000)])) == nil)
    }
}

@Suite("Calculator: requirements")
struct RequirementTests {
    private static let aboveOnly = Requirement(fact: .scale, test: .equals(.choice("above")), reason: "本项只面向规模以上企业")
    private static let revenue = Requirement(
        fact: .salesRevenue, test: .atLeast(2_000_000), reason: "迁入当年销售收入规模须在200万元以上（含）")
    private static let notUsed = Requirement(
        fact: .usedForHighTech, test: .equals(.flag(false)), reason: "已用于高新技术企业申报的发明专利不予奖补")

    @Test("a broken condition makes the award 0 and gives the reason")
    func scaleBelow() throws {
        let calculation = try #require(
            Calculator.evaluate(
                item(.fixed(yuan: 200_000), requires: [Self.aboveOnly]), facts: Facts([.scale: .choice("below")])))
        #expect(calculation.yuan == 0)
        #expect(calculation.disqualification == "本项只面向规模以上企业")
        #expect(calculation.formula.contains("本项只面向规模以上企业"))
        #expect(calculation.needs == [])
    }

    @Test("a met condition leaves the award as it is")
    func scaleAbove() {
        let calculation = Calculator.evaluate(
            item(.fixed(yuan: 200_000), requires: [Self.aboveOnly]), facts: Facts([.scale: .choice("above")]))
        #expect(calculation?.yuan == 200_000)
        #expect(calculation?.disqualification == nil)
    }

    @Test(
        "迁入当年销售收入 must be at least 200万 (含)",
        arguments: [
            (Int64(1_500_000), Int64(0)), (Int64(1_999_999), Int64(0)), (Int64(2_000_000), Int64(200_000)),
            (Int64(2_500_000), Int64(200_000)),
        ])
    func revenue(sales: Int64, yuan: Int64) {
        let calculation = Calculator.evaluate(
            item(.fixed(yuan: 200_000), requires: [Self.revenue]), facts: Facts([.salesRevenue: .yuan(sales)]))
        #expect(calculation?.yuan == yuan)
        #expect((calculation?.disqualification != nil) == (yuan == 0))
    }

    @Test("a condition on a fact nobody stated is taken as met, except a threshold on a figure, which is asked for")
    func unknownFact() {
        let calculation = Calculator.evaluate(
            item(.fixed(yuan: 200_000), requires: [Self.aboveOnly, Self.notUsed]), facts: Facts())
        #expect(calculation?.yuan == 200_000)
        let threshold = Calculator.evaluate(
            item(.fixed(yuan: 200_000), requires: [Self.aboveOnly, Self.revenue, Self.notUsed]), facts: Facts())
        #expect(threshold?.yuan == nil)
        #expect(threshold?.maxYuan == 200_000)
        #expect(threshold?.needs == [.salesRevenue])
    }

    @Test("patents already used for 高企申报 pay 0, even with every other fact given")
    func usedForHighTech() {
        let facts = Facts([
            .scale: .choice("above"), .patents: .count(5), .industrializedPatents: .count(2),
            .usedForHighTech: .flag(true),
        ])
        let calculation = Calculator.evaluate(
            item(Rules.patents, requires: [Self.aboveOnly, Self.notUsed]), facts: facts)
        #expect(calculation?.yuan == 0)
        #expect(calculation?.disqualification == "已用于高新技术企业申报的发明专利不予奖补")
    }

    @Test("a broken condition wins over a missing fact: nothing is asked")
    func brokenBeforeMissing() {
        let calculation = Calculator.evaluate(
            item(Rules.patents, requires: [Self.aboveOnly]), facts: Facts([.scale: .choice("below")]))
        #expect(calculation?.yuan == 0)
        #expect(calculation?.needs == [])
    }

    @Test(
        "Requirement.isMet reads equals and atLeast",
        arguments: [
            (Requirement.Test.equals(.choice("above")), FactValue.choice("above"), true),
            (.equals(.choice("above")), .choice("below"), false),
            (.equals(.flag(false)), .flag(false), true),
            (.equals(.flag(false)), .flag(true), false),
            (.atLeast(2_000_000), .yuan(2_000_000), true),
            (.atLeast(2_000_000), .yuan(1_999_999), false),
            (.atLeast(3), .count(3), true),
            (.atLeast(1), .choice("above"), false),  // not a number: counts as 0
        ])
    func isMet(test: Requirement.Test, value: FactValue, met: Bool) {
        #expect(Requirement(fact: .scale, test: test, reason: "").isMet(by: value) == met)
    }
}

@Suite("AwardRule")
struct AwardRuleTests {
    @Test(
        "the largest amount a rule can pay",
        arguments: [
            (AwardRule.fixed(yuan: 300_000), 300_000),
            (Rules.highTech, 200_000),
            (Rules.firstUnit, 1_000_000),
            (Rules.keyLab, nil),
            (Rules.patents, 500_000),
            (Rules.loanInterest, 300_000),
            (Rules.listing, 500_000),
            (.ceiling(maxYuan: 100_000, note: nil), 100_000),
            (.unspecified(note: "实行奖补"), nil),
            (AwardRule.none, nil),
        ] as [(AwardRule, Int64?)])
    func upperBound(rule: AwardRule, bound: Int64?) {
        #expect(rule.upperBound == bound)
    }

    @Test(
        "the facts a rule reads",
        arguments: [
            (AwardRule.fixed(yuan: 1), [FactName]()),
            (Rules.highTech, [.scale]),
            (Rules.community, [.rdSpending, .fiscalSupport]),
            (Rules.patents, [.patents, .industrializedPatents]),
            (Rules.loanInterest, [.interest, .guaranteeFee]),
            (Rules.listing, [.listingStage]),
            (AwardRule.none, []),
        ] as [(AwardRule, [FactName])])
    func facts(rule: AwardRule, facts: [FactName]) {
        #expect(rule.facts == facts)
    }
}
