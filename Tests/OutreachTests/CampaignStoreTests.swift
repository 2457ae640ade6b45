import Foundation
import Outreach
import OutreachModel
import Storage
import Testing

/// Two enterprises on one WeCom robot, both first-time 高企.
private func twoEnterprises() -> RosterBuilder {
    var b = RosterBuilder(["企业名称", "统一社会信用代码", "规模", "平台", "机器人地址", "首次认定高企"])
    for i in 1...2 {
        b.add([
            "企业名称": "企业\(i)", "统一社会信用代码": RosterBuilder.code(i), "规模": "规上", "平台": "企业微信",
            "机器人地址": "https://example.invalid/wecom?key=k", "首次认定高企": "是",
        ])
    }
    return b
}

private let t0 = Date(timeIntervalSince1970: 1_760_011_800)

@Suite("the delivery journal in SQLite")
struct CampaignStoreTests {
    @Test("the campaign tables come in their own named migration after the first one")
    func migration() async throws {
        let store = try SQLiteStorage.inMemory()
        #expect(try await store.appliedMigrations().prefix(3) == ["v1", "v2-campaigns", "v3-rowid-tables"])
    }

    @Test("planned → sending (committed before the call) → delivered, with one attempt recorded")
    func happyPath() async throws {
        let store = try SQLiteStorage.inMemory()
        let id = try await storeCampaign(twoEnterprises(), items: ["12.2"], in: store, now: t0)
        let first = try #require(try await store.deliveries(campaignID: id).first)
        #expect(first.state == .planned)
        guard
            case .claimed(let attemptID, 1) = try await store.claimSend(
                deliveryID: first.id, at: t0, noRepeatSince: .distantPast)
        else {
            Issue.record("expected a claim")
            return
        }
        #expect(try await store.deliveries(campaignID: id).first?.state == .sending)
        try await store.finishSend(
            deliveryID: first.id, attemptID: attemptID, outcome: .delivered, at: t0.addingTimeInterval(1))
        let after = try #require(try await store.deliveries(campaignID: id).first)
        #expect(after.state == .delivered)
        #expect(after.attempts == 1)
        #expect(after.sentAt == t0)
        #expect(try await store.attempts(campaignID: id).map(\.outcome) == ["delivered"])
        #expect(
            try await store.claimSend(deliveryID: first.id, at: t0, noRepeatSince: .distantPast)
                == .notPending(.delivered),
            "a delivered message cannot be claimed again")
    }

    @Test("a send left in flight by a dead process becomes uncertain and is never pending again")
    func recovery() async throws {
        let store = try SQLiteStorage.inMemory()
        let id = try await storeCampaign(twoEnterprises(), items: ["12.2"], in: store, now: t0)
        let first = try #require(try await store.deliveries(campaignID: id).first)
        _ = try await store.claimSend(deliveryID: first.id, at: t0, noRepeatSince: .distantPast)
        // The process dies here: no finishSend.
        #expect(try await store.recoverInterruptedSends(at: t0.addingTimeInterval(5)) == [first.id])
        let after = try #require(try await store.deliveries(campaignID: id).first)
        #expect(after.state == .uncertain)
        #expect(!after.state.isPending)
        #expect(after.lastError?.contains("可能已送达，也可能没有") == true)
        #expect(try await store.attempts(campaignID: id).map(\.outcome) == ["uncertain"])
        #expect(try await store.recoverInterruptedSends(at: t0) == [], "recovering twice changes nothing")
    }

    @Test("a person resolves an uncertain delivery: delivered stays delivered, resend makes it pending")
    func resolve() async throws {
        let store = try SQLiteStorage.inMemory()
        let id = try await storeCampaign(twoEnterprises(), items: ["12.2"], in: store, now: t0)
        let deliveries = try await store.deliveries(campaignID: id)
        for d in deliveries { _ = try await store.claimSend(deliveryID: d.id, at: t0, noRepeatSince: .distantPast) }
        _ = try await store.recoverInterruptedSends(at: t0)
        #expect(try await store.resolveUncertain(deliveryID: deliveries[0].id, as: .delivered, at: t0))
        #expect(try await store.resolveUncertain(deliveryID: deliveries[1].id, as: .resend, at: t0))
        #expect(
            !(try await store.resolveUncertain(deliveryID: deliveries[1].id, as: .resend, at: t0)),
            "only uncertain ones")
        #expect(try await store.deliveries(campaignID: id).map(\.state) == [.delivered, .planned])
    }

    @Test("a retry keeps the message pending with its next time, counting rate limits apart")
    func retry() async throws {
        let store = try SQLiteStorage.inMemory()
        let id = try await storeCampaign(twoEnterprises(), items: ["12.2"], in: store, now: t0)
        let first = try #require(try await store.deliveries(campaignID: id).first)
        guard
            case .claimed(let attemptID, _) = try await store.claimSend(
                deliveryID: first.id, at: t0, noRepeatSince: .distantPast)
        else { return }
        try await store.finishSend(
            deliveryID: first.id, attemptID: attemptID,
            outcome: .retry(at: t0.addingTimeInterval(65), rateLimited: true, code: 45_009, detail: "rate limited"),
            at: t0)
        let after = try #require(try await store.deliveries(campaignID: id).first)
        #expect(after.state == .retrying)
        #expect(after.nextAttemptAt == t0.addingTimeInterval(65))
        #expect(after.rateLimited == 1)
        #expect(after.errorCode == 45_009)
        let attempts = try await store.recentAttempts(robotKeys: [after.robotKey], since: t0.addingTimeInterval(-60))
        #expect(attempts.map(\.outcome) == ["rateLimited"])
    }

    @Test("the no-repeat window is checked again when sending: a second campaign skips what the first delivered")
    func windowAtSendTime() async throws {
        let store = try SQLiteStorage.inMemory()
        // Both campaigns are planned before either sends, so planning cannot see the conflict.
        let first = try await storeCampaign(twoEnterprises(), items: ["12.2"], in: store, now: t0)
        let second = try await storeCampaign(twoEnterprises(), items: ["12.2"], in: store, now: t0)
        let a = try #require(try await store.deliveries(campaignID: first).first)
        guard
            case .claimed(let attemptID, _) = try await store.claimSend(
                deliveryID: a.id, at: t0, noRepeatSince: .distantPast)
        else { return }
        try await store.finishSend(deliveryID: a.id, attemptID: attemptID, outcome: .delivered, at: t0)
        let b = try #require(try await store.deliveries(campaignID: second).first)
        let claim = try await store.claimSend(
            deliveryID: b.id, at: t0.addingTimeInterval(60), noRepeatSince: t0.addingTimeInterval(-30 * 86_400))
        guard case .skipped(let conflict) = claim else {
            Issue.record("expected a skip, got \(claim)")
            return
        }
        #expect(conflict.campaignID == first)
        #expect(try await store.deliveries(campaignID: second).first?.state == .skipped)
        // Outside the window the same send is allowed.
        let c = try await store.deliveries(campaignID: second)[1]
        guard case .claimed = try await store.claimSend(deliveryID: c.id, at: t0, noRepeatSince: t0) else {
            Issue.record("the other enterprise was never told; it must be claimable")
            return
        }
    }

    @Test("recent sends for planning include delivered, sending and uncertain, by enterprise and item")
    func recentSends() async throws {
        let store = try SQLiteStorage.inMemory()
        let id = try await storeCampaign(twoEnterprises(), items: ["12.2"], in: store, now: t0)
        let deliveries = try await store.deliveries(campaignID: id)
        _ = try await store.claimSend(deliveryID: deliveries[0].id, at: t0, noRepeatSince: .distantPast)
        let sends = try await store.recentSends(itemIDs: ["12.2"], since: t0.addingTimeInterval(-1))
        #expect(sends.map(\.creditCode) == [RosterBuilder.code(1)])
        #expect(sends.map(\.state) == [.sending])
        #expect(try await store.recentSends(itemIDs: ["9.3"], since: .distantPast).isEmpty)
    }

    @Test("robots keep their secrets in the store but never in their descriptions")
    func robotRedaction() async throws {
        let store = try SQLiteStorage.inMemory()
        var b = RosterBuilder(["企业名称", "统一社会信用代码", "规模", "平台", "机器人地址", "机器人密钥", "首次认定高企"])
        b.add([
            "企业名称": "甲", "统一社会信用代码": RosterBuilder.code(1), "规模": "规上", "平台": "钉钉",
            "机器人地址": "https://oapi.dingtalk.com/robot/send?access_token=tokensecret123",
            "机器人密钥": "SECsigningsecret456", "首次认定高企": "是",
        ])
        let id = try await storeCampaign(b, items: ["12.2"], in: store, now: t0)
        let robot = try #require(try await store.robots(campaignID: id).first)
        #expect(robot.secret == "SECsigningsecret456")
        for text in [
            robot.description, String(reflecting: robot), "\(Mirror(reflecting: robot).children.map(\.value))",
        ] {
            #expect(!text.contains("tokensecret123"))
            #expect(!text.contains("SECsigningsecret456"))
        }
    }

    @Test("one run at a time per database: a second run lock is refused until the first is released")
    func runLock() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lock-\(UUID().uuidString).sqlite")
            .path
        defer { try? FileManager.default.removeItem(atPath: path + ".campaign-run.lock") }
        var first: CampaignRunLock? = try CampaignRunLock(databasePath: path)
        #expect(throws: OutreachError.alreadyRunning(lockFile: path + ".campaign-run.lock")) {
            _ = try CampaignRunLock(databasePath: path)
        }
        withExtendedLifetime(first) {}
        first = nil
        #expect(throws: Never.self) { _ = try CampaignRunLock(databasePath: path) }
    }
}
