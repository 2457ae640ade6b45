import Channels
import Foundation
import Outreach
import OutreachModel
import Storage
import Testing

/// A moment well away from Feishu's quiet periods: 2025-10-09 12:10:00 UTC.
private let t0 = Date(timeIntervalSince1970: 1_760_011_800)

private func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

@Suite("rate limits: token buckets and throttles with an injected clock")
struct RateLimitTests {
    @Test("a bucket lets a full burst through, then one send per returning token")
    func burstThenRefill() {
        var bucket = TokenBucket(capacity: 20, refill: 62)
        for i in 0..<20 {
            #expect(bucket.available(at: at(Double(i) * 0.1)) == at(Double(i) * 0.1))
            bucket.spend(at: at(Double(i) * 0.1))
        }
        // The 21st waits until the first token comes back, 62 s after it was spent.
        #expect(bucket.available(at: at(2)) == at(62))
        #expect(bucket.tokens(at: at(2)) == 0)
        bucket.spend(at: at(62))
        #expect(bucket.available(at: at(62)) == at(62.1))
        #expect(bucket.tokens(at: at(70)) == 19, "only the token spent at 62 s is still out")
    }

    @Test("never more than N sends in any window, whatever the pattern of sends")
    func slidingWindowHolds() {
        var bucket = TokenBucket(capacity: 20, refill: 60)
        var sends: [Date] = []
        var clock = t0
        var random = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            clock = bucket.available(at: clock.addingTimeInterval(Double.random(in: 0...5, using: &random)))
            bucket.spend(at: clock)
            sends.append(clock)
        }
        for (i, start) in sends.enumerated() {
            let inWindow = sends[i...].prefix { $0 < start.addingTimeInterval(60) }.count
            #expect(inWindow <= 20)
        }
    }

    @Test("sends counted after a restart fill the bucket in time order, even when added out of order")
    func seededOutOfOrder() {
        var bucket = TokenBucket(capacity: 2, refill: 60)
        bucket.spend(at: at(10))
        bucket.spend(at: at(0))
        #expect(bucket.available(at: at(20)) == at(60))
    }

    @Test("WeCom and DingTalk allow 20 in any 62 s; DingTalk rests 605 s after a refusal")
    func weComAndDingTalkLimits() {
        #expect(RobotLimits.weCom.windows == [.init(count: 20, seconds: 62)])
        #expect(RobotLimits.dingTalk.windows == [.init(count: 20, seconds: 62)])
        #expect(RobotLimits.dingTalk.rateLimitPause == 605)
        var throttle = RobotThrottle(limits: .dingTalk)
        for i in 0..<20 { throttle.recordSend(at: at(Double(i))) }
        #expect(throttle.earliestSend(at: at(20)) == at(62))
    }

    @Test("Feishu allows 5 in any 1.2 s and 100 in any 62 s")
    func feishuLimits() {
        var throttle = RobotThrottle(limits: .feishu)
        var sent: [Date] = []
        var clock = t0
        while sent.count < 101 {
            clock = throttle.earliestSend(at: clock)
            throttle.recordSend(at: clock)
            sent.append(clock)
        }
        #expect(sent[4] == t0)
        #expect(sent[5] == at(1.2))
        #expect(sent[99].timeIntervalSince(t0) < 62)
        #expect(sent[100] == at(62), "the 101st waits for the minute window")
    }

    @Test(
        "Feishu sends stay out of the moments around :00 and :30",
        arguments: [
            // 12:29:45 UTC is 15 s before :30 → wait until 12:30:40.
            (Date(timeIntervalSince1970: 1_760_013_000 - 15), Date(timeIntervalSince1970: 1_760_013_000 + 40)),
            // 13:00:10 → 13:00:40.
            (Date(timeIntervalSince1970: 1_760_014_800 + 10), Date(timeIntervalSince1970: 1_760_014_800 + 40)),
            // 13:10:00 is clear.
            (Date(timeIntervalSince1970: 1_760_015_400), Date(timeIntervalSince1970: 1_760_015_400)),
        ])
    func quietPeriods(now: Date, expected: Date) {
        #expect(RobotThrottle(limits: .feishu).earliestSend(at: now) == expected)
        #expect(RobotThrottle(limits: .weCom).earliestSend(at: now) == now, "only Feishu has quiet periods")
    }

    @Test("a rest imposed by a rate-limit answer holds back every send of the robot")
    func pause() {
        var throttle = RobotThrottle(limits: .weCom)
        throttle.pause(until: at(65))
        throttle.pause(until: at(30))
        #expect(throttle.earliestSend(at: at(1)) == at(65), "a shorter rest does not shorten a longer one")
    }

    @Test("each platform's rate-limit code rests the robot, then the message is tried again")
    func rateLimitAnswers() {
        let policy = SendPolicy()
        for (code, limits, rest) in [
            (45_009, RobotLimits.weCom, 65.0), (130_101, .dingTalk, 605), (11_232, .feishu, 65),
        ] {
            let (outcome, pause) = policy.outcome(
                for: .rateLimited(code: code, message: "too fast", retryAfter: nil), timedOut: false, attempt: 1,
                rateLimitedBefore: 0, limits: limits, now: t0, random: 0)
            #expect(pause == at(rest))
            #expect(
                outcome
                    == .retry(
                        at: at(rest), rateLimited: true, code: code, detail: "rate limited: errcode \(code): too fast"))
        }
    }

    @Test("a Retry-After longer than the usual rest is honoured")
    func retryAfter() {
        let (_, pause) = SendPolicy().outcome(
            for: .rateLimited(code: nil, message: "HTTP 429", retryAfter: .seconds(300)), timedOut: false, attempt: 1,
            rateLimitedBefore: 0, limits: .weCom, now: t0, random: 0)
        #expect(pause == at(300))
    }

    @Test("transient failures back off exponentially, then fail with the last error")
    func transientBackoff() {
        let policy = SendPolicy(maxTransientTries: 4)
        let delays = (1...3).map { attempt -> TimeInterval in
            let outcome = policy.outcome(
                for: .transientFailure("HTTP 502"), timedOut: false, attempt: attempt, rateLimitedBefore: 0,
                limits: .weCom, now: t0, random: 0
            ).outcome
            guard case .retry(let next, rateLimited: false, code: nil, detail: "HTTP 502") = outcome else { return -1 }
            return next.timeIntervalSince(t0)
        }
        #expect(delays == [2, 4, 8])
        let last = policy.outcome(
            for: .transientFailure("HTTP 502"), timedOut: false, attempt: 4, rateLimitedBefore: 0, limits: .weCom,
            now: t0,
            random: 0)
        #expect(last.outcome == .failed(code: nil, detail: "gave up after 4 tries: HTTP 502"))
    }

    @Test("rate-limit answers do not use up the tries for transient failures")
    func separateBudgets() {
        let outcome = SendPolicy(maxTransientTries: 2).outcome(
            for: .transientFailure("HTTP 503"), timedOut: false, attempt: 3, rateLimitedBefore: 2, limits: .weCom,
            now: t0,
            random: 0
        ).outcome
        guard case .retry = outcome else {
            Issue.record("expected a retry, got \(outcome)")
            return
        }
    }

    @Test("no answer within the timeout is uncertain, never retried")
    func timeoutIsUncertain() {
        let outcome = SendPolicy().outcome(
            for: .transientFailure("timed out"), timedOut: true, attempt: 1, rateLimitedBefore: 0, limits: .weCom,
            now: t0,
            random: 0
        ).outcome
        guard case .uncertain = outcome else {
            Issue.record("expected uncertain, got \(outcome)")
            return
        }
    }

    @Test("a permanent failure keeps the platform's own text")
    func permanentText() {
        let outcome = SendPolicy().outcome(
            for: .permanentFailure(code: 310_000, message: "sign not match"), timedOut: false, attempt: 1,
            rateLimitedBefore: 0, limits: .dingTalk, now: t0, random: 0
        ).outcome
        #expect(outcome == .failed(code: 310_000, detail: "errcode 310000: sign not match"))
    }
}
