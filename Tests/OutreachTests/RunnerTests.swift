import Channels
import Foundation
import Outreach
import Storage
import Synchronization
import Testing

/// One enterprise to put on a test roster: which robot it is reached through.
private struct Member {
    var name: String
    var platform: String
    var url: String
    var secret: String = ""
}

/// A roster of first-time 高企 (规上, 20万 each), one row per member.
private func rosterOf(_ members: [Member], firstSerial: Int = 1) -> RosterBuilder {
    var b = RosterBuilder(["企业名称", "统一社会信用代码", "规模", "平台", "机器人地址", "机器人密钥", "首次认定高企"])
    for (index, m) in members.enumerated() {
        b.add([
            "企业名称": m.name, "统一社会信用代码": RosterBuilder.code(firstSerial + index), "规模": "规上",
            "平台": m.platform, "机器人地址": m.url, "机器人密钥": m.secret, "首次认定高企": "是",
        ])
    }
    return b
}

/// Collects the runner's events.
private final class EventLog: Sendable {
    private let events = Mutex<[CampaignRunner.Event]>([])

    func record(_ event: CampaignRunner.Event) {
        events.withLock { $0.append(event) }
    }

    var all: [CampaignRunner.Event] { events.withLock { $0 } }
}

/// A runner on a clock `scale` times faster than real time.
private func runner(
    _ store: SQLiteStorage, scale: Double, events: EventLog = EventLog(), timeout: Duration = .seconds(5),
    policy: SendPolicy = SendPolicy(), pause: TimeInterval? = nil
) -> CampaignRunner {
    CampaignRunner(
        store: store, transport: CurlTransport(configuration: .init(maxConcurrentTransfers: 8)),
        clock: SystemCampaignClock(scale: scale),
        configuration: .init(
            maxInFlight: 8, requestTimeout: timeout, policy: policy,
            limits: { platform in
                var limits = RobotLimits.of(platform)
                if let pause { limits.rateLimitPause = pause }
                return limits
            }),
        onEvent: { events.record($0) })
}

/// Distinctive robot keys, so that a test can search every output for them.
private enum Keys {
    static let weCom = "wecomkeyAAAA1111"
    static let dingTalk = "dingtokenBBBB2222"
    static let feishu = "feishuhookCCCC3333"
}

@Suite("sending against a local fake platform", .serialized)
struct RunnerTests {
    /// The speed-up for tests in which the fake platform judges timing (windows, quiet periods)
    /// by when a request arrives: at 5×, a request that reaches the fake 4 s late on a busy
    /// machine is still within the 20 s of margin the runner keeps, where at 20× 1 s was enough
    /// to make a correct schedule look wrong.
    static let timedScale = 5.0

    @Test("every message arrives once, signed where the platform needs it, and no robot goes past its limit")
    func withinLimits() async throws {
        try await FakeRobotPlatform.with(scale: Self.timedScale) { fake in
            var members: [Member] = []
            for i in 1...25 { members.append(Member(name: "微企\(i)", platform: "企业微信", url: fake.weCom(Keys.weCom))) }
            for i in 1...25 {
                members.append(
                    Member(
                        name: "钉企\(i)", platform: "钉钉", url: fake.dingTalk(Keys.dingTalk),
                        secret: FakeSecrets.dingTalk(Keys.dingTalk)))
            }
            for i in 1...12 {
                members.append(
                    Member(
                        name: "飞企\(i)", platform: "飞书", url: fake.feishu(Keys.feishu),
                        secret: FakeSecrets.feishu(Keys.feishu)))
            }
            let store = try SQLiteStorage.inMemory()
            let id = try await storeCampaign(rosterOf(members), items: ["12.2"], in: store)
            let summary = try await runner(store, scale: Self.timedScale).run(campaignID: id)

            #expect(summary.counts == [.delivered: 62])
            #expect(summary.attempts == 62)
            let requests = try fake.requests()
            #expect(requests.count == 62)
            #expect(requests.allSatisfy { $0.accepted })
            #expect(requests.filter(\.violation).isEmpty, "no robot was sent to faster than its platform allows")
            #expect(requests.filter(\.quiet).isEmpty, "no Feishu send at :00 or :30")
            #expect(requests.filter { $0.platform != "wecom" }.allSatisfy { $0.signed })
            #expect(Set(requests.compactMap(\.enterprise)) == Set(members.map(\.name)))
            // The 21st message to a WeCom or DingTalk robot waited for the minute to pass.
            for robot in ["wecom:\(Keys.weCom)", "dingtalk:\(Keys.dingTalk)"] {
                let times = requests.filter { $0.robot == robot }.map(\.vt)
                #expect(times.count == 25)
                #expect(times[20] - times[0] >= 60, "\(robot): 21st after \(times[20] - times[0]) s")
            }
        }
    }

    @Test("a rate-limit answer (45009, 130101, 11232) rests the robot, then the message is sent once")
    func rateLimitCodes() async throws {
        try await FakeRobotPlatform.with(scale: Self.timedScale) { fake in
            let members = [
                Member(name: "微企甲", platform: "企业微信", url: fake.weCom(Keys.weCom)),
                Member(name: "微企乙", platform: "企业微信", url: fake.weCom(Keys.weCom)),
                Member(
                    name: "钉企甲", platform: "钉钉", url: fake.dingTalk(Keys.dingTalk),
                    secret: FakeSecrets.dingTalk(Keys.dingTalk)),
                Member(
                    name: "钉企乙", platform: "钉钉", url: fake.dingTalk(Keys.dingTalk),
                    secret: FakeSecrets.dingTalk(Keys.dingTalk)),
                Member(
                    name: "飞企甲", platform: "飞书", url: fake.feishu(Keys.feishu), secret: FakeSecrets.feishu(Keys.feishu)),
                Member(
                    name: "飞企乙", platform: "飞书", url: fake.feishu(Keys.feishu), secret: FakeSecrets.feishu(Keys.feishu)),
            ]
            try await fake.script(
                robot: "wecom:\(Keys.weCom)", [["body": #"{"errcode":45009,"errmsg":"api freq out of limit"}"#]])
            try await fake.script(
                robot: "dingtalk:\(Keys.dingTalk)",
                [["body": #"{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}"#]])
            try await fake.script(
                robot: "feishu:\(Keys.feishu)", [["body": #"{"code":11232,"msg":"frequency limited"}"#]])
            let store = try SQLiteStorage.inMemory()
            let id = try await storeCampaign(rosterOf(members), items: ["12.2"], in: store)
            let events = EventLog()
            let summary = try await runner(store, scale: Self.timedScale, events: events, pause: 30).run(campaignID: id)

            #expect(summary.counts == [.delivered: 6])
            let requests = try fake.requests()
            for robot in ["wecom:\(Keys.weCom)", "dingtalk:\(Keys.dingTalk)", "feishu:\(Keys.feishu)"] {
                let sent = requests.filter { $0.robot == robot }
                #expect(sent.count == 3, "\(robot): one refusal, then each message once")
                #expect(sent.map(\.accepted) == [false, true, true])
                #expect(
                    sent[0].enterprise == sent[1].enterprise, "the refused message goes first once the rest is over")
                #expect(sent[1].vt - sent[0].vt >= 30, "\(robot) rested \(sent[1].vt - sent[0].vt) s")
            }
            let deliveries = try await store.deliveries(campaignID: id)
            #expect(deliveries.map(\.attempts).sorted() == [1, 1, 1, 2, 2, 2])
            #expect(deliveries.map(\.rateLimited).reduce(0, +) == 3)
            #expect(events.all.filter { $0.kind == .retrying }.count == 3)
            #expect(events.all.contains { $0.detail.contains("errcode 130101: send too fast") })
        }
    }

    @Test(
        "5xx answers and refused connections are retried with backoff; permanent errors fail with the platform's text")
    func failures() async throws {
        try await FakeRobotPlatform.with(scale: 20) { fake in
            let refused = "http://127.0.0.1:\(try closedPort())/cgi-bin/webhook/send?key=nobodyhome"
            let members = [
                Member(name: "五百企", platform: "企业微信", url: fake.weCom("wecom5xx")),
                Member(name: "坏钥企", platform: "企业微信", url: fake.weCom("badkey")),
                Member(name: "签错企", platform: "钉钉", url: fake.dingTalk("dingwrong"), secret: "SECnotthesecret"),
                Member(name: "不通企", platform: "企业微信", url: refused),
            ]
            try await fake.script(
                robot: "wecom:wecom5xx", [["status": 502, "body": "bad gateway"], ["status": 503, "body": ""]])
            let store = try SQLiteStorage.inMemory()
            let id = try await storeCampaign(rosterOf(members), items: ["12.2"], in: store)
            let policy = SendPolicy(
                maxTransientTries: 3,
                backoff: RetryPolicy(maxAttempts: 3, initialBackoff: .seconds(2), maxBackoff: .seconds(60), jitter: 0))
            _ = try await runner(store, scale: 20, policy: policy).run(campaignID: id)

            let byName = Dictionary(
                uniqueKeysWithValues: try await store.deliveries(campaignID: id).map { ($0.enterpriseName, $0) })
            #expect(byName["五百企"]?.state == .delivered)
            #expect(byName["五百企"]?.attempts == 3)
            let fiveHundreds = try fake.requests().filter { $0.robot == "wecom:wecom5xx" }
            #expect(fiveHundreds.map(\.status) == [502, 503, 200])
            #expect(fiveHundreds[1].vt - fiveHundreds[0].vt >= 2, "backed off before the second try")
            #expect(fiveHundreds[2].vt - fiveHundreds[1].vt >= 4, "and longer before the third")

            #expect(byName["坏钥企"]?.state == .failed)
            #expect(byName["坏钥企"]?.attempts == 1)
            #expect(byName["坏钥企"]?.errorCode == 93_000)
            #expect(byName["坏钥企"]?.lastError == "errcode 93000: invalid webhook url")

            #expect(byName["签错企"]?.state == .failed)
            #expect(byName["签错企"]?.lastError == "errcode 310000: sign not match")

            #expect(byName["不通企"]?.state == .failed)
            #expect(byName["不通企"]?.attempts == 3)
            #expect(
                byName["不通企"]?.lastError?.hasPrefix("gave up after 3 tries: Could not exchange data with the server")
                    == true)
            #expect(byName["不通企"]?.lastError?.contains("nobodyhome") == false, "the key in the URL is not in the error")
        }
    }

    @Test("no answer within the timeout makes the message uncertain; a later run does not resend it")
    func timeoutIsUncertain() async throws {
        try await FakeRobotPlatform.with(scale: 20) { fake in
            let members = [
                Member(name: "慢企", platform: "企业微信", url: fake.weCom("wecomslow")),
                Member(name: "快企", platform: "企业微信", url: fake.weCom("wecomfast")),
            ]
            try await fake.script(
                robot: "wecom:wecomslow", [["body": #"{"errcode":0,"errmsg":"ok"}"#, "delay_ms": 2_000]])
            let store = try SQLiteStorage.inMemory()
            let id = try await storeCampaign(rosterOf(members), items: ["12.2"], in: store)
            _ = try await runner(store, scale: 20, timeout: .milliseconds(300)).run(campaignID: id)
            let again = try await runner(store, scale: 20).run(campaignID: id)

            #expect(again.attempts == 0)
            #expect(again.counts == [.uncertain: 1, .delivered: 1])
            #expect(try fake.requests().filter { $0.robot == "wecom:wecomslow" }.count == 1)
            let status = try await CampaignReport.load(campaignID: id, from: store).statusText()
            #expect(status.contains("Uncertain (1)"))
            #expect(status.contains("慢企"))
        }
    }

    @Test("a send left in flight by a killed run is uncertain after restart and never resent; the rest go out")
    func restartAfterKill() async throws {
        try await FakeRobotPlatform.with(scale: 20) { fake in
            let members = (1...4).map { Member(name: "企业\($0)", platform: "企业微信", url: fake.weCom(Keys.weCom)) }
            let store = try SQLiteStorage.inMemory()
            let id = try await storeCampaign(rosterOf(members), items: ["12.2"], in: store)
            // A run marked the first message as sending, then died before recording the answer.
            let first = try #require(try await store.deliveries(campaignID: id).first)
            _ = try await store.claimSend(
                deliveryID: first.id, at: SystemCampaignClock(scale: 20).now(), noRepeatSince: .distantPast)

            let events = EventLog()
            let summary = try await runner(store, scale: 20, events: events).run(campaignID: id)
            #expect(summary.recovered == [first.id])
            #expect(summary.counts == [.uncertain: 1, .delivered: 3])
            #expect(Set(try fake.requests().compactMap(\.enterprise)) == ["企业2", "企业3", "企业4"])
            #expect(events.all.first?.kind == .recovered)
        }
    }

    @Test("two campaigns planned before either ran: the second skips what the first delivered")
    func noRepeatAcrossCampaigns() async throws {
        try await FakeRobotPlatform.with(scale: 20) { fake in
            let members = (1...3).map { Member(name: "企业\($0)", platform: "企业微信", url: fake.weCom(Keys.weCom)) }
            let store = try SQLiteStorage.inMemory()
            let first = try await storeCampaign(rosterOf(members), items: ["12.2"], in: store)
            let second = try await storeCampaign(rosterOf(members), items: ["12.2"], in: store)
            _ = try await runner(store, scale: 20).run(campaignID: first)
            let summary = try await runner(store, scale: 20).run(campaignID: second)
            #expect(summary.counts == [.skipped: 3])
            #expect(try fake.requests().count == 3)
        }
    }

    @Test("the transport really runs its transfers at once: all eight arrive before the first is answered")
    func transportConcurrency() async throws {
        try await FakeRobotPlatform.with(latency: 1000...1000) { fake in
            let transport = CurlTransport(configuration: .init(maxConcurrentTransfers: 8))
            let body = Data(#"{"msgtype":"text","text":{"content":"x"}}"#.utf8)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<8 {
                    group.addTask { _ = try await transport.send(.postJSON(url: fake.weCom("k\(i)"), body: body)) }
                }
                try await group.waitForAll()
            }
            // The fake answers each request a second after it arrives; a transport running two
            // at a time (the number of cores here) could not send the third before then.
            let arrivals = try fake.requests().map(\.t)
            #expect(arrivals.count == 8)
            #expect(arrivals.max()! - arrivals.min()! < 1.0, "\(arrivals)")
        }
    }

    @Test("robot keys and secrets appear in no event, status or report")
    func noSecretsInOutput() async throws {
        try await FakeRobotPlatform.with(scale: 20) { fake in
            let members = [
                Member(name: "微企", platform: "企业微信", url: fake.weCom("badwecomSECRETKEY1")),
                Member(
                    name: "钉企", platform: "钉钉", url: fake.dingTalk(Keys.dingTalk),
                    secret: FakeSecrets.dingTalk(Keys.dingTalk)),
                Member(
                    name: "飞企", platform: "飞书", url: fake.feishu(Keys.feishu), secret: FakeSecrets.feishu(Keys.feishu)),
            ]
            let store = try SQLiteStorage.inMemory()
            let id = try await storeCampaign(rosterOf(members), items: ["12.2"], in: store)
            let events = EventLog()
            _ = try await runner(store, scale: 20, events: events).run(campaignID: id)
            let report = try await CampaignReport.load(campaignID: id, from: store)
            let outputs = events.all.map(\.description) + [report.statusText(), report.csv(), report.html(generatedAt: Date())]
            for secret in ["badwecomSECRETKEY1", Keys.dingTalk, Keys.feishu, FakeSecrets.dingTalk(Keys.dingTalk)] {
                #expect(!outputs.contains { $0.contains(secret) }, "\(secret) leaked")
            }
            #expect(report.failed.count == 1, "the bad key fails, with its error shown without the key")
        }
    }
}
