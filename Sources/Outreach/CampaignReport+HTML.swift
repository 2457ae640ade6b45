public import Foundation
import Storage

extension CampaignReport {
    /// A self-contained page (no scripts, no external files) for the staff and their leaders:
    /// totals first, then what needs a person, then per item and per enterprise.
    public func html(generatedAt: Date = Date()) -> String {
        let counts = counts
        var page = """
            <!DOCTYPE html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>政策敲门活动 #\(campaign.id) 报告</title>
            <style>
            body { font-family: -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif;
                   margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #1f2328; line-height: 1.5; }
            h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2rem;
                 border-bottom: 1px solid #d0d7de; padding-bottom: .3rem; }
            .meta { color: #59636e; font-size: .9rem; }
            .cards { display: flex; flex-wrap: wrap; gap: .8rem; margin: 1.2rem 0; }
            .card { border: 1px solid #d0d7de; border-radius: 8px; padding: .6rem 1rem; min-width: 8rem; }
            .card b { display: block; font-size: 1.5rem; }
            .card.warn { border-color: #bf8700; background: #fff8c5; } .card.bad { border-color: #cf222e; background: #ffebe9; }
            table { border-collapse: collapse; width: 100%; font-size: .9rem; }
            th, td { border-bottom: 1px solid #d0d7de; padding: .35rem .5rem; text-align: left; vertical-align: top; }
            th { background: #f6f8fa; } td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
            .state-delivered { color: #1a7f37; } .state-failed { color: #cf222e; } .state-uncertain { color: #9a6700; font-weight: 600; }
            .note { background: #f6f8fa; border-left: 4px solid #0969da; padding: .5rem .8rem; }
            @media print { .card { break-inside: avoid; } h2 { break-after: avoid; } }
            </style>
            </head>
            <body>
            <h1>政策敲门活动 #\(campaign.id)</h1>
            <p class="meta">名单 \(Self.escape(campaign.rosterName)) · 计划于 \(MessageRenderer.time(campaign.createdAt)) ·
            事项 \(Self.escape(campaign.itemIDs.joined(separator: "、"))) · 同一事项 \(campaign.windowDays) 天内不重复发送 ·
            报告生成于 \(MessageRenderer.time(generatedAt))（北京时间）</p>
            <div class="cards">
            \(Self.card("名单企业", "\(campaign.enterpriseCount)"))
            \(Self.card("消息", "\(deliveries.count)"))
            \(Self.card("已送达", "\(counts[.delivered] ?? 0)"))
            \(Self.card("待发送", "\((counts[.planned] ?? 0) + (counts[.retrying] ?? 0))"))
            \(Self.card("结果不确定", "\(counts[.uncertain] ?? 0)", style: (counts[.uncertain] ?? 0) > 0 ? "warn" : nil))
            \(Self.card("失败", "\(counts[.failed] ?? 0)", style: (counts[.failed] ?? 0) > 0 ? "bad" : nil))
            \(Self.card("因近期已发送而跳过", "\(skips.count + (counts[.skipped] ?? 0))"))
            \(Self.card("预计奖补合计", Self.escape(MessageRenderer.amount(estimatedYuan))))
            </div>
            <p class="note">金额是按名单信息的估算，不是核定结果；申报条件和金额以牵头单位通知为准。</p>

            """
        let attention = deliveries.filter { $0.state == .uncertain || $0.state == .failed }
        page += "<h2>需要人工处理（\(attention.count)）</h2>\n"
        if attention.isEmpty {
            page += "<p>没有。所有已处理的消息都有明确结果。</p>\n"
        } else {
            page += """
                <p>「结果不确定」的消息在发送途中程序停止或平台没有按时回应，可能已经送达也可能没有，系统不会自动重发。
                请到对应的群里查看，再用 <code>policydesk campaign resolve \(campaign.id) 编号 --delivered</code>（已收到）或
                <code>--resend</code>（没收到，下次运行时重发）。「失败」的消息附平台返回的错误原文。</p>
                <table><tr><th>编号</th><th>企业</th><th>统一社会信用代码</th><th>机器人</th><th>状态</th><th>次数</th><th>最后发送</th><th>原因</th></tr>

                """
            for d in attention {
                page += "<tr><td>#\(d.id)</td><td>\(Self.escape(d.enterpriseName))</td><td>\(d.creditCode)</td>"
                page +=
                    "<td>\(Self.escape(Self.robotWords(d)))</td>\(Self.stateCell(d.state))<td class=\"num\">\(d.attempts)</td>"
                page +=
                    "<td>\(d.sentAt.map(MessageRenderer.time) ?? "")</td><td>\(Self.escape(d.lastError ?? ""))</td></tr>\n"
            }
            page += "</table>\n"
        }

        page += """
            <h2>按事项</h2>
            <table><tr><th>事项</th><th>名称</th><th class="num">消息</th><th class="num">已送达</th><th class="num">不确定</th>
            <th class="num">失败</th><th class="num">跳过</th><th class="num">预计金额</th><th class="num">已送达部分</th></tr>

            """
        for f in items {
            page += "<tr><td>\(f.itemID)</td><td>\(Self.escape(f.title))</td><td class=\"num\">\(f.planned)</td>"
            page +=
                "<td class=\"num\">\(f.delivered)</td><td class=\"num\">\(f.uncertain)</td><td class=\"num\">\(f.failed)</td>"
            page +=
                "<td class=\"num\">\(f.skipped)</td><td class=\"num\">\(Self.escape(MessageRenderer.amount(f.estimatedYuan)))"
            page += f.ceilingOnly > 0 ? "<br><small>另有 \(f.ceilingOnly) 家只有上限</small>" : ""
            page += "</td><td class=\"num\">\(Self.escape(MessageRenderer.amount(f.deliveredYuan)))</td></tr>\n"
        }
        page += "</table>\n"

        page += """
            <h2>按企业（\(deliveries.count)）</h2>
            <table><tr><th>#</th><th>企业</th><th>统一社会信用代码</th><th>事项与估算</th><th class="num">合计</th><th>机器人</th>
            <th>状态</th><th>发送时间</th></tr>

            """
        for d in deliveries {
            let lines = d.items.map { item -> String in
                let amount =
                    item.yuan.map { MessageRenderer.amount($0) + (item.perYear ? "/年" : "") }
                    ?? item.maxYuan.map { "最高" + MessageRenderer.amount($0) } ?? "未定"
                return "\(Self.escape(item.itemID)) \(Self.escape(item.title))：\(Self.escape(amount))"
            }
            page += "<tr><td>\(d.seq)</td><td>\(Self.escape(d.enterpriseName))</td><td>\(d.creditCode)</td>"
            page += "<td>\(lines.joined(separator: "<br>"))</td>"
            page +=
                "<td class=\"num\">\(Self.escape(MessageRenderer.amount(d.items.reduce(0) { $0 + ($1.yuan ?? 0) })))</td>"
            page += "<td>\(Self.escape(Self.robotWords(d)))</td>\(Self.stateCell(d.state))"
            page += "<td>\((d.finishedAt ?? d.sentAt).map(MessageRenderer.time) ?? "")</td></tr>\n"
        }
        page += "</table>\n"

        if !skips.isEmpty {
            page += "<h2>因近期已发送而跳过（\(skips.count)）</h2>\n"
            page += "<table><tr><th>企业</th><th>统一社会信用代码</th><th>事项</th><th>原因</th></tr>\n"
            for s in skips {
                page +=
                    "<tr><td>\(Self.escape(s.enterpriseName))</td><td>\(s.creditCode)</td><td>\(Self.escape(s.itemID))</td>"
                page += "<td>\(Self.escape(s.reason))</td></tr>\n"
            }
            page += "</table>\n"
        }
        if !campaign.notes.isEmpty {
            page += "<h2>名单说明</h2>\n<ul>\n"
            for note in campaign.notes { page += "<li>\(Self.escape(note))</li>\n" }
            page += "</ul>\n"
        }
        page += "</body>\n</html>\n"
        return page
    }

    private static func card(_ label: String, _ value: String, style: String? = nil) -> String {
        "<div class=\"card\(style.map { " " + $0 } ?? "")\"><b>\(value)</b>\(label)</div>"
    }

    private static func stateCell(_ state: DeliveryState) -> String {
        let words =
            switch state {
            case .planned: "待发送"
            case .sending: "发送中"
            case .delivered: "已送达"
            case .retrying: "等待重试"
            case .failed: "失败"
            case .uncertain: "结果不确定"
            case .skipped: "跳过"
            }
        return "<td class=\"state-\(state.rawValue)\">\(words)</td>"
    }

    /// Escapes text for HTML element content and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
