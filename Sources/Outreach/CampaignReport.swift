import Foundation
public import OutreachModel

/// Everything known about one campaign, for `campaign status`, `campaign report` and the admin API.
///
/// Built from the store only; holds no webhook address or secret (robots appear by platform and key).
public struct CampaignReport: Sendable {
    /// The campaign.
    public var campaign: CampaignRecord
    /// Its deliveries in plan order.
    public var deliveries: [DeliveryRecord]
    /// What the plan left out.
    public var skips: [CampaignSkip]
    /// Every attempt, oldest first.
    public var attempts: [DeliveryAttempt]

    /// Loads the report of campaign `id`.
    public static func load(campaignID id: Int64, from store: any CampaignStore) async throws -> CampaignReport {
        guard let campaign = try await store.campaign(id: id) else { throw OutreachError.campaignNotFound(id) }
        return CampaignReport(
            campaign: campaign, deliveries: try await store.deliveries(campaignID: id),
            skips: try await store.skips(campaignID: id), attempts: try await store.attempts(campaignID: id))
    }

    /// Creates a report from its parts.
    public init(
        campaign: CampaignRecord, deliveries: [DeliveryRecord], skips: [CampaignSkip], attempts: [DeliveryAttempt]
    ) {
        self.campaign = campaign
        self.deliveries = deliveries
        self.skips = skips
        self.attempts = attempts
    }

    /// Deliveries by state.
    public var counts: [DeliveryState: Int] {
        var counts: [DeliveryState: Int] = [:]
        for delivery in deliveries { counts[delivery.state, default: 0] += 1 }
        return counts
    }

    /// Deliveries a person must look at: uncertain ones.
    public var uncertain: [DeliveryRecord] { deliveries.filter { $0.state == .uncertain } }

    /// Deliveries that failed for good.
    public var failed: [DeliveryRecord] { deliveries.filter { $0.state == .failed } }

    /// One item's figures across the campaign.
    public struct ItemFigures: Sendable, Hashable, Encodable {
        /// The item.
        public var itemID: String
        /// Its title.
        public var title: String = ""
        /// Messages announcing it.
        public var planned = 0
        /// Of those, delivered.
        public var delivered = 0
        /// Of those, uncertain.
        public var uncertain = 0
        /// Of those, failed.
        public var failed = 0
        /// Enterprises left out by the no-repeat window when planning.
        public var skipped = 0
        /// Sum of exact estimates over all its messages.
        public var estimatedYuan: Int64 = 0
        /// Sum of exact estimates over delivered messages.
        public var deliveredYuan: Int64 = 0
        /// Messages where only a ceiling is known.
        public var ceilingOnly = 0
    }

    /// Figures per item, in the campaign's item order.
    public var items: [ItemFigures] {
        var figures: [String: ItemFigures] = [:]
        for (index, id) in campaign.itemIDs.enumerated() {
            figures[id] = ItemFigures(
                itemID: id, title: index < campaign.itemTitles.count ? campaign.itemTitles[index] : "")
        }
        for delivery in deliveries {
            for item in delivery.items {
                var f = figures[item.itemID] ?? ItemFigures(itemID: item.itemID)
                f.title = item.title
                f.planned += 1
                f.estimatedYuan += item.yuan ?? 0
                if item.yuan == nil && item.maxYuan != nil { f.ceilingOnly += 1 }
                switch delivery.state {
                case .delivered:
                    f.delivered += 1
                    f.deliveredYuan += item.yuan ?? 0
                case .uncertain: f.uncertain += 1
                case .failed: f.failed += 1
                default: break
                }
                figures[item.itemID] = f
            }
        }
        for skip in skips { figures[skip.itemID]?.skipped += 1 }
        let order = campaign.itemIDs + figures.keys.filter { !campaign.itemIDs.contains($0) }.sorted()
        return order.compactMap { figures[$0] }
    }

    /// The estimated total over all messages.
    public var estimatedYuan: Int64 {
        deliveries.reduce(0) { $0 + $1.items.reduce(0) { $0 + ($1.yuan ?? 0) } }
    }

    /// The robot of a delivery in words: platform and key, never the address.
    static func robotWords(_ delivery: DeliveryRecord) -> String {
        let platform =
            switch delivery.platform {
            case "wecom": "WeCom"
            case "dingtalk": "DingTalk"
            case "feishu": "Feishu"
            default: delivery.platform
            }
        return "\(platform) robot \(delivery.robotKey)"
    }

    /// A state in the words the text and CSV reports use.
    static func stateWords(_ state: DeliveryState) -> String {
        switch state {
        case .planned: "planned"
        case .sending: "sending"
        case .delivered: "delivered"
        case .retrying: "waiting to retry"
        case .failed: "failed"
        case .uncertain: "uncertain"
        case .skipped: "skipped"
        }
    }

    /// The order states are listed in.
    static let stateOrder: [DeliveryState] = [.delivered, .planned, .retrying, .sending, .uncertain, .failed, .skipped]
}

extension CampaignReport {
    /// The status as text for a terminal: counts, per item, then everything a person must act on.
    public func statusText() -> String {
        var lines: [String] = []
        let counts = counts
        lines.append(
            "Campaign \(campaign.id): items \(campaign.itemIDs.joined(separator: ", ")), roster \(campaign.rosterName), "
                + "planned \(ChinaTime.time(campaign.createdAt)) (UTC+8), no-repeat window \(campaign.windowDays) days"
        )
        lines.append(
            "Messages: \(deliveries.count) — "
                + Self.stateOrder.map { "\(counts[$0] ?? 0) \(Self.stateWords($0))" }.joined(separator: ", "))
        let remaining = (counts[.planned] ?? 0) + (counts[.retrying] ?? 0)
        if remaining > 0 {
            lines.append(
                "Not finished: \(remaining) still to send; `policydesk campaign run \(campaign.id)` continues.")
        } else if (counts[.sending] ?? 0) > 0 {
            lines.append(
                "A run is sending now, or stopped mid-send; the next `campaign run \(campaign.id)` marks what it left "
                    + "in flight uncertain.")
        } else {
            lines.append("Finished: nothing left to send.")
        }
        lines.append("Estimated total: \(MessageRenderer.amount(estimatedYuan)) (sum of exact estimates)")
        for f in items {
            lines.append(
                "  \(f.itemID) \(f.title): \(f.planned) messages, \(f.delivered) delivered, \(f.uncertain) uncertain, "
                    + "\(f.failed) failed, \(f.skipped) skipped as sent recently; estimated "
                    + MessageRenderer.amount(f.estimatedYuan)
                    + (f.ceilingOnly > 0 ? " (+\(f.ceilingOnly) with only a ceiling)" : ""))
        }
        let uncertain = uncertain
        if !uncertain.isEmpty {
            lines.append("")
            lines.append(
                "Uncertain (\(uncertain.count)): these may or may not have arrived and are never resent on their own. "
                    + "Check the group chat, then run `policydesk campaign resolve \(campaign.id) DELIVERY --delivered` "
                    + "or `--resend`.")
            for d in uncertain {
                lines.append(
                    "  #\(d.id) \(d.enterpriseName) (\(d.creditCode)) via \(Self.robotWords(d)); sent "
                        + "\(d.sentAt.map(ChinaTime.time) ?? "?"): \(d.lastError ?? "")")
            }
        }
        let failed = failed
        if !failed.isEmpty {
            lines.append("")
            lines.append("Failed (\(failed.count)):")
            for d in failed {
                lines.append(
                    "  #\(d.id) \(d.enterpriseName) (\(d.creditCode)) via \(Self.robotWords(d)), \(d.attempts) \(d.attempts == 1 ? "try" : "tries"): "
                        + (d.lastError ?? ""))
            }
        }
        let skippedNow = deliveries.filter { $0.state == .skipped }
        if !skippedNow.isEmpty || !skips.isEmpty {
            lines.append("")
            lines.append(
                "Skipped as already sent within \(campaign.windowDays) days: \(skips.count) enterprise–item pairs at "
                    + "planning, \(skippedNow.count) messages while sending.")
        }
        if !campaign.notes.isEmpty {
            lines.append("")
            lines.append("Roster notes:")
            lines.append(contentsOf: campaign.notes.map { "  \($0)" })
        }
        return lines.joined(separator: "\n")
    }

    /// One row per delivery and one per skipped pair, with a BOM so that Excel reads the Chinese
    /// names as UTF-8.
    public func csv() -> String {
        var rows: [[String]] = [
            [
                "campaign", "delivery", "enterprise", "credit_code", "robot", "items", "estimated_yuan", "state",
                "attempts",
                "sent_at", "finished_at", "error_code", "detail",
            ]
        ]
        for d in deliveries {
            rows.append([
                "\(campaign.id)", "\(d.id)", d.enterpriseName, d.creditCode, Self.robotWords(d),
                d.items.map(\.itemID).joined(separator: " "), "\(d.items.reduce(0) { $0 + ($1.yuan ?? 0) })",
                Self.stateWords(d.state), "\(d.attempts)", d.sentAt.map(ChinaTime.time) ?? "",
                d.finishedAt.map(ChinaTime.time) ?? "", d.errorCode.map(String.init) ?? "", d.lastError ?? "",
            ])
        }
        for s in skips {
            rows.append([
                "\(campaign.id)", "", s.enterpriseName, s.creditCode, "", s.itemID, "", "skipped at planning", "0", "",
                "", "", s.reason,
            ])
        }
        return "\u{FEFF}" + rows.map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    private static func csvField(_ value: String) -> String {
        // A leading =, +, - or @ would make Excel evaluate the cell as a formula.
        // Scalars, not Characters: "\r\n" is one Character, and so is a comma followed by a
        // combining mark, and neither equals "\n" or ",".
        var text = value
        if let first = text.unicodeScalars.first, "=+-@".unicodeScalars.contains(first) { text = "'" + text }
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
