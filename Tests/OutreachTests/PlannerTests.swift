import Foundation
import Outreach
import OutreachModel
import PolicyKit
import Storage
import Testing

/// Three enterprises: one qualifies for both items, one for one item, one for none.
private func threeEnterprises() -> RosterBuilder {
    var b = RosterBuilder(["企业名称", "统一社会信用代码", "规模", "平台", "机器人地址", "首次认定高企", "小巨人"])
    b.add([
        "企业名称": "甲科技有限公司", "统一社会信用代码": RosterBuilder.code(1), "规模": "规上", "平台": "企业微信",
        "机器人地址": "https://example.invalid/wecom?key=a", "首次认定高企": "是", "小巨人": "是",
    ])
    b.add([
        "企业名称": "乙材料有限公司", "统一社会信用代码": RosterBuilder.code(2), "规模": "规下", "平台": "企业微信",
        "机器人地址": "https://example.invalid/wecom?key=a", "首次认定高企": "是",
    ])
    b.add([
        "企业名称": "丙贸易有限公司", "统一社会信用代码": RosterBuilder.code(3), "规模": "规下", "平台": "企业微信",
        "机器人地址": "https://example.invalid/wecom?key=b",
    ])
    return b
}

private let now = Date(timeIntervalSince1970: 1_760_000_000)

@Suite("campaign planning")
struct PlannerTests {
    @Test("totals count enterprises, messages and exact yuan per item")
    func totals() throws {
        let planner = CampaignPlanner(knowledge: try Repository.knowledge())
        let plan = try planner.plan(
            roster: try roster(threeEnterprises()), itemIDs: ["12.2", "9.3"], recentSends: [], windowDays: 30, now: now)
        #expect(plan.enterpriseCount == 3)
        #expect(plan.messages.map(\.enterprise.name) == ["甲科技有限公司", "乙材料有限公司"])
        #expect(plan.ineligibleCount == 1)
        #expect(plan.totals.map(\.itemID) == ["12.2", "9.3"])
        #expect(plan.totals.map(\.enterprises) == [2, 1])
        #expect(plan.totals.map(\.exactYuan) == [300_000, 100_000])
        #expect(plan.estimatedYuan == 400_000)
        #expect(plan.messages.map(\.estimatedYuan) == [300_000, 100_000])
        #expect(plan.robotCount == 1)
    }

    @Test(
        "a message names the enterprise, each item with its amount and formula, the lead unit, and that it is an estimate"
    )
    func messageText() throws {
        let planner = CampaignPlanner(knowledge: try Repository.knowledge())
        let plan = try planner.plan(
            roster: try roster(threeEnterprises()), itemIDs: ["12.2", "9.3"], recentSends: [], windowDays: 30, now: now)
        let body = try #require(plan.messages.first?.body)
        #expect(body.hasPrefix("### 政策敲门：甲科技有限公司\n"))
        #expect(body.contains("**1. 首次认定国家高新技术企业**（第12条 扶优做强高新技术企业）"))
        #expect(body.contains("- 预计金额：**20万元**（规模以上企业一次性奖补 20万）"))
        #expect(body.contains("- 预计金额：**10万元**（一次性奖补 10万）"))
        #expect(body.contains("- 牵头单位：区工信和科技局"))
        #expect(body.contains("以上合计预计 **30万元**。"))
        #expect(body.contains("以牵头单位通知为准"))
        #expect(!body.contains("\n\n\n"), "empty sections leave no runs of blank lines")
        #expect(plan.messages.first?.title == "政策敲门：甲科技有限公司可申请的科技创新奖补")
    }

    @Test("the plain-text template says the same without Markdown")
    func plainText() throws {
        let planner = CampaignPlanner(knowledge: try Repository.knowledge(), format: .text)
        let plan = try planner.plan(
            roster: try roster(threeEnterprises()), itemIDs: ["12.2"], recentSends: [], windowDays: 30, now: now)
        let body = try #require(plan.messages.last?.body)
        #expect(body.hasPrefix("【政策敲门】乙材料有限公司：您好！"))
        #expect(body.contains("预计金额：10万元（规模以下企业一次性奖补 10万）"))
        #expect(body.contains("以牵头单位通知为准"))
        #expect(!body.contains("**"))
    }

    @Test("an item sent to an enterprise within the window is skipped and listed with the campaign that sent it")
    func noNagging() throws {
        let planner = CampaignPlanner(knowledge: try Repository.knowledge())
        let recent = [
            RecentSend(
                creditCode: RosterBuilder.code(1), itemID: "12.2", campaignID: 7, deliveryID: 70, state: .delivered,
                at: now.addingTimeInterval(-10 * 86_400)),
            // Outside the 30-day window: does not count.
            RecentSend(
                creditCode: RosterBuilder.code(2), itemID: "12.2", campaignID: 3, deliveryID: 30, state: .delivered,
                at: now.addingTimeInterval(-31 * 86_400)),
        ]
        let plan = try planner.plan(
            roster: try roster(threeEnterprises()), itemIDs: ["12.2", "9.3"], recentSends: recent, windowDays: 30,
            now: now)
        #expect(plan.skips.count == 1)
        let skip = try #require(plan.skips.first)
        #expect(skip.enterpriseName == "甲科技有限公司")
        #expect(skip.itemID == "12.2")
        #expect(skip.previousCampaignID == 7)
        #expect(skip.reason == "第7号活动已于2025-09-29发送过本项（已送达）；30天内同一事项不重复发送")
        // 甲 still hears about 9.3, and only 9.3; 乙's send is older than the window.
        #expect(plan.messages.map(\.enterprise.name) == ["甲科技有限公司", "乙材料有限公司"])
        #expect(plan.messages[0].items.map(\.itemID) == ["9.3"])
        #expect(plan.messages[1].items.map(\.itemID) == ["12.2"])
        #expect(plan.totals.map(\.skipped) == [1, 0])
        #expect(plan.totals.map(\.exactYuan) == [100_000, 100_000])
    }

    @Test("an uncertain send counts as sent: the enterprise may have it already")
    func uncertainCountsAsSent() throws {
        let planner = CampaignPlanner(knowledge: try Repository.knowledge())
        let recent = [
            RecentSend(
                creditCode: RosterBuilder.code(2), itemID: "12.2", campaignID: 4, deliveryID: 41, state: .uncertain,
                at: now.addingTimeInterval(-3_600))
        ]
        let plan = try planner.plan(
            roster: try roster(threeEnterprises()), itemIDs: ["12.2"], recentSends: recent, windowDays: 30, now: now)
        #expect(plan.messages.map(\.enterprise.name) == ["甲科技有限公司"])
        #expect(plan.skips.first?.reason.contains("发送结果不确定，待人工确认") == true)
    }

    @Test("items are checked against the policy and the roster before anything is planned")
    func itemErrors() throws {
        let planner = CampaignPlanner(knowledge: try Repository.knowledge())
        let r = try roster(threeEnterprises())
        #expect(throws: OutreachError.unknownItem("99.9", campaignable: CampaignItemRule.itemIDs)) {
            try planner.plan(roster: r, itemIDs: ["99.9"], recentSends: [], windowDays: 30, now: now)
        }
        #expect(
            throws: OutreachError.itemNotCampaignable("4.1", title: "自治区级重点实验室", campaignable: CampaignItemRule.itemIDs)
        ) {
            try planner.plan(roster: r, itemIDs: ["4.1"], recentSends: [], windowDays: 30, now: now)
        }
        #expect(throws: OutreachError.rosterLacksColumn(item: "12.3", column: "高企复审")) {
            try planner.plan(roster: r, itemIDs: ["12.2", "12.3"], recentSends: [], windowDays: 30, now: now)
        }
        #expect(throws: OutreachError.noItems) {
            try planner.plan(roster: r, itemIDs: [], recentSends: [], windowDays: 30, now: now)
        }
        #expect(throws: OutreachError.templateMissing("nosuch.md")) {
            try CampaignPlanner(knowledge: try Repository.knowledge(), template: "nosuch")
                .plan(roster: r, itemIDs: ["12.2"], recentSends: [], windowDays: 30, now: now)
        }
    }

    @Test("the stored campaign holds one robot per address and the deliveries in roster order")
    func storedCampaign() throws {
        let planner = CampaignPlanner(knowledge: try Repository.knowledge())
        let plan = try planner.plan(
            roster: try roster(threeEnterprises()), itemIDs: ["12.2", "9.3"], recentSends: [], windowDays: 30, now: now)
        let campaign = plan.campaign(
            rosterName: "r.csv", template: "outreach", format: .markdown, windowDays: 30,
            notes: [], now: now)
        #expect(campaign.robots.count == 1)
        #expect(campaign.deliveries.map(\.seq) == [1, 2])
        #expect(campaign.deliveries[0].items.map(\.yuan) == [200_000, 100_000])
        #expect(campaign.deliveries[0].robotKey == campaign.robots[0].key)
    }
}
