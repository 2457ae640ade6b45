public import Foundation

/// The rule that keeps 政策敲门 from nagging: an enterprise hears of an item at most once within a
/// window of days, whichever campaign announces it.
///
/// The planner applies it to leave pairs out of a plan, and the store applies it again inside the
/// transaction that claims a send, because another campaign may have sent the item since the plan.
/// Both read the rule from here, so the two checks cannot drift apart.
public struct NoRepeatRule: Sendable, Hashable {
    /// The window in days.
    public var windowDays: Int

    /// A rule with a window of `windowDays` days.
    public init(windowDays: Int) {
        self.windowDays = windowDays
    }

    /// The states of an earlier send that count against a new one: it arrived, it is on its way, or
    /// it may have arrived. A failed or skipped send does not count, so the item is still announced.
    public static let blockingStates: [DeliveryState] = [.delivered, .sending, .uncertain]

    /// The window's length.
    public var window: TimeInterval { Double(windowDays) * 86_400 }

    /// When the window that ends at `now` began: sends from then on count.
    public func since(_ now: Date) -> Date { now.addingTimeInterval(-window) }

    /// Whether `send` counts against a new announcement at `now`.
    public func blocks(_ send: RecentSend, at now: Date) -> Bool {
        Self.blockingStates.contains(send.state) && send.at >= since(now)
    }

    /// For each enterprise–item pair, the latest send among `sends` that blocks a new announcement at `now`.
    public func blockingSends(_ sends: [RecentSend], at now: Date) -> [EnterpriseItem: RecentSend] {
        var latest: [EnterpriseItem: RecentSend] = [:]
        for send in sends where blocks(send, at: now) {
            let pair = EnterpriseItem(creditCode: send.creditCode, itemID: send.itemID)
            if let known = latest[pair], known.at >= send.at { continue }
            latest[pair] = send
        }
        return latest
    }

    /// Why a plan leaves a pair out, as staff read it in the plan and the report.
    public func skipReason(_ previous: RecentSend) -> String {
        let what =
            switch previous.state {
            case .delivered: "已送达"
            case .uncertain: "发送结果不确定，待人工确认"
            default: "正在发送"
            }
        return "第\(previous.campaignID)号活动已于\(ChinaTime.day(previous.at))发送过本项（\(what)）；"
            + "\(windowDays)天内同一事项不重复发送"
    }

    /// The note a delivery keeps when the claim finds, at send time, that another campaign sent one
    /// of its items within the window.
    public static func skipNote(_ conflict: RecentSend) -> String {
        "事项 \(conflict.itemID) 已由第\(conflict.campaignID)号活动（发送记录 \(conflict.deliveryID)）"
            + "在不重复发送的期限内发给该企业，本条未发送"
    }

}

/// An enterprise (by 统一社会信用代码) and an item: the unit the no-repeat rule counts.
public struct EnterpriseItem: Sendable, Hashable {
    /// 统一社会信用代码.
    public var creditCode: String
    /// The item id, such as `12.2`.
    public var itemID: String

    /// The pair.
    public init(creditCode: String, itemID: String) {
        self.creditCode = creditCode
        self.itemID = itemID
    }
}
