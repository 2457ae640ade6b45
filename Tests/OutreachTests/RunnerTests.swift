import Channels
import Foundation
import Outreach
import OutreachModel
import Storage
import Synchronization
import TestSupport
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

/// Runs the campaign on `clock` (see ``run(_:in:on:_:)``), sending through a real libcurl transport.
private func send(
    _ campaignID: Int64, in store: SQLiteStorage, on clock: ManualClock, events: EventLog = EventLog(),
    timeout: Duration = .seconds(5), policy: SendPolicy = SendPolicy(), pause: TimeInterval? = nil
) async throws -> CampaignRunner.Summary {
    try await run(campaignID, in: store, on: clock) { onEvent in
        CampaignRunner(
            store: store, transport: CurlTransport(configuration: .init(maxConcurrentTransfers: 8)),
            clock: clock,
            configuration: .init(
                maxInFlight: 8, requestTimeout: timeout, policy: policy,
                limits: { platform in
                    var limits = RobotLimits.of(platform)
                    if let pause { limits.rateLimitPause = pause }
                    return limits
                }),
            onEvent: { event in
                events.record(event)
                onEvent(event)
            })
    }
}

/// 2025-10-09 12:10:00 UTC: well away from Feishu's quiet periods.
private let clear = Date(timeIntervalSince1970: 1_760_011_800)
/// 2025-10-09 12:30:00 UTC: a half hour, when Feishu throttles.
private let halfHour = Date(timeIntervalSince1970: 1_760_013_000)

/// Distinctive robot keys, so that a test can search every output for them.
private enum Keys {
    static let weCom = "wecomkeyAAAA1111"
    static let dingTalk = "dingtokenBBBB2222"
    static let feishu = "feishuhookCCCC3333"
}

// A lane count that did not match the runner's would leave the clock waiting for a sleeper that
// never comes: the limit turns that into a failure instead of a hang.
@Suite("sending against a local fake platform", .timeLimit(.minutes(2)))
struct RunnerTests {
    @Test("every message arrives once, signed where the platform needs it, and no robot goes past its limit")
    func withinLimits() async throws {
        // Starts 22 s before the half hour: Feishu's third burst falls in its quiet period.
        let clock = ManualClock(halfHour.addingTimeInterval(-22))
        try await FakePlatform.with(.campaign(clock)) { fake in
            var members: [Member] = []
            for i in 1...25 { members.append(Member(name: "微企\(i)", platform: "企业微信", url: fake.weCom(Keys.weCom))) }
            for i in 1...25 {
                members.append(
                    Member(
                        name: "钉企\(i)", platform: "钉钉", url: fake.dingTalk(Keys.dingTalk),
                        secret: FakePlatform.Robots.dingTalkSecret(Keys.dingTalk)))
            }
            for i in 1...12 {
                members.append(
                    Member(
                        name: "飞企\(i)", platform: "飞书", url: fake.feishu(Keys.feishu),
                        secret: FakePlatform.Robots.feishuSecret(Keys.feishu)))
            }
            let store = try SQLiteStorage.inMemory()
            let id = try await storeCampaign(rosterOf(members), items: ["12.2"], in: store, now: clock.now())
            let start = clock.now()
            let summary = try await send(id, in: store, on: clock)

            #expect(summary.counts == [.delivered: 62])
            #expect(summary.attempts == 62)
            let requests = fake.requests()
            #expect(requests.count == 62)
            #expect(requests.allSatisfy { $0.accepted })
            #expect(requests.filter(\.violation).isEmpty, "no robot was sent to faster than its platform allows")
            #expect(requests.filter(\.quiet).isEmpty, "no Feishu send at :00 or :30")
            #expect(requests.filter { $0.platform != .wecom }.allSatisfy { $0.signed })
            #expect(Set(requests.compactMap(\.enterprise)) == Set(members.map(\.name)))
            // The 21st message to a WeCom or DingTalk robot waited for the minute to pass: the
            // platform's 60 s, and exactly the runner's window of 62 s on a clock that stands still
            // while a request travels.
            let limited = [("wecom:\(Keys.weCom)", RobotLimits.weCom), ("dingtalk:\(Keys.dingTalk)", .dingTalk)]
            for (robot, limits) in limited {
                let times = fake.requests(robot: robot).map(\.at)
                #expect(times.count == 25)
                #expect(times[..<20].allSatisfy { $0 == start }, "\(robot): the first 20 go at once")
                let wait = times[20].timeIntervalSince(times[0])
                #expect(wait >= 60, "\(robot): 21st after \(wait) s")
                #expect(wait == limits.windows[0].seconds, "\(robot): 21st after \(wait) s")
            }
            // Feishu: two bursts of five before the quiet period, the rest once it is over.
            let quiet = try #require(RobotLimits.feishu.quietPeriods)
            let feishu = fake.requests(robot: "feishu:\(Keys.feishu)").map(\.at)
            #expect(feishu.count == 12)
            #expect(feishu[..<10].allSatisfy { $0 < halfHour.addingTimeInterval(-quiet.before) })
            #expect(feishu[10...].allSatisfy { $0 == halfHour.addingTimeInterval(quiet.after) })
        }
    }

    @Test("a rate-limit answer (45009, 130101, 11232) rests the robot, then the message is sent once")
    func rateLimitCodes() async throws {
        let clock = ManualClock(clear)
        try await FakePlatform.with(.campaign(clock)) { fake in
            let members = [
                Member(name: "微企甲", platform: "企业微信", url: fake.weCom(Keys.weCom)),
                Member(name: "微企乙", platform: "企业微信", url: fake.weCom(Keys.weCom)),
                Member(
                    name: "钉企甲", platform: "钉钉", url: fake.dingTalk(Keys.dingTalk),
                    secret: FakePlatform.Robots.dingTalkSecret(Keys.dingTalk)),
                Member(
                    name: "钉企乙", platform: "钉钉", url: fake.dingTalk(Keys.dingTalk),
                    secret: FakePlatform.Robots.dingTalkSecret(Keys.dingTalk)),
                Member(
                    name: "飞企甲", platform: "飞书", url: fake.feishu(Keys.feishu),
                    secret: FakePlatform.Robots.feishuSecret(Keys.feishu)),
                Member(
                    name: "飞企乙", platform: "飞书", url: fake.feishu(Keys.feishu),
                    secret: FakePlatform.Robots.feishuSecret(Keys.feishu)),
            ]
            fake.script(
                robot: "wecom:\(Keys.weCom)", [.init(body: #"{"errcode":45009,"errmsg":"api freq out of limit"}"#)])
            fake.script(
                robot: "dingtalk:\(Keys.dingTalk)",
                [.init(body: #"{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}"#)])
            fake.script(robot: "feishu:\(Keys.feishu)", [.init(body: #"{"code":11232,"msg":"frequency limited"}"#)])
            let store = try SQLiteStorage.inMemory()
            let id = try await storeCampaign(rosterOf(members), items: ["12.2"], in: store, now: clock.now())
            let events = EventLog()
            let summary = try await send(id, in: store, on: clock, events: events, pause: 30)

            #expect(summary.counts == [.delivered: 6])
            for robot in ["wecom:\(Keys.weCom)", "dingtalk:\(Keys.dingTalk)", "feishu:\(Keys.feishu)"] {
                let sent = fake.requests(robot: robot)
                #expect(sent.count == 3, "\(robot): one refusal, then each message once")
                #expect(sent.map(\.accepted) == [false, true, true])
                #expect(
                    sent[0].enterprise == sent[1].enterprise, "the refused message goes first once the rest is over")
                let rest = sent[1].at.timeIntervalSince(sent[0].at)
                #expect(rest >= 30, "\(robot) rested \(rest) s")
                #expect(rest == 30, "\(robot) rested \(rest) s, not just the 30 s asked")
            }
            let deliveries = try await store.deliveries(campaignID: id)
            #expect(deliveries.map(\.attempts).sorted() == [1, 1, 1, 2, 2, 2])
            #expect(deliveries.map(\.rateLimited).reduce(0, +) == 3)
            #expect(events.all.filter { $0.kind == .retrying }.count == 3)
            #expect(events.all.contains { $0.detail.contains("errcode 130101: send too fast") })
        }
    }

    @Test("the fake refuses the 21st DingTalk post within a minute and blocks the robot for ten minutes of clock time")
    func dingTalkBlockIsHonoured() async throws {
        // The fake's limit, checked directly: the 21st post within a minute is refused, and so is
        // every post of the next ten minutes, while the clock says so.
        let clock = ManualClock(clear)
        try await FakePlatform.with(.campaign(clock)) { fake in
            let sender = RobotWebhookSender(transport: CurlTransport(), timeout: .seconds(5))
            let robot = RobotWebhook.dingTalk(
                url: fake.dingTalk(Keys.dingTalk), secret: FakePlatform.Robots.dingTalkSecret(Keys.dingTalk))
            for _ in 0..<20 { #expect(await sender.send(.text("x"), to: robot) == .delivered) }
            guard case .rateLimited(code: 130_101?, _, _) = await sender.send(.text("x"), to: robot) else {
                Issue.record("the 21st post within a minute was not refused")
                return
            }
            clock.advance(by: 120)
            guard case .rateLimited(code: 130_101?, _, _) = await sender.send(.text("x"), to: robot) else {
                Issue.record("the robot was not blocked")
                return
            }
            clock.advance(by: 600)
            #expect(await sender.send(.text("x"), to: robot) == .delivered)
            #expect(fake.requests().map(\.violation) == Array(repeating: false, count: 20) + [true, false, false])
        }
    }

    @Test(
        "5xx answers and refused connections are retried with backoff; permanent errors fail with the platform's text")
    func failures() async throws {
        let clock = ManualClock(clear)
        try await FakePlatform.with(.campaign(clock)) { fake in
            let refused = "http://127.0.0.1:\(try closedPort())/cgi-bin/webhook/send?key=nobodyhome"
            let members = [
                Member(name: "五百企", platform: "企业微信", url: fake.weCom("wecom5xx")),
                Member(name: "坏钥企", platform: "企业微信", url: fake.weCom("badkey")),
                Member(name: "签错企", platform: "钉钉", url: fake.dingTalk("dingwrong"), secret: "SECnotthesecret"),
                Member(name: "不通企", platform: "企业微信", url: refused),
            ]
            fake.script(robot: "wecom:wecom5xx", [.init(status: 502, body: "bad gateway"), .init(status: 503)])
            let store = try SQLiteStorage.inMemory()
            let id = try await storeCampaign(rosterOf(members), items: ["12.2"], in: store, now: clock.now())
            let policy = SendPolicy(
                maxTransientTries: 3,
                backoff: RetryPolicy(maxAttempts: 3, initialBackoff: .seconds(2), maxBackoff: .seconds(60), jitter: 0))
            _ = try await send(id, in: store, on: clock, policy: policy)

            let byName = Dictionary(
                uniqueKeysWithValues: try await store.deliveries(campaignID: id).map { ($0.enterpriseName, $0) })
            #expect(byName["五百企"]?.state == .delivered)
            #expect(byName["五百企"]?.attempts == 3)
            let fiveHundreds = fake.requests(robot: "wecom:wecom5xx")
            #expect(fiveHundreds.map(\.status) == [502, 503, 200])
            #expect(fiveHundreds[1].at.timeIntervalSince(fiveHundreds[0].at) == 2, "backed off 2 s before try 2")
            #expect(fiveHundreds[2].at.timeIntervalSince(fiveHundreds[1].at) == 4, "and 4 s before the third")

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
        let clock = ManualClock(clear)
        try await FakePlatform.with(.campaign(clock)) { fake in
            let members = [
                Member(name: "慢企", platform: "企业微信", url: fake.weCom("wecomslow")),
                Member(name: "快企", platform: "企业微信", url: fake.weCom("wecomfast")),
            ]
            // libcurl's timeout is real time: three seconds, ample for the fast robot on a busy
            // machine, against an answer that would take a minute (the fake drops it when the test ends).
            fake.script(robot: "wecom:wecomslow", [.init(body: #"{"errcode":0,"errmsg":"ok"}"#, delay: .seconds(60))])
            let store = try SQLiteStorage.inMemory()
            let id = try await storeCampaign(rosterOf(members), items: ["12.2"], in: store, now: clock.now())
            _ = try await send(id, in: store, on: clock, timeout: .seconds(3))
            let again = try await send(id, in: store, on: clock)

            #expect(again.attempts == 0)
            #expect(again.counts == [.uncertain: 1, .delivered: 1])
            #expect(fake.requests(robot: "wecom:wecomslow").count == 1)
            let status = try await CampaignReport.load(campaignID: id, from: store).statusText()
            #expect(status.contains("结果不确定（1 条）"))
            #expect(status.contains("慢企"))
        }
    }

    @Test("a send left in flight by a killed run is uncertain after restart and never resent; the rest go out")
    func restartAfterKill() async throws {
        let clock = ManualClock(clear)
        try await FakePlatform.with(.campaign(clock)) { fake in
            let members = (1...4).map { Member(name: "企业\($0)", platform: "企业微信", url: fake.weCom(Keys.weCom)) }
            let store = try SQLiteStorage.inMemory()
            let id = try await storeCampaign(rosterOf(members), items: ["12.2"], in: store, now: clock.now())
            // A run marked the first message as sending, then died before recording the answer.
            let first = try #require(try await store.deliveries(campaignID: id).first)
            _ = try await store.claimSend(deliveryID: first.id, at: clock.now(), noRepeatSince: .distantPast)

            let events = EventLog()
            let summary = try await send(id, in: store, on: clock, events: events)
            #expect(summary.recovered == [first.id])
            #expect(summary.counts == [.uncertain: 1, .delivered: 3])
            #expect(Set(fake.requests().compactMap(\.enterprise)) == ["企业2", "企业3", "企业4"])
            #expect(events.all.first?.kind == .recovered)
        }
    }

    @Test("a run stopped part-way lets the call in flight finish and still reports the calls it made")
    func stoppedRunCountsItsCalls() async throws {
        try await FakePlatform.with { fake in
            let members = (1...3).map { Member(name: "停企\($0)", platform: "企业微信", url: fake.weCom("wecomstop")) }
            // Every answer is slow, so the stop comes while a call is in flight, however late the
            // test sees the first one arrive on a busy machine.
            let slow = FakePlatform.Reply(body: #"{"errcode":0,"errmsg":"ok"}"#, delay: .seconds(2))
            fake.script(robot: "wecom:wecomstop", [slow, slow, slow])
            let store = try SQLiteStorage.inMemory()
            let id = try await storeCampaign(rosterOf(members), items: ["12.2"], in: store)
            let runner = CampaignRunner(
                store: store, transport: CurlTransport(), clock: SystemCampaignClock(),
                configuration: .init(maxInFlight: 4, requestTimeout: .seconds(10)), onEvent: { _ in })
            let task = Task { try await runner.run(campaignID: id) }
            let sending = try await eventually(timeout: .seconds(60)) { !fake.requests().isEmpty }
            try #require(sending, "the run made no call")
            task.cancel()
            let summary = try await task.value
            let calls = fake.requests().count
            #expect(summary.stopped)
            #expect(calls < 3, "the stop came before the last call")
            #expect(summary.attempts == calls, "every call made before the stop is counted")
            // The call in flight at the stop finished: every call the platform took is delivered.
            #expect(summary.counts == [.delivered: calls, .planned: 3 - calls])
        }
    }

    @Test("two campaigns planned before either ran: the second skips what the first delivered")
    func noRepeatAcrossCampaigns() async throws {
        let clock = ManualClock(clear)
        try await FakePlatform.with(.campaign(clock)) { fake in
            let members = (1...3).map { Member(name: "企业\($0)", platform: "企业微信", url: fake.weCom(Keys.weCom)) }
            let store = try SQLiteStorage.inMemory()
            let first = try await storeCampaign(rosterOf(members), items: ["12.2"], in: store, now: clock.now())
            let second = try await storeCampaign(rosterOf(members), items: ["12.2"], in: store, now: clock.now())
            _ = try await send(first, in: store, on: clock)
            let summary = try await send(second, in: store, on: clock)
            #expect(summary.counts == [.skipped: 3])
            #expect(fake.requests().count == 3)
        }
    }

    @Test("the transport really runs its transfers at once: all eight arrive before the first is answered")
    func transportConcurrency() async throws {
        // Real time: what is measured is libcurl's concurrency.
        try await FakePlatform.with(.campaign(latency: 1_500...1_500)) { fake in
            let transport = CurlTransport(configuration: .init(maxConcurrentTransfers: 8))
            let body = Data(#"{"msgtype":"text","text":{"content":"x"}}"#.utf8)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<8 {
                    group.addTask { _ = try await transport.send(.postJSON(url: fake.weCom("k\(i)"), body: body)) }
                }
                try await group.waitForAll()
            }
            // The fake answers each request 1.5 s after it arrives; a transport running two at a
            // time (the number of cores here) could not send the third before then.
            let arrivals = fake.requests().map(\.arrival)
            #expect(arrivals.count == 8)
            #expect(arrivals.max()! - arrivals.min()! < .milliseconds(1_500), "\(arrivals)")
        }
    }

    @Test("robot keys and secrets appear in no event, status or report")
    func noSecretsInOutput() async throws {
        let clock = ManualClock(clear)
        try await FakePlatform.with(.campaign(clock)) { fake in
            let members = [
                Member(name: "微企", platform: "企业微信", url: fake.weCom("badwecomSECRETKEY1")),
                Member(
                    name: "钉企", platform: "钉钉", url: fake.dingTalk(Keys.dingTalk),
                    secret: FakePlatform.Robots.dingTalkSecret(Keys.dingTalk)),
                Member(
                    name: "飞企", platform: "飞书", url: fake.feishu(Keys.feishu),
                    secret: FakePlatform.Robots.feishuSecret(Keys.feishu)),
            ]
            let store = try SQLiteStorage.inMemory()
            let id = try await storeCampaign(rosterOf(members), items: ["12.2"], in: store, now: clock.now())
            let events = EventLog()
            _ = try await send(id, in: store, on: clock, events: events)
            let report = try await CampaignReport.load(campaignID: id, from: store)
            let outputs =
                events.all.map(\.description)
                + [report.statusText(), report.csv(), report.html(generatedAt: clock.now())]
            for secret in [
                "badwecomSECRETKEY1", Keys.dingTalk, Keys.feishu, FakePlatform.Robots.dingTalkSecret(Keys.dingTalk),
            ] {
                #expect(!outputs.contains { $0.contains(secret) }, "\(secret) leaked")
            }
            #expect(report.failed.count == 1, "the bad key fails, with its error shown without the key")
        }
    }
}
