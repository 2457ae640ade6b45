import Foundation
import OutreachModel
import Testing

/// The no-nagging rule, as the planner and the store both apply it.
@Suite("The no-repeat rule")
struct NoRepeatRuleTests {
    let now = Date(timeIntervalSince1970: 1_750_000_000)
    let rule = NoRepeatRule(windowDays: 30)

    func send(_ item: String, daysAgo: Double, _ state: DeliveryState, campaign: Int64 = 1, code: String = "A")
        -> RecentSend
    {
        RecentSend(
            creditCode: code, itemID: item, campaignID: campaign, deliveryID: campaign * 100,
            state: state, at: now.addingTimeInterval(-daysAgo * 86_400))
    }

    @Test("the window starts exactly windowDays before now, and a send on its first instant counts")
    func windowEdge() {
        #expect(rule.since(now) == now.addingTimeInterval(-30 * 86_400))
        #expect(rule.blocks(send("12.2", daysAgo: 30, .delivered), at: now))
        #expect(!rule.blocks(send("12.2", daysAgo: 30.0001, .delivered), at: now))
    }

    @Test("delivered, sending and uncertain sends block; failed, skipped, planned and retrying ones do not")
    func blockingStates() {
        for state in DeliveryState.allCases {
            let blocks = rule.blocks(send("12.2", daysAgo: 1, state), at: now)
            #expect(blocks == [.delivered, .sending, .uncertain].contains(state), "\(state)")
        }
    }

    @Test("each enterprise–item pair keeps its latest blocking send; other pairs stay apart")
    func latestPerPair() {
        let sends = [
            send("12.2", daysAgo: 20, .delivered, campaign: 1),
            send("12.2", daysAgo: 5, .uncertain, campaign: 2),
            send("12.2", daysAgo: 2, .failed, campaign: 3),
            send("9.3", daysAgo: 3, .delivered, campaign: 4),
            send("12.2", daysAgo: 1, .delivered, campaign: 5, code: "B"),
            send("9.3", daysAgo: 40, .delivered, campaign: 6, code: "B"),
        ]
        let blocking = rule.blockingSends(sends, at: now)
        #expect(blocking.count == 3)
        #expect(blocking[EnterpriseItem(creditCode: "A", itemID: "12.2")]?.campaignID == 2)
        #expect(blocking[EnterpriseItem(creditCode: "A", itemID: "9.3")]?.campaignID == 4)
        #expect(blocking[EnterpriseItem(creditCode: "B", itemID: "12.2")]?.campaignID == 5)
        #expect(blocking[EnterpriseItem(creditCode: "B", itemID: "9.3")] == nil)
    }

    @Test("the reasons staff read name the earlier campaign, its day in UTC+8, its state and the window")
    func wording() {
        let previous = RecentSend(
            creditCode: "A", itemID: "12.2", campaignID: 7, deliveryID: 71, state: .uncertain,
            at: Date(timeIntervalSince1970: 1_750_000_000))  // 2025-06-15 15:06:40 UTC, 23:06:40 in UTC+8
        #expect(rule.skipReason(previous) == "第7号活动已于2025-06-15发送过本项（发送结果不确定，待人工确认）；30天内同一事项不重复发送")
        #expect(NoRepeatRule.skipNote(previous).contains("12.2"))
        #expect(NoRepeatRule.skipNote(previous).contains("第7号活动"))
        #expect(NoRepeatRule.skipNote(previous).contains("71"))
    }

    @Test("a person's decision about an uncertain send is noted with its time in UTC+8")
    func decisionNotes() {
        let at = Date(timeIntervalSince1970: 1_750_000_000)
        #expect(UncertainDecision.delivered.note(at: at) == "发送结果原本不确定；2025-06-15 23:06:40 经人工确认已送达")
        #expect(UncertainDecision.resend.note(at: at).hasSuffix("经人工确认未送达，已安排重新发送"))
    }
}
