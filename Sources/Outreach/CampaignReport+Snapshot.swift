public import Foundation
import OutreachModel

extension CampaignReport {
    /// A delivery a person must look at, without its message or robot address.
    public struct Attention: Sendable, Hashable, Encodable {
        /// The delivery's id (`#N` in the status text; what `campaign resolve` takes).
        public var delivery: Int64
        /// 企业名称.
        public var enterprise: String
        /// 统一社会信用代码.
        public var creditCode: String
        /// The robot by platform and key.
        public var robot: String
        /// `uncertain` or `failed`.
        public var state: String
        /// How many times it was tried.
        public var attempts: Int
        /// When the latest try started.
        public var sentAt: Date?
        /// The platform's error code, if any.
        public var errorCode: Int?
        /// What happened, in words.
        public var detail: String
    }

    /// The status as one value, for the admin API to serve as JSON: the same figures as
    /// ``statusText()``, nothing secret in it.
    public struct Snapshot: Sendable, Encodable {
        /// The campaign's id.
        public var campaign: Int64
        /// When it was planned.
        public var createdAt: Date
        /// The roster's file name.
        public var roster: String
        /// The no-repeat window in days.
        public var windowDays: Int
        /// Enterprises in the roster.
        public var enterprises: Int
        /// Messages by state (`delivered`, `uncertain` …).
        public var counts: [String: Int]
        /// Whether nothing is left to send.
        public var finished: Bool
        /// Sum of exact estimates over all messages, in yuan.
        public var estimatedYuan: Int64
        /// Figures per item.
        public var items: [ItemFigures]
        /// Uncertain and failed messages.
        public var attention: [Attention]
        /// Enterprise–item pairs left out at planning as sent recently.
        public var skippedAtPlanning: Int
    }

    /// The status as one value for the admin API.
    public var snapshot: Snapshot {
        let counts = counts
        let attention = deliveries.filter { $0.state == .uncertain || $0.state == .failed }.map { d in
            Attention(
                delivery: d.id, enterprise: d.enterpriseName, creditCode: d.creditCode, robot: Self.robotWords(d),
                state: d.state.rawValue, attempts: d.attempts, sentAt: d.sentAt, errorCode: d.errorCode,
                detail: d.lastError ?? "")
        }
        return Snapshot(
            campaign: campaign.id, createdAt: campaign.createdAt, roster: campaign.rosterName,
            windowDays: campaign.windowDays, enterprises: campaign.enterpriseCount,
            counts: Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, $0.value) }),
            finished: (counts[.planned] ?? 0) + (counts[.retrying] ?? 0) + (counts[.sending] ?? 0) == 0,
            estimatedYuan: estimatedYuan, items: items, attention: attention, skippedAtPlanning: skips.count)
    }
}
