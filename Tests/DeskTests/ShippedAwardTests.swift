import Desk
import PolicyKit
import Testing

/// One set of facts for one shipped item and what the seed says it pays. The expected
/// figures are worked out from the seed's text, not read from `Intents/`.
struct AwardCase: Sendable, CustomTestStringConvertible {
    var item: String
    var facts: Facts
    var yuan: Int64?
    var maxYuan: Int64?
    var needs: [FactName] = []
    var perYear = false
    /// The seed's words and the arithmetic.
    var why: String

    var testDescription: String { "\(item): \(why)" }

    /// The facts determine an exact amount.
    static func pays(
        _ item: String, _ yuan: Int64, _ why: String, _ facts: [FactName: FactValue] = [:], perYear: Bool = false
    )
        -> AwardCase
    {
        AwardCase(item: item, facts: Facts(facts), yuan: yuan, maxYuan: nil, perYear: perYear, why: why)
    }

    /// Only a ceiling can be stated.
    static func ceiling(_ item: String, _ maxYuan: Int64, _ why: String, _ facts: [FactName: FactValue] = [:])
        -> AwardCase
    {
        AwardCase(item: item, facts: Facts(facts), yuan: nil, maxYuan: maxYuan, why: why)
    }

    /// A fact is missing: the answer asks for it and states the most the item pays.
    static func asks(
        _ item: String, _ needs: [FactName], maxYuan: Int64?, _ why: String, _ facts: [FactName: FactValue] = [:]
    )
        -> AwardCase
    {
        AwardCase(item: item, facts: Facts(facts), yuan: nil, maxYuan: maxYuan, needs: needs, why: why)
    }
}

private let above = FactValue.choice("above")
private let below = FactValue.choice("below")

/// At least one row for every item of the 30 measures that pays money.
let shippedAwardCases: [AwardCase] = [
    // 4. 支持重点研发平台建设
    .pays("4.1", 3_000_000, "重点实验室: 市补助300万 × 100%", [.cityAmount: .yuan(3_000_000)]),
    .pays("4.2", 1_400_000, "技术创新中心: 市补助200万 × 70%", [.cityAmount: .yuan(2_000_000)]),
    .pays("4.3", 500_000, "工程研究中心等: 市补助100万 × 50%", [.cityAmount: .yuan(1_000_000)]),
    .pays("4.4", 150_000, "野外科学观测研究站: 市补助50万 × 30%", [.cityAmount: .yuan(500_000)]),
    .asks("4.1", [.cityAmount], maxYuan: nil, "重点实验室 without the city's amount: asks for it, no ceiling"),
    // 5. 构建梯次孵化培育体系
    .ceiling("5.1", 1_000_000, "国家级加速器、孵化器、专业化众创空间: 最高不超过100万元"),
    .ceiling("5.2", 500_000, "自治区级加速器、孵化器、专业化众创空间: 最高不超过50万元"),
    .ceiling("5.3", 300_000, "装修改造: 比例未明确, 单个平台不超过30万元, even with the cost", [.renovationCost: .yuan(2_000_000)]),
    // 6. 推动创新特色载体建设
    .pays("6.1", 300_000, "高端科技创新平台: 市补助100万 × 30%", [.cityAmount: .yuan(1_000_000)]),
    // 7. 完善科技激励体制机制
    .pays("7.1", 800_000, "规上工业企业研发经费分段补助: 80万 × 100%", [.scale: above, .cityAmount: .yuan(800_000)]),
    .pays("7.1", 0, "规下企业: 本项只面向规模以上工业企业", [.scale: below, .cityAmount: .yuan(800_000)]),
    .pays("7.2", 200_000, "复核通过企业技术研究开发中心的规上企业: 一次性20万元", [.scale: above]),
    .pays(
        "7.3", 350_000, "5项发明专利 × 5万 + 2项产业化 × 5万",
        [.scale: above, .patents: .count(5), .industrializedPatents: .count(2), .usedForHighTech: .flag(false)]),
    .pays(
        "7.3", 500_000, "10 + 10项 = 100万, 累计不超过50万元",
        [.scale: above, .patents: .count(10), .industrializedPatents: .count(10)]),
    .pays("7.3", 0, "规下企业的专利: 本项只面向规上企业", [.scale: below, .patents: .count(5)]),
    .pays("7.3", 0, "已用于高新技术企业申报的专利", [.scale: above, .patents: .count(5), .usedForHighTech: .flag(true)]),
    .asks("7.3", [.patents], maxYuan: 500_000, "规上 without the number of patents", [.scale: above]),
    .pays("7.4", 500_000, "自治区科学技术奖: 自治区补助50万 × 100%", [.regionAmount: .yuan(500_000)]),
    // 8. 支持开展产业创新攻坚
    .pays("8.1", 2_000_000, "重点产业/战新专项资金项目: 市补助200万 × 100%", [.cityAmount: .yuan(2_000_000)]),
    .pays("8.2", 1_200_000, "自治区科技重大专项: 1200万 × 10%", [.regionAmount: .yuan(12_000_000)]),
    .pays("8.3", 150_000, "市科技重大专项: 300万 × 5%", [.cityAmount: .yuan(3_000_000)]),
    // 9. 强化科技创新多元投入
    .pays("9.1", 600_000, "首台（套）: 自治区奖补300万 × 20%", [.regionAmount: .yuan(3_000_000)]),
    .pays("9.1", 1_000_000, "首台（套）: 800万 × 20% = 160万, 最高不超过100万元", [.regionAmount: .yuan(8_000_000)]),
    .pays("9.2", 50_000, "新认定市级专精特新中小企业: 再给予5万元"),
    .pays("9.3", 100_000, "新认定市级小巨人企业: 再给予10万元"),
    // 11. 加强科技企业孵化培育
    .pays("11.2", 10_000, "首次评价入库国家科技型中小企业: 一次性1万元"),
    // 12. 扶优做强高新技术企业
    .pays("12.1", 1_000_000, "首次认定自治区科技领军企业: 一次性100万元"),
    .pays("12.2", 200_000, "首次认定高企, 规模以上: 20万元", [.scale: above]),
    .pays("12.2", 100_000, "首次认定高企, 规模以下: 10万元", [.scale: below]),
    .asks("12.2", [.scale], maxYuan: 200_000, "首次认定高企 without 规上/规下"),
    .pays("12.3", 100_000, "连续通过复审的高企: 一次性10万"),
    .pays("12.4", 200_000, "整体迁入的高企, 销售收入正好200万元（含）", [.salesRevenue: .yuan(2_000_000)]),
    .pays("12.4", 0, "整体迁入的高企, 销售收入150万 < 200万", [.salesRevenue: .yuan(1_500_000)]),
    .pays("12.5", 2_000_000, "整体迁入的瞪羚企业: 200万元"),
    .pays("12.6", 4_000_000, "整体迁入的独角兽企业: 400万元"),
    // 13. 引进海内外高层次人才
    .pays("13.1", 10_000_000, "顶尖人才团队: 市补助2000万 × 50%", [.cityAmount: .yuan(20_000_000)]),
    .pays("13.1", 50_000_000, "顶尖人才团队: 1.2亿 × 50% = 6000万, 最高不超过5000万元", [.cityAmount: .yuan(120_000_000)]),
    // 14. 加大本土人才培养力度
    .pays("14.1", 500_000, "入选国家科技领军人才计划: 再给予50万元"),
    // 16. 实施“揭榜挂帅”技术攻关
    .pays("16.1", 600_000, "揭榜挂帅: 自治区或市支持200万 × 30%", [.superiorAmount: .yuan(2_000_000)]),
    .pays("16.1", 5_000_000, "揭榜挂帅: 2000万 × 30% = 600万, 单个项目不超过500万元", [.superiorAmount: .yuan(20_000_000)]),
    .asks("16.1", [.superiorAmount], maxYuan: 5_000_000, "揭榜挂帅 without the amount"),
    // 17. 组建产业链创新联合体
    .pays("17.1", 300_000, "新批复备案的自治区创新联合体: 一次性30万元"),
    // 19. 建设科技成果转化平台
    .pays("19.1", 500_000, "科技成果转化平台: 市补助100万 × 50%", [.cityAmount: .yuan(1_000_000)]),
    // 20. 培育壮大科技服务机构
    .ceiling("20.1", 100_000, "科技服务机构: 最高不超过10万元的后补助"),
    // 21. 加强知识产权创造保护
    .pays("21.1", 150_000, "知识产权示范单位: 市补助30万 × 50%", [.cityAmount: .yuan(300_000)]),
    .pays("21.2", 50_000, "知识产权贯标新认证: 再给予一次性5万元"),
    // 23. 推进新兴产业扩量倍增
    .pays("23.1", 1_000_000, "新兴产业科技成果转化项目: 市补助200万 × 50%", [.cityAmount: .yuan(2_000_000)]),
    // 25. 全力打造东胜创新极核
    .pays("25.1", 500_000, "研究生院: 最高支持金额500万 × 10%", [.superiorAmount: .yuan(5_000_000)]),
    .pays(
        "25.2", 3_000_000, "利益共同体: (2000万 − 500万) × 20%",
        [.rdSpending: .yuan(20_000_000), .fiscalSupport: .yuan(5_000_000)]),
    .pays(
        "25.2", 5_000_000, "利益共同体: (4000万 − 1000万) × 20% = 600万, 最高不超过500万元",
        [.rdSpending: .yuan(40_000_000), .fiscalSupport: .yuan(10_000_000)]),
    // 28. 推广科技信贷创新产品
    .pays(
        "28.1", 250_000, "贴息: (利息40万 + 担保费10万) × 50%, 每年", [.interest: .yuan(400_000), .guaranteeFee: .yuan(100_000)],
        perYear: true),
    .pays(
        "28.1", 300_000, "贴息: (50万 + 30万) × 50% = 40万, 每年不超过30万元",
        [.interest: .yuan(500_000), .guaranteeFee: .yuan(300_000)], perYear: true),
    .pays("28.2", 300_000, "风险投资: 300万 × 10%", [.investment: .yuan(3_000_000)]),
    .pays("28.2", 500_000, "风险投资: 800万 × 10% = 80万, 最高不超过50万元", [.investment: .yuan(8_000_000)]),
    // 30. 培育科技企业挂牌上市
    .pays("30.1", 100_000, "科创板挂牌: 10万元", [.listingStage: .choice("listed")]),
    .pays("30.1", 200_000, "首发上市申请获受理: 20万元", [.listingStage: .choice("accepted")]),
    .pays("30.1", 200_000, "成功上市发行: 剩余20万元", [.listingStage: .choice("ipo")]),
    .pays("30.1", 500_000, "全部阶段: 50万元", [.listingStage: .choice("all")]),
    .asks("30.1", [.listingStage], maxYuan: 500_000, "上市 without the stage"),
]

/// Items that pay no money, or name no figure: tasks, 「实行奖补」, 「给予一定的支持」, 「参照…执行」.
let shippedNonPayingItems = [
    "0.1", "0.2", "0.3", "1.1", "2.1", "3.1", "10.1", "11.1", "14.2", "15.1", "15.2", "18.1", "20.2", "21.3", "22.1",
    "24.1", "26.1", "27.1", "29.1", "31.1", "31.2", "31.3", "31.4",
]

@Suite("What each shipped item pays")
struct ShippedAwardTests {
    @Test("the item computes to the seed's amount", arguments: shippedAwardCases)
    func computes(row: AwardCase) throws {
        let item = try #require(try Shipped.knowledge().policy.item(row.item), "no item \(row.item)")
        let calculation = try #require(Calculator.evaluate(item, facts: row.facts), "item \(row.item) computes to nil")
        #expect(calculation.yuan == row.yuan)
        if row.yuan == nil { #expect(calculation.maxYuan == row.maxYuan) }
        #expect(calculation.needs == row.needs)
        #expect(calculation.perYear == row.perYear)
    }

    @Test("every item that pays money has a row, and every row names an item that pays")
    func everyPayingItemCovered() throws {
        let items = try Shipped.knowledge().policy.items
        let paying = Set(items.filter { Calculator.evaluate($0, facts: Facts()) != nil }.map(\.id))
        #expect(paying == Set(shippedAwardCases.map(\.item)))
        #expect(Set(items.map(\.id)) == paying.union(shippedNonPayingItems))
    }

    @Test(
        "an item that pays nothing or names no figure computes to nil, whatever the facts",
        arguments: shippedNonPayingItems)
    func nonPaying(id: String) throws {
        let item = try #require(try Shipped.knowledge().policy.item(id))
        let facts = Facts([
            .scale: above, .cityAmount: .yuan(1_000_000), .regionAmount: .yuan(1_000_000),
            .superiorAmount: .yuan(1_000_000),
            .patents: .count(3),
        ])
        #expect(Calculator.evaluate(item, facts: facts) == nil)
        #expect(Calculator.evaluate(item, facts: Facts()) == nil)
    }
}
