import Foundation
import Outreach
import OutreachModel
import PostgresStorage
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

@Suite("the delivery journal, on every campaign store")
struct CampaignStoreTests {
    @Test("the campaign tables come in their own named migration after the first one")
    func migration() async throws {
        let store = try SQLiteStorage.inMemory()
        #expect(try await store.appliedMigrations().prefix(3) == ["v1", "v2-campaigns", "v3-rowid-tables"])
    }

    @Test(
        "planned → sending (committed before the call) → delivered, with one attempt recorded",
        arguments: CampaignStoreKind.allCases)
    func happyPath(kind: CampaignStoreKind) async throws {
        try await kind.withStore { store in
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
    }

    @Test(
        "a send left in flight by a dead process becomes uncertain and is never pending again",
        arguments: CampaignStoreKind.allCases)
    func recovery(kind: CampaignStoreKind) async throws {
        try await kind.withStore { store in
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
    }

    @Test(
        "a person resolves an uncertain delivery: delivered stays delivered, resend makes it pending",
        arguments: CampaignStoreKind.allCases)
    func resolve(kind: CampaignStoreKind) async throws {
        try await kind.withStore { store in
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
    }

    @Test(
        "a retry keeps the message pending with its next time, counting rate limits apart",
        arguments: CampaignStoreKind.allCases)
    func retry(kind: CampaignStoreKind) async throws {
        try await kind.withStore { store in
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
            let attempts = try await store.recentAttempts(
                robotKeys: [after.robotKey], since: t0.addingTimeInterval(-60))
            #expect(attempts.map(\.outcome) == ["rateLimited"])
        }
    }

    @Test(
        "the no-repeat window is checked again when sending: a second campaign skips what the first delivered",
        arguments: CampaignStoreKind.allCases)
    func windowAtSendTime(kind: CampaignStoreKind) async throws {
        try await kind.withStore { store in
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
    }

    @Test(
        "recent sends for planning include delivered, sending and uncertain, by enterprise and item",
        arguments: CampaignStoreKind.allCases)
    func recentSends(kind: CampaignStoreKind) async throws {
        try await kind.withStore { store in
            let id = try await storeCampaign(twoEnterprises(), items: ["12.2"], in: store, now: t0)
            let deliveries = try await store.deliveries(campaignID: id)
            _ = try await store.claimSend(deliveryID: deliveries[0].id, at: t0, noRepeatSince: .distantPast)
            let sends = try await store.recentSends(itemIDs: ["12.2"], since: t0.addingTimeInterval(-1))
            #expect(sends.map(\.creditCode) == [RosterBuilder.code(1)])
            #expect(sends.map(\.state) == [.sending])
            #expect(try await store.recentSends(itemIDs: ["9.3"], since: .distantPast).isEmpty)
        }
    }

    @Test(
        "robots keep their secrets in the store but never in their descriptions", arguments: CampaignStoreKind.allCases)
    func robotRedaction(kind: CampaignStoreKind) async throws {
        try await kind.withStore { store in
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
    }

    @Test(
        "a campaign reads back whole: items with their yuan, skips, robots and the listing's counts",
        arguments: CampaignStoreKind.allCases)
    func readsBackWhole(kind: CampaignStoreKind) async throws {
        try await kind.withStore { store in
            let items = [
                DeliveryItem(
                    itemID: "12.2", title: "首次认定高企", yuan: 200_000, maxYuan: nil, perYear: false,
                    formula: "规上 20万", reason: "规上"),
                DeliveryItem(
                    itemID: "28.1", title: "贴息", yuan: nil, maxYuan: 300_000, perYear: true, formula: "", reason: "贷款"),
            ]
            let skip = CampaignSkip(
                enterpriseName: "乙", creditCode: RosterBuilder.code(2), itemID: "12.2", reason: "已送达",
                previousCampaignID: 7, previousAt: t0)
            let id = try await store.createCampaign(
                NewCampaign(
                    createdAt: t0, rosterName: "名单.csv", itemIDs: ["12.2", "28.1"], itemTitles: ["首次认定高企", "贴息"],
                    template: "outreach", format: "markdown", windowDays: 30, enterpriseCount: 3,
                    notes: ["第3行：代码有误", "ignored columns: 备注"],
                    robots: [
                        CampaignRobot(
                            key: "wecom:k", platform: "wecom", url: "https://example.invalid/?key=k", secret: nil),
                        CampaignRobot(
                            key: "dingtalk:t", platform: "dingtalk", url: "https://example.invalid/d", secret: "SEC1"),
                    ],
                    deliveries: [
                        NewDelivery(
                            seq: 1, enterpriseName: "甲", creditCode: RosterBuilder.code(1), robotKey: "wecom:k",
                            title: "t1", body: "b1", items: items),
                        NewDelivery(
                            seq: 2, enterpriseName: "丙", creditCode: RosterBuilder.code(3), robotKey: "dingtalk:t",
                            title: "t2", body: "b2", items: [items[1]]),
                    ],
                    skips: [
                        skip,
                        CampaignSkip(
                            enterpriseName: "丁", creditCode: RosterBuilder.code(4), itemID: "28.1", reason: "r"),
                    ]))
            let campaign = try #require(try await store.campaign(id: id))
            #expect(campaign.createdAt == t0)
            #expect(campaign.itemTitles == ["首次认定高企", "贴息"])
            #expect(campaign.notes == ["第3行：代码有误", "ignored columns: 备注"])
            #expect(try await store.campaign(id: id + 1000) == nil)
            let deliveries = try await store.deliveries(campaignID: id)
            #expect(deliveries.map(\.seq) == [1, 2])
            #expect(deliveries.map(\.platform) == ["wecom", "dingtalk"])
            #expect(deliveries[0].items == items, "yuan 200,000 exact, a ceiling of 300,000 yuan a year, in order")
            #expect(deliveries[1].items == [items[1]])
            #expect(try await store.skips(campaignID: id).first == skip)
            #expect(try await store.skips(campaignID: id).last?.previousAt == nil)
            #expect(try await store.robots(campaignID: id).map(\.secret) == ["SEC1", nil])
            _ = try await store.claimSend(deliveryID: deliveries[0].id, at: t0, noRepeatSince: .distantPast)
            let listing = try #require(try await store.campaigns().first)
            #expect(listing.campaign == campaign)
            #expect(listing.counts == [.sending: 1, .planned: 1])
        }
    }

    @Test(
        "a journal batch means what its single writes mean, in order, and later claims see earlier outcomes",
        arguments: CampaignStoreKind.allCases)
    func journalBatch(kind: CampaignStoreKind) async throws {
        try await kind.withStore { store in
            let first = try await storeCampaign(twoEnterprises(), items: ["12.2"], in: store, now: t0)
            let second = try await storeCampaign(twoEnterprises(), items: ["12.2"], in: store, now: t0)
            let a = try await store.deliveries(campaignID: first)
            let b = try await store.deliveries(campaignID: second)
            let window = t0.addingTimeInterval(-30 * 86_400)
            let claims = try await store.writeJournal(
                a.map { .claim(deliveryID: $0.id, at: t0, noRepeatSince: window) })
            let attemptIDs = claims.compactMap { result -> Int64? in
                if case .claimed(.claimed(let attemptID, 1)) = result { return attemptID }
                return nil
            }
            #expect(attemptIDs.count == 2)
            let results = try await store.writeJournal([
                .finish(deliveryID: a[0].id, attemptID: attemptIDs[0], outcome: .delivered, at: t0),
                .finish(
                    deliveryID: a[1].id, attemptID: attemptIDs[1], outcome: .failed(code: 93_000, detail: "invalid"),
                    at: t0),
                .claim(deliveryID: b[0].id, at: t0.addingTimeInterval(60), noRepeatSince: window),
                .claim(deliveryID: b[1].id, at: t0.addingTimeInterval(60), noRepeatSince: window),
            ])
            #expect(results.prefix(2) == [.finished, .finished])
            guard case .claimed(.skipped(let conflict)) = results[2] else {
                Issue.record("the enterprise told in the same batch must be skipped, got \(results[2])")
                return
            }
            #expect(conflict.deliveryID == a[0].id)
            #expect(try await store.deliveries(campaignID: second)[0].lastError == NoRepeatRule.skipNote(conflict))
            guard case .claimed(.claimed(_, 1)) = results[3] else {
                Issue.record("a failed send does not count against the window, got \(results[3])")
                return
            }
            #expect(try await store.deliveries(campaignID: first).map(\.errorCode) == [nil, 93_000])
        }
    }

    @Test(
        "one run at a time per database: a second run lock is refused until the first is released",
        arguments: CampaignStoreKind.allCases)
    func runLock(kind: CampaignStoreKind) async throws {
        try await kind.withDatabase { database in
            let first = try await database.takeRunLock()
            await #expect(throws: CampaignRunLockError.held(lock: first.lockName)) {
                _ = try await database.takeRunLock()
            }
            await first.release()
            let again = try await database.takeRunLock()
            await again.release()
        }
    }

    @Test(
        "a runner whose connection dies (as on kill -9) frees the PostgreSQL run lock for the next, and its own release still returns",
        .enabled(if: TestDatabase.url != nil, Comment(rawValue: TestDatabase.skipNote)))
    func runLockFreedWhenHolderDies() async throws {
        try await CampaignStoreKind.postgres.withDatabase { database in
            let first = try await database.takeRunLock()
            await #expect(throws: CampaignRunLockError.self) { _ = try await database.takeRunLock() }
            // What the server sees when a runner is killed: its session ends.
            try await database.execute(
                """
                SELECT pg_terminate_backend(pid) FROM pg_locks
                WHERE locktype = 'advisory' AND classid = \(0x5044_4302) AND objid = hashtext(current_schema())::oid
                    AND granted AND pid <> pg_backend_pid()
                """)
            var taken: (any CampaignRunLock)?
            // The backend ends asynchronously after the signal: try for a while, never forever.
            for _ in 0..<100 where taken == nil {
                taken = try? await database.takeRunLock()
                if taken == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            let second = try #require(taken, "the lock stayed held after its holder's session ended")
            await second.release()
            // The dead holder's release must come back (bounded), not wait on a connection that is gone.
            await first.release()
            let third = try await database.takeRunLock()
            await third.release()
        }
    }
}
