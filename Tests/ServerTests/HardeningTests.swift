import Channels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Storage
import Synchronization
import TestSupport
import Testing

@testable import Server

/// Messages that used to end the server, sent through every route that reads a question.
@Suite("Hardening: no message can take the server down")
struct HardeningTests {
    /// Each trapped on Int64 overflow in the number reader or the calculator.
    static let crashers = [
        "一亿亿亿",
        "市里补了1000000000000亿区里配多少",
        "999999999999999万",
        "自治区重点实验室，市里补了九千九百九十九亿亿亿，区里配多少",
        "规上企业有999999999999999件核心发明专利，其中999999999999999件产业化，能拿多少",
        "贷款利息99999999999亿，担保费99999999999亿，能补多少",
    ]

    @Test("a number past belief is answered as if no amount were given", arguments: crashers)
    func askSurvives(_ text: String) async throws {
        try await TestServer.run { client, _ in
            let response = try await client.ask(text)
            #expect(response.status == .ok, "\(text): \(response.text)")
            let amount = response.json["amount"] as? [String: Any]
            if let yuan = amount?["yuan"] as? Int64 {
                #expect(yuan <= 10_000_000_000_000, "\(text): \(response.text)")
            }
            // The server is still there.
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
        }
    }

    @Test("the crash messages through WeCom are answered with an encrypted reply")
    func wecomSurvives() async throws {
        let peer = WeComPeer()
        try await TestServer.run { client, _ in
            for (index, text) in Self.crashers.enumerated() {
                let message = peer.textMessageXML(from: "attacker", content: text, msgID: "71000000000000000\(index)")
                let (uri, body) = try peer.post(message)
                let response = try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: body))
                #expect(response.status == .ok, "\(text)")
                #expect(try peer.open(response.text).content.isEmpty == false)
            }
        }
    }

    @Test("the crash messages through DingTalk are answered")
    func dingTalkSurvives() async throws {
        let peer = DingTalkPeer()
        try await TestServer.run { client, _ in
            for (index, text) in Self.crashers.enumerated() {
                let body = DingTalkPeer.body(text: text, msgID: "msgHardening\(index)==")
                let response = try await client.postJSON("/webhooks/dingtalk", body, headers: peer.headers())
                #expect(response.status == .ok, "\(text): \(response.text)")
                #expect(response.json["msgtype"] as? String == "markdown")
            }
        }
    }

    @Test("the crash messages through Feishu are acknowledged and replied to")
    func feishuSurvives() async throws {
        let peer = FeishuPeer()
        try await FeishuWebhookTests.withFakeAPI { client, fake in
            for (index, text) in Self.crashers.enumerated() {
                let event = peer.messageEvent(
                    text: text, eventID: "ev_hardening_\(index)", messageID: "om_hardening_\(index)")
                let body = try peer.envelope(event)
                let response = try await client.postJSON("/webhooks/feishu", body, headers: peer.headers(for: body))
                #expect(response.status == .ok, "\(text): \(response.text)")
            }
            let count = Self.crashers.count
            let arrived = await eventually { fake.feishuReplies.count == count }
            #expect(arrived, "every crash message gets its reply")
        }
    }

    @Test("a 64 KiB question of digits is answered, cut to the question limit")
    func longDigits() async throws {
        try await TestServer.run(configure: { $0.bodyLimit = 256 * 1024 }) { client, _ in
            let response = try await client.ask(String(repeating: "1234567890", count: 6554))
            #expect(response.status == .ok)
            #expect(response.json["kind"] as? String != nil)
        }
    }

    @Test("a DingTalk message whose msgId is blank is refused, not answered", arguments: ["", "   "])
    func dingTalkBlankMessageID(_ id: String) async throws {
        let peer = DingTalkPeer()
        try await TestServer.run { client, _ in
            let body = DingTalkPeer.body(text: "新认定的高企能拿多少钱", msgID: id)
            let response = try await client.postJSON("/webhooks/dingtalk", body, headers: peer.headers())
            #expect(response.status == .badRequest)
            #expect(response.text.contains("msgId"))
            #expect(try await DingTalkWebhookTests.answersComputed(client) == 0)
        }
    }
}

/// A store that fails every write while `failing` is set, as a full disk does.
actor FlakyStore: DedupeStore, ConversationStore, MissLog, AuditLog, StoreProbe {
    let base = InMemoryStorage()
    var failing = false

    struct DiskFull: Error, CustomStringConvertible {
        var description: String { "database or disk is full" }
    }

    func setFailing(_ value: Bool) { failing = value }
    private func check() throws { if failing { throw DiskFull() } }

    func claim(key: String, now: Date, ttl: Duration) async throws -> DedupeClaim {
        try check()
        return await base.claim(key: key, now: now, ttl: ttl)
    }
    func recordReply(key: String, reply: String) async throws {
        try check()
        await base.recordReply(key: key, reply: reply)
    }
    func purgeExpiredClaims(now: Date) async throws -> Int { await base.purgeExpiredClaims(now: now) }
    func load(key: String, now: Date) async throws -> Data? {
        try check()
        return await base.load(key: key, now: now)
    }
    func save(key: String, value: Data, expiresAt: Date) async throws {
        try check()
        await base.save(key: key, value: value, expiresAt: expiresAt)
    }
    func delete(key: String) async throws {
        try check()
        await base.delete(key: key)
    }
    func purgeExpiredConversations(now: Date) async throws -> Int { await base.purgeExpiredConversations(now: now) }
    func liveExpiries(now: Date, limit: Int) async throws -> [String: Date]? {
        await base.liveExpiries(now: now, limit: limit)
    }
    func record(_ miss: MissRecord) async throws { await base.record(miss) }
    func list(limit: Int) async throws -> [MissGroup] { await base.list(limit: limit) }
    func resolve(groupID: Int64, as resolution: String) async throws {
        try await base.resolve(groupID: groupID, as: resolution)
    }
    func listAll(includeResolved: Bool) async throws -> [MissGroup] {
        await base.listAll(includeResolved: includeResolved)
    }
    func group(id: Int64) async throws -> MissGroup? { await base.group(id: id) }
    func purgeMisses(askedBefore cutoff: Date) async throws -> Int { await base.purgeMisses(askedBefore: cutoff) }
    func append(_ entry: AuditEntry) async throws -> Int64 { await base.append(entry) }
    func list(limit: Int, offset: Int) async throws -> [AuditEntry] { await base.list(limit: limit, offset: offset) }
    func entry(id: Int64) async throws -> AuditEntry? { await base.entry(id: id) }
    func latestChange(of target: String, after id: Int64) async throws -> AuditEntry? {
        await base.latestChange(of: target, after: id)
    }
    func probeWrite() async throws { try check() }
}

@Suite("Hardening: storage faults are loud and safe")
struct StorageFaultTests {
    @Test(
        "a failing store gets the webhook a polite encrypted 200 (counted), /healthz says why until it recovers")
    func failingStore() async throws {
        let store = FlakyStore()
        let clock = ManualDate()
        let dependencies = ServerDependencies(store: store, transport: CurlTransport(), now: { clock.now })
        let built = try buildApplication(
            configuration: TestServer.configuration(), dependencies: dependencies, logger: TestServer.logger)
        let peer = WeComPeer()
        try await built.application.test(.router) { client in
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            await store.setFailing(true)
            let message = peer.textMessageXML(from: "lisi", content: "新认定的高企能拿多少钱", msgID: "7200000000000000001")
            let (uri, body) = try peer.post(message)
            let refused = try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: body))
            #expect(refused.status == .ok, "acknowledged within WeCom's window, not a 503")
            #expect(try peer.open(refused.text).content == StoreBusyReply.text)
            #expect(!refused.text.contains("disk"), "no internal message reaches the platform: \(refused.text)")
            let metrics = try await client.execute(uri: "/metrics", method: .get).text
            #expect(metrics.contains(#"policydesk_store_busy_replies_total{channel="wecom"} 1"#), "\(metrics)")
            let sick = try await client.execute(uri: "/healthz", method: .get)
            #expect(sick.status == .serviceUnavailable)
            #expect(sick.text.contains("database or disk is full"))

            await store.setFailing(false)
            let stillSick = try await client.execute(uri: "/healthz", method: .get)
            #expect(stillSick.status == .serviceUnavailable, "the probe runs at most once a second")
            clock.advance(by: 2)
            let well = try await client.execute(uri: "/healthz", method: .get)
            #expect(well.status == .ok, "the probe finds the store writable again: \(well.text)")
            let retried = try peer.post(message)
            let answered = try await client.execute(
                uri: retried.uri, method: .post, body: ByteBuffer(string: retried.body))
            #expect(answered.status == .ok)
            #expect(try peer.open(answered.text).content.contains("高新技术企业"))
        }
    }

    @Test("with the store failing, DingTalk gets its normal Markdown body with the polite reply, then answers again")
    func failingStoreDingTalk() async throws {
        let store = FlakyStore()
        let dependencies = ServerDependencies(store: store, transport: CurlTransport())
        let built = try buildApplication(
            configuration: TestServer.configuration(), dependencies: dependencies, logger: TestServer.logger)
        let peer = DingTalkPeer()
        try await built.application.test(.router) { client in
            await store.setFailing(true)
            let body = DingTalkPeer.body(text: "规上企业新认定高企能拿多少钱", msgID: "msgStoreDown0001==")
            let busy = try await client.postJSON("/webhooks/dingtalk", body, headers: peer.headers())
            #expect(busy.status == .ok)
            #expect(try DingTalkWebhookTests.markdownText(busy) == StoreBusyReply.text)
            #expect(
                try await client.metrics().sum("policydesk_store_busy_replies_total", ["channel": "dingtalk"]) == 1)
            await store.setFailing(false)
            let answered = try await client.postJSON("/webhooks/dingtalk", body, headers: peer.headers())
            #expect(try DingTalkWebhookTests.markdownText(answered).contains("20万"), "the same message, sent again")
        }
    }
}

/// A clock the test moves by hand.
final class ManualDate: Sendable {
    private let value = Mutex(Date(timeIntervalSince1970: 1_780_000_000))
    var now: Date { value.withLock { $0 } }
    func advance(by seconds: TimeInterval) { value.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
