import Foundation
import Outreach
import OutreachModel
import Storage
import Testing

private let t0 = Date(timeIntervalSince1970: 1_760_011_800)

/// A campaign of three messages: one delivered, one uncertain, one failed; and one skip.
private func campaignWithEveryOutcome() async throws -> (SQLiteStorage, Int64) {
    let store = try SQLiteStorage.inMemory()
    var b = RosterBuilder(["企业名称", "统一社会信用代码", "规模", "平台", "机器人地址", "首次认定高企", "小巨人"])
    let names = ["甲, \"引号\" 公司", "<script>alert(1)</script>公司", "=HYPERLINK(\"x\")公司"]
    for (i, name) in names.enumerated() {
        b.add([
            "企业名称": name, "统一社会信用代码": RosterBuilder.code(i + 1), "规模": "规上", "平台": "企业微信",
            "机器人地址": "https://example.invalid/wecom?key=sekret\(i)", "首次认定高企": "是", "小巨人": i == 0 ? "是" : "",
        ])
    }
    // An earlier campaign told the first enterprise about 9.3.
    var earlier = RosterBuilder(b.columns)
    earlier.add(b.rows[0])
    let first = try await storeCampaign(earlier, items: ["9.3"], in: store, now: t0)
    let told = try #require(try await store.deliveries(campaignID: first).first)
    if case .claimed(let attempt, _) = try await store.claimSend(
        deliveryID: told.id, at: t0, noRepeatSince: .distantPast)
    {
        try await store.finishSend(deliveryID: told.id, attemptID: attempt, outcome: .delivered, at: t0)
    }
    let id = try await storeCampaign(b, items: ["12.2", "9.3"], in: store, now: t0.addingTimeInterval(60))
    let deliveries = try await store.deliveries(campaignID: id)
    let outcomes: [SendOutcome?] = [
        .delivered, nil, .failed(code: 93_000, detail: "errcode 93000: invalid webhook url"),
    ]
    for (delivery, outcome) in zip(deliveries, outcomes) {
        guard
            case .claimed(let attempt, _) = try await store.claimSend(
                deliveryID: delivery.id, at: t0, noRepeatSince: .distantPast)
        else { continue }
        if let outcome {
            try await store.finishSend(deliveryID: delivery.id, attemptID: attempt, outcome: outcome, at: t0)
        }
    }
    _ = try await store.recoverInterruptedSends(at: t0)
    return (store, id)
}

@Suite("status and reports")
struct ReportTests {
    @Test("status counts every state and lists the uncertain and failed messages with what to do")
    func status() async throws {
        let (store, id) = try await campaignWithEveryOutcome()
        let text = try await CampaignReport.load(campaignID: id, from: store).statusText()
        #expect(
            text.contains(
                "消息 3 条：已送达 1，待发送 0，等待重试 0，发送中 0，结果不确定 1，失败 1，跳过 0")
        )
        #expect(text.contains("已完成：没有待发送的消息。"))
        #expect(text.contains("预计奖补合计：60万元"))
        #expect(
            text.contains(
                "  12.2 首次认定国家高新技术企业：消息 3 条，已送达 1，结果不确定 1，失败 1，近期已发送而跳过 0；预计 60万元"
            ))
        #expect(
            text.contains(
                "  9.3 新认定市级小巨人企业：消息 0 条，已送达 0，结果不确定 0，失败 0，近期已发送而跳过 1；预计 0元"
            ))
        #expect(text.contains("结果不确定（1 条）"))
        #expect(text.contains("policydesk campaign resolve \(id) 消息编号 --delivered"))
        #expect(text.contains("失败（1 条）："))
        #expect(text.contains("试了 1 次：errcode 93000: invalid webhook url"))
        #expect(!text.contains("sekret"))
    }

    @Test("the CSV has a BOM for Excel, one row per message and per skip, and quotes what needs quoting")
    func csv() async throws {
        let (store, id) = try await campaignWithEveryOutcome()
        let csv = try await CampaignReport.load(campaignID: id, from: store).csv()
        #expect(
            csv.hasPrefix("\u{FEFF}活动,消息编号,企业名称,统一社会信用代码,机器人,事项,预计金额（元）,状态,发送次数,")
        )
        let lines = csv.split(separator: "\r\n")
        #expect(lines.count == 5, "header, three messages, one skip")
        #expect(lines[1].contains(#","甲, ""引号"" 公司","#))
        #expect(lines[1].contains(",12.2,200000,已送达,1,"))
        #expect(lines[3].contains(#"'=HYPERLINK(""x"")公司"#), "a formula-looking name is defused for Excel")
        #expect(lines[4].contains(",9.3,,计划时跳过,"))
        #expect(!csv.contains("sekret"))
    }

    @Test("the HTML page escapes names and shows totals, items, enterprises, failures and skips")
    func html() async throws {
        let (store, id) = try await campaignWithEveryOutcome()
        let page = try await CampaignReport.load(campaignID: id, from: store).html(generatedAt: t0)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;公司"))
        #expect(!page.contains("<script>"))
        for heading in ["需要人工处理（2）", "按事项", "按企业（3）", "因近期已发送而跳过（1）"] {
            #expect(page.contains(heading), "\(heading)")
        }
        #expect(page.contains("<b>60万元</b>预计奖补合计"))
        #expect(page.contains("errcode 93000: invalid webhook url"))
        #expect(page.contains("以牵头单位通知为准"))
        #expect(!page.contains("sekret"))
        #expect(page.contains("甲, &quot;引号&quot; 公司"), "quotes in a name cannot end an attribute")
        #expect(
            page.contains("policydesk campaign resolve \(id) 编号"), "the campaign's id, not a message's, in the advice")
        #expect(!page.contains("{{") && !page.contains("}}"), "every tag of the template was filled")
    }

    @Test("CSV fields that end a line or a column are quoted, even when a Character hides them")
    func csvQuotesByScalar() async throws {
        let store = try SQLiteStorage.inMemory()
        var b = RosterBuilder(["企业名称", "统一社会信用代码", "规模", "平台", "机器人地址", "首次认定高企"])
        // "\r\n" is one Character, as is a comma or an = followed by a combining mark.
        for (i, name) in ["甲\r\n乙公司", "丙,\u{301}丁公司", "=\u{301}SUM(A1)公司"].enumerated() {
            b.add([
                "企业名称": name, "统一社会信用代码": RosterBuilder.code(i + 1), "规模": "规上", "平台": "企业微信",
                "机器人地址": "https://example.invalid/wecom?key=k", "首次认定高企": "是",
            ])
        }
        let id = try await storeCampaign(b, items: ["12.2"], in: store, now: t0)
        let csv = try await CampaignReport.load(campaignID: id, from: store).csv()
        #expect(csv.contains("\"甲\r\n乙公司\"") || csv.contains("\"甲\n乙公司\""), "a line break stays inside its quotes")
        #expect(csv.contains("\"丙,\u{301}丁公司\""))
        #expect(csv.contains("'=\u{301}SUM(A1)公司"), "a formula-looking name is defused")
    }

    @Test("a campaign with nothing to see to says so, and its page has no empty tables")
    func htmlWithNothingToSeeTo() async throws {
        let store = try SQLiteStorage.inMemory()
        var b = RosterBuilder(["企业名称", "统一社会信用代码", "规模", "平台", "机器人地址", "首次认定高企"])
        b.add([
            "企业名称": "{{id}}公司", "统一社会信用代码": RosterBuilder.code(1), "规模": "规上", "平台": "企业微信",
            "机器人地址": "https://example.invalid/wecom?key=k", "首次认定高企": "是",
        ])
        let id = try await storeCampaign(b, items: ["12.2"], in: store, now: t0)
        let page = try await CampaignReport.load(campaignID: id, from: store).html(generatedAt: t0)
        #expect(page.contains("需要人工处理（0）"))
        #expect(page.contains("没有。所有已处理的消息都有明确结果。"))
        #expect(!page.contains("因近期已发送而跳过（"), "no skips, no skip table")
        #expect(page.contains("<td>{{id}}公司</td>"), "a name that looks like a tag is shown as it is, not rendered")
        #expect(page.contains("<b>1</b>待发送"))
    }

    @Test("the admin API's snapshot carries the same figures as JSON, without secrets")
    func snapshot() async throws {
        let (store, id) = try await campaignWithEveryOutcome()
        let snapshot = try await CampaignReport.load(campaignID: id, from: store).snapshot
        #expect(snapshot.counts == ["delivered": 1, "uncertain": 1, "failed": 1])
        #expect(snapshot.finished)
        #expect(snapshot.estimatedYuan == 600_000)
        #expect(snapshot.attention.map(\.state) == ["uncertain", "failed"])
        #expect(snapshot.skippedAtPlanning == 1)
        let json = String(decoding: try JSONEncoder().encode(snapshot), as: UTF8.self)
        #expect(json.contains(#""errorCode":93000"#))
        #expect(!json.contains("sekret"))
    }
}
