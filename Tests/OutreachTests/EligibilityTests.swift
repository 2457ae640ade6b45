import Desk
import Foundation
import Outreach
import PolicyKit
import Testing

/// One hand-made enterprise and what the campaign must say about one item.
struct EligibilityCase: Sendable, CustomTestStringConvertible {
    var label: String
    var item: String
    var cells: [String: String]
    /// The exact estimate in yuan, or nil when the enterprise must not qualify.
    var yuan: Int64?
    /// Words the reason must contain.
    var reason: String
    /// Whether `yuan` is only a ceiling: a fact the amount depends on is not on the roster.
    var ceilingOnly = false

    var testDescription: String { label }
}

private let cases: [EligibilityCase] = [
    .init(
        label: "规上 first-time 高企", item: "12.2", cells: ["规模": "规上", "首次认定高企": "是"], yuan: 200_000, reason: "「首次认定高企」为是"
    ),
    .init(label: "规下 first-time 高企", item: "12.2", cells: ["规模": "规下", "首次认定高企": "是"], yuan: 100_000, reason: "为是"),
    .init(
        label: "not a first-time 高企", item: "12.2", cells: ["规模": "规上", "首次认定高企": "否"], yuan: nil,
        reason: "「首次认定高企」不是「是」"),
    .init(
        label: "3 patents, 1 industrialised", item: "7.3", cells: ["规模": "规上", "发明专利件数": "3", "产业化专利件数": "1"],
        yuan: 200_000, reason: "「发明专利件数」为3"),
    .init(
        label: "12 patents hit the 50万 ceiling", item: "7.3", cells: ["规模": "规上", "发明专利件数": "12", "产业化专利件数": "4"],
        yuan: 500_000, reason: ""),
    .init(
        label: "patents of a 规下 enterprise", item: "7.3", cells: ["规模": "规下", "发明专利件数": "3"], yuan: nil,
        reason: "本项只面向规模以上企业"),
    .init(
        label: "patents already used for 高企", item: "7.3", cells: ["规模": "规上", "发明专利件数": "2", "专利已用于高企申报": "是"],
        yuan: nil, reason: "已用于高新技术企业申报的发明专利不予奖补"),
    .init(label: "no patents", item: "7.3", cells: ["规模": "规上", "发明专利件数": "0"], yuan: nil, reason: "未填或为0"),
    .init(
        label: "研发中心 of a 规上 enterprise", item: "7.2", cells: ["规模": "规上", "研发中心复核": "是"], yuan: 200_000, reason: ""),
    .init(
        label: "研发中心 of a 规下 enterprise", item: "7.2", cells: ["规模": "规下", "研发中心复核": "是"], yuan: nil,
        reason: "本项只面向规模以上企业"),
    .init(
        label: "首台套 20% capped at 100万", item: "9.1", cells: ["规模": "规上", "首台套自治区奖励": "800万"], yuan: 1_000_000,
        reason: ""),
    .init(
        label: "首台套 20% of 300万", item: "9.1", cells: ["规模": "规下", "首台套自治区奖励": "3000000"], yuan: 600_000, reason: ""),
    .init(
        label: "科学技术奖 matched 1:1", item: "7.4", cells: ["规模": "规下", "自治区科学技术奖奖金": "50万"], yuan: 500_000, reason: ""),
    .init(
        label: "研发经费 matched 1:1 for 规上", item: "7.1", cells: ["规模": "规上", "市级研发经费补助": "12.3万"], yuan: 123_000,
        reason: ""),
    .init(
        label: "研发经费 of a 规下 enterprise", item: "7.1", cells: ["规模": "规下", "市级研发经费补助": "12.3万"], yuan: nil,
        reason: "本项只面向东胜区规模以上工业企业"),
    .init(
        label: "迁入高企 below 200万 revenue", item: "12.4", cells: ["规模": "规上", "整体迁入高企": "是", "迁入当年销售收入": "150万"],
        yuan: nil, reason: "200万元以上"),
    .init(
        label: "迁入高企 at 200万 revenue", item: "12.4", cells: ["规模": "规上", "整体迁入高企": "是", "迁入当年销售收入": "200万"],
        yuan: 200_000, reason: ""),
    .init(
        label: "迁入高企, revenue unknown", item: "12.4", cells: ["规模": "规上", "整体迁入高企": "是"], yuan: 200_000,
        reason: "迁入当年销售收入", ceilingOnly: true),
    .init(label: "风险投资 10% of 300万", item: "28.2", cells: ["规模": "规下", "风险投资额": "300万"], yuan: 300_000, reason: ""),
    .init(label: "风险投资 capped at 50万", item: "28.2", cells: ["规模": "规下", "风险投资额": "800万"], yuan: 500_000, reason: ""),
    .init(
        label: "科创板 accepted", item: "30.1", cells: ["规模": "规上", "科创板阶段": "受理"], yuan: 200_000, reason: "「科创板阶段」为受理"),
    .init(
        label: "科创板 listed on the regional board", item: "30.1", cells: ["规模": "规上", "科创板阶段": "挂牌"], yuan: 100_000,
        reason: ""),
    .init(label: "科技型中小企业", item: "11.2", cells: ["规模": "规下", "科技型中小企业入库": "是"], yuan: 10_000, reason: ""),
    .init(label: "专精特新", item: "9.2", cells: ["规模": "规下", "市级专精特新": "是"], yuan: 50_000, reason: ""),
    .init(label: "小巨人", item: "9.3", cells: ["规模": "规上", "小巨人": "是"], yuan: 100_000, reason: ""),
    .init(label: "科技领军企业", item: "12.1", cells: ["规模": "规上", "科技领军企业": "是"], yuan: 1_000_000, reason: ""),
    .init(label: "高企复审", item: "12.3", cells: ["规模": "规上", "高企复审": "是"], yuan: 100_000, reason: ""),
    .init(label: "创新联合体", item: "17.1", cells: ["规模": "规上", "创新联合体": "是"], yuan: 300_000, reason: ""),
    .init(label: "知识产权贯标", item: "21.2", cells: ["规模": "规下", "知识产权贯标": "是"], yuan: 50_000, reason: ""),
]

/// The enterprise of one case, read through a real roster so that the cells are parsed as staff write them.
private func enterprise(_ cells: [String: String]) throws -> Enterprise {
    let base = ["企业名称", "统一社会信用代码", "规模", "平台", "机器人地址"]
    var b = RosterBuilder(base + cells.keys.filter { !base.contains($0) }.sorted())
    var row = cells
    row["企业名称"] = "测试企业"
    row["统一社会信用代码"] = RosterBuilder.code(1)
    row["平台"] = "企业微信"
    row["机器人地址"] = "https://example.invalid/hook"
    b.add(row)
    return try #require(try Roster.parse(b.data).enterprises.first)
}

@Suite("eligibility on hand-made enterprises")
struct EligibilityTests {
    @Test("the estimate is exact to the yuan, or the enterprise does not qualify and hears why", arguments: cases)
    func exactAmounts(_ c: EligibilityCase) throws {
        let policy = try Repository.knowledge().policy
        let item = try #require(policy.item(c.item))
        let rule = try #require(CampaignItemRule.all[c.item])
        let finding = Eligibility.evaluate(try enterprise(c.cells), item: item, rule: rule)
        if let yuan = c.yuan {
            #expect(finding.qualifies)
            #expect(finding.estimate == (c.ceilingOnly ? .upTo(yuan) : .exact(yuan, perYear: false)))
        } else {
            #expect(!finding.qualifies)
        }
        #expect(c.reason.isEmpty || finding.reason.contains(c.reason), "\(finding.reason)")
    }

    @Test("a campaign quotes the same amount as the chat answer for the same facts")
    func sameAsChat() throws {
        let knowledge = try Repository.knowledge()
        let answer = Desk(knowledge: knowledge).answer("规上企业5项发明专利，2项产业化，能拿多少？").answer
        let item = try #require(knowledge.policy.item("7.3"))
        let finding = Eligibility.evaluate(
            try enterprise(["规模": "规上", "发明专利件数": "5", "产业化专利件数": "2"]), item: item,
            rule: try #require(CampaignItemRule.all["7.3"]))
        #expect(answer.item == "7.3")
        #expect(answer.amount?.yuan == 350_000)
        #expect(finding.estimate == .exact(350_000, perYear: false))
        #expect(finding.formula == answer.amount?.formula)
    }

    @Test("every campaign item exists in the shipped policy and its column in the roster format")
    func rulesMatchPolicy() throws {
        let policy = try Repository.knowledge().policy
        for (id, rule) in CampaignItemRule.all {
            #expect(policy.item(id) != nil, "item \(id)")
            #expect(RosterColumn.all.contains { $0.header == rule.column }, "column \(rule.column)")
        }
    }
}
