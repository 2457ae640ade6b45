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
            case "wecom": "企业微信"
            case "dingtalk": "钉钉"
            case "feishu": "飞书"
            default: delivery.platform
            }
        return "\(platform)机器人 \(delivery.robotKey)"
    }

    /// A state in the words staff read in every report: the status, the CSV and the page.
    public static func stateWords(_ state: DeliveryState) -> String {
        switch state {
        case .planned: "待发送"
        case .sending: "发送中"
        case .delivered: "已送达"
        case .retrying: "等待重试"
        case .failed: "失败"
        case .uncertain: "结果不确定"
        case .skipped: "跳过"
        }
    }

    /// The order states are listed in.
    public static let stateOrder: [DeliveryState] = [
        .delivered, .planned, .retrying, .sending, .uncertain, .failed, .skipped,
    ]
}

extension CampaignReport {
    /// The status as text for a terminal: counts, per item, then everything a person must act on.
    public func statusText() -> String {
        var lines: [String] = []
        let counts = counts
        lines.append(
            "第\(campaign.id)号活动：事项 \(campaign.itemIDs.joined(separator: "、"))，名单 \(campaign.rosterName)，"
                + "计划于 \(ChinaTime.time(campaign.createdAt))（北京时间），同一事项 \(campaign.windowDays) 天内不重复发送"
        )
        lines.append(
            "消息 \(deliveries.count) 条："
                + Self.stateOrder.map { "\(Self.stateWords($0)) \(counts[$0] ?? 0)" }.joined(separator: "，"))
        let remaining = (counts[.planned] ?? 0) + (counts[.retrying] ?? 0)
        if remaining > 0 {
            lines.append("未完成：还有 \(remaining) 条待发送；运行 `policydesk campaign run \(campaign.id)` 继续。")
        } else if (counts[.sending] ?? 0) > 0 {
            lines.append(
                "正在发送，或上次发送中途停止；下次运行 `policydesk campaign run \(campaign.id)` 会把中途未完成的消息标为结果不确定。")
        } else {
            lines.append("已完成：没有待发送的消息。")
        }
        lines.append("预计奖补合计：\(MessageRenderer.amount(estimatedYuan))（只计能算出确切金额的）")
        for f in items {
            lines.append(
                "  \(f.itemID) \(f.title)：消息 \(f.planned) 条，已送达 \(f.delivered)，结果不确定 \(f.uncertain)，"
                    + "失败 \(f.failed)，近期已发送而跳过 \(f.skipped)；预计 "
                    + MessageRenderer.amount(f.estimatedYuan)
                    + (f.ceilingOnly > 0 ? "（另有 \(f.ceilingOnly) 家只知上限）" : ""))
        }
        let uncertain = uncertain
        if !uncertain.isEmpty {
            lines.append("")
            lines.append(
                "结果不确定（\(uncertain.count) 条）：可能已送达，也可能没有，系统不会自动重发。请到群里查看后运行 "
                    + "`policydesk campaign resolve \(campaign.id) 消息编号 --delivered`（已送达）或 `--resend`（重新发送）。")
            for d in uncertain {
                lines.append(
                    "  #\(d.id) \(d.enterpriseName)（\(d.creditCode)），\(Self.robotWords(d))，发送于 "
                        + "\(d.sentAt.map(ChinaTime.time) ?? "?")：\(d.lastError ?? "")")
            }
        }
        let failed = failed
        if !failed.isEmpty {
            lines.append("")
            lines.append("失败（\(failed.count) 条）：")
            for d in failed {
                lines.append(
                    "  #\(d.id) \(d.enterpriseName)（\(d.creditCode)），\(Self.robotWords(d))，试了 \(d.attempts) 次："
                        + (d.lastError ?? ""))
            }
        }
        let skippedNow = deliveries.filter { $0.state == .skipped }
        if !skippedNow.isEmpty || !skips.isEmpty {
            lines.append("")
            lines.append(
                "\(campaign.windowDays) 天内已发送过而跳过：计划时 \(skips.count) 个企业–事项，发送时 \(skippedNow.count) 条消息。")
        }
        if !campaign.notes.isEmpty {
            lines.append("")
            lines.append("名单说明：")
            lines.append(contentsOf: campaign.notes.map { "  \($0)" })
        }
        return lines.joined(separator: "\n")
    }

    /// One row per delivery and one per skipped pair, with a BOM so that Excel reads the Chinese
    /// names as UTF-8.
    public func csv() -> String {
        var rows: [[String]] = [
            [
                "活动", "消息编号", "企业名称", "统一社会信用代码", "机器人", "事项", "预计金额（元）", "状态", "发送次数",
                "发送时间", "完成时间", "错误码", "说明",
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
                "\(campaign.id)", "", s.enterpriseName, s.creditCode, "", s.itemID, "", "计划时跳过", "0", "",
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
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
