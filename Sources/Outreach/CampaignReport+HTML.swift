public import Foundation
import Mustache
import OutreachModel

extension CampaignReport {
    /// A self-contained page (no scripts, no external files) for the staff and their leaders:
    /// totals first, then what needs a person, then per item and per enterprise.
    ///
    /// Rendered through Mustache, which escapes every `{{value}}`: a roster's names and a
    /// platform's error texts reach the page as text, never as markup.
    public func html(generatedAt: Date) -> String {
        CampaignReportPage.template.render(CampaignReportPage.view(of: self, generatedAt: generatedAt))
    }
}

/// The report page's template and the values it reads.
enum CampaignReportPage {
    /// The page, compiled once. The text is part of the program and a test renders it, so a
    /// template that does not parse never ships.
    static let template: MustacheTemplate = {
        do {
            return try MustacheTemplate(string: text)
        } catch {
            preconditionFailure("the campaign report template does not parse: \(error)")
        }
    }()

    /// Everything the template reads, as plain strings, numbers, lists and flags.
    static func view(of report: CampaignReport, generatedAt: Date) -> [String: Any] {
        let campaign = report.campaign
        let counts = report.counts
        let uncertain = counts[.uncertain] ?? 0, failed = counts[.failed] ?? 0
        let cards: [[String: Any]] = [
            card("名单企业", "\(campaign.enterpriseCount)"),
            card("消息", "\(report.deliveries.count)"),
            card("已送达", "\(counts[.delivered] ?? 0)"),
            card("待发送", "\((counts[.planned] ?? 0) + (counts[.retrying] ?? 0))"),
            card("结果不确定", "\(uncertain)", style: uncertain > 0 ? "warn" : nil),
            card("失败", "\(failed)", style: failed > 0 ? "bad" : nil),
            card("因近期已发送而跳过", "\(report.skips.count + (counts[.skipped] ?? 0))"),
            card("预计奖补合计", MessageRenderer.amount(report.estimatedYuan)),
        ]
        let attention = report.deliveries.filter { $0.state == .uncertain || $0.state == .failed }
        return [
            "id": campaign.id,
            "rosterName": campaign.rosterName,
            "createdAt": ChinaTime.time(campaign.createdAt),
            "items": campaign.itemIDs.joined(separator: "、"),
            "windowDays": campaign.windowDays,
            "generatedAt": ChinaTime.time(generatedAt),
            "cards": cards,
            "attentionCount": attention.count,
            "hasAttention": !attention.isEmpty,
            "attention": attention.map { d -> [String: Any] in
                [
                    "id": d.id, "enterprise": d.enterpriseName, "creditCode": d.creditCode,
                    "robot": CampaignReport.robotWords(d), "state": state(d.state), "attempts": d.attempts,
                    "sentAt": d.sentAt.map(ChinaTime.time) ?? "", "error": d.lastError ?? "",
                ]
            },
            "itemFigures": report.items.map { f -> [String: Any] in
                [
                    "itemID": f.itemID, "title": f.title, "planned": f.planned, "delivered": f.delivered,
                    "uncertain": f.uncertain, "failed": f.failed, "skipped": f.skipped,
                    "estimated": MessageRenderer.amount(f.estimatedYuan), "ceilingOnly": f.ceilingOnly,
                    "hasCeilingOnly": f.ceilingOnly > 0, "deliveredYuan": MessageRenderer.amount(f.deliveredYuan),
                ]
            },
            "deliveryCount": report.deliveries.count,
            "deliveries": report.deliveries.map { d -> [String: Any] in
                [
                    "seq": d.seq, "enterprise": d.enterpriseName, "creditCode": d.creditCode,
                    "lines": d.items.map { item -> String in
                        let amount =
                            item.yuan.map { MessageRenderer.amount($0) + (item.perYear ? "/年" : "") }
                            ?? item.maxYuan.map { "最高" + MessageRenderer.amount($0) } ?? "未定"
                        return "\(item.itemID) \(item.title)：\(amount)"
                    },
                    "total": MessageRenderer.amount(d.items.reduce(0) { $0 + ($1.yuan ?? 0) }),
                    "robot": CampaignReport.robotWords(d), "state": state(d.state),
                    "time": (d.finishedAt ?? d.sentAt).map(ChinaTime.time) ?? "",
                ]
            },
            "skipCount": report.skips.count,
            "hasSkips": !report.skips.isEmpty,
            "skips": report.skips.map { s -> [String: Any] in
                ["enterprise": s.enterpriseName, "creditCode": s.creditCode, "itemID": s.itemID, "reason": s.reason]
            },
            "notes": campaign.notes,
            "hasNotes": !campaign.notes.isEmpty,
        ]
    }

    private static func card(_ label: String, _ value: String, style: String? = nil) -> [String: Any] {
        ["label": label, "value": value, "style": style.map { " " + $0 } ?? ""]
    }

    private static func state(_ state: DeliveryState) -> [String: Any] {
        ["class": state.rawValue, "words": CampaignReport.stateWords(state)]
    }

    static let text = """
        <!DOCTYPE html>
        <html lang="zh-CN">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>政策敲门活动 #{{id}} 报告</title>
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
        <h1>政策敲门活动 #{{id}}</h1>
        <p class="meta">名单 {{rosterName}} · 计划于 {{createdAt}} · 事项 {{items}} · 同一事项 {{windowDays}} 天内不重复发送 ·
        报告生成于 {{generatedAt}}（北京时间）</p>
        <div class="cards">
        {{#cards}}
        <div class="card{{style}}"><b>{{value}}</b>{{label}}</div>
        {{/cards}}
        </div>
        <p class="note">金额是按名单信息的估算，不是核定结果；申报条件和金额以牵头单位通知为准。</p>
        <h2>需要人工处理（{{attentionCount}}）</h2>
        {{^attention}}
        <p>没有。所有已处理的消息都有明确结果。</p>
        {{/attention}}
        {{#hasAttention}}
        <p>「结果不确定」的消息在发送途中程序停止或平台没有按时回应，可能已经送达也可能没有，系统不会自动重发。
        请到对应的群里查看，再用 <code>policydesk campaign resolve {{id}} 编号 --delivered</code>（已收到）或
        <code>--resend</code>（没收到，下次运行时重发）。「失败」的消息附平台返回的错误原文。</p>
        <table><tr><th>编号</th><th>企业</th><th>统一社会信用代码</th><th>机器人</th><th>状态</th><th>次数</th><th>最后发送</th><th>原因</th></tr>
        {{#attention}}
        <tr><td>#{{id}}</td><td>{{enterprise}}</td><td>{{creditCode}}</td><td>{{robot}}</td><td class="state-{{state.class}}">{{state.words}}</td><td class="num">{{attempts}}</td><td>{{sentAt}}</td><td>{{error}}</td></tr>
        {{/attention}}
        </table>
        {{/hasAttention}}
        <h2>按事项</h2>
        <table><tr><th>事项</th><th>名称</th><th class="num">消息</th><th class="num">已送达</th><th class="num">不确定</th>
        <th class="num">失败</th><th class="num">跳过</th><th class="num">预计金额</th><th class="num">已送达部分</th></tr>
        {{#itemFigures}}
        <tr><td>{{itemID}}</td><td>{{title}}</td><td class="num">{{planned}}</td><td class="num">{{delivered}}</td><td class="num">{{uncertain}}</td><td class="num">{{failed}}</td><td class="num">{{skipped}}</td><td class="num">{{estimated}}{{#hasCeilingOnly}}<br><small>另有 {{ceilingOnly}} 家只有上限</small>{{/hasCeilingOnly}}</td><td class="num">{{deliveredYuan}}</td></tr>
        {{/itemFigures}}
        </table>
        <h2>按企业（{{deliveryCount}}）</h2>
        <table><tr><th>#</th><th>企业</th><th>统一社会信用代码</th><th>事项与估算</th><th class="num">合计</th><th>机器人</th>
        <th>状态</th><th>发送时间</th></tr>
        {{#deliveries}}
        <tr><td>{{seq}}</td><td>{{enterprise}}</td><td>{{creditCode}}</td><td>{{#lines}}{{.}}<br>{{/lines}}</td><td class="num">{{total}}</td><td>{{robot}}</td><td class="state-{{state.class}}">{{state.words}}</td><td>{{time}}</td></tr>
        {{/deliveries}}
        </table>
        {{#hasSkips}}
        <h2>因近期已发送而跳过（{{skipCount}}）</h2>
        <table><tr><th>企业</th><th>统一社会信用代码</th><th>事项</th><th>原因</th></tr>
        {{#skips}}
        <tr><td>{{enterprise}}</td><td>{{creditCode}}</td><td>{{itemID}}</td><td>{{reason}}</td></tr>
        {{/skips}}
        </table>
        {{/hasSkips}}
        {{#hasNotes}}
        <h2>名单说明</h2>
        <ul>
        {{#notes}}
        <li>{{.}}</li>
        {{/notes}}
        </ul>
        {{/hasNotes}}
        </body>
        </html>

        """
}
