import Channels
import Foundation
import TestSupport
import Testing

/// ``RetryPolicy``: which failures are retried, how long it waits, and against a live server.
@Suite("RetryPolicy")
struct OutboundRetryPolicyTests {
    /// Fast enough for tests, still exercising the sleeping path.
    static let quick = RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(50))

    /// A clock for the waits between tries that moves as soon as the one caller sleeps on it.
    static func clock() -> ManualClock {
        ManualClock(Date(timeIntervalSince1970: 1_732_500_000), participants: 1)
    }

    /// The waits slept on `clock`, in seconds.
    static func waits(_ clock: ManualClock) -> [TimeInterval] {
        let start = Date(timeIntervalSince1970: 1_732_500_000)
        return zip([start] + clock.wakeups, clock.wakeups).map { $1.timeIntervalSince($0) }
    }

    @Test(
        "Backoff doubles from the initial delay and stops at the cap",
        arguments: [(1, 100), (2, 200), (3, 400), (4, 800), (5, 1_000), (9, 1_000)])
    func backoffWithoutJitter(_ retry: Int, _ expectedMilliseconds: Int) {
        let policy = RetryPolicy(initialBackoff: .milliseconds(100), maxBackoff: .seconds(1), jitter: 0)
        #expect(policy.backoff(beforeRetry: retry, random: 0.7) == .milliseconds(expectedMilliseconds))
    }

    @Test("Jitter takes off at most its fraction of the delay", arguments: [0.0, 0.25, 0.5, 0.999])
    func jitterBounds(_ random: Double) {
        let policy = RetryPolicy(initialBackoff: .milliseconds(400), maxBackoff: .seconds(5), jitter: 0.5)
        let delay = policy.backoff(beforeRetry: 1, random: random)
        #expect(delay <= .milliseconds(400))
        #expect(delay >= .milliseconds(200))
        #expect(delay == .nanoseconds(Int64((400_000_000 * (1 - 0.5 * random)).rounded())))
    }

    @Test(
        "Timeouts, connection failures, 5xx and rate limits retry; 4xx and bad URLs do not",
        arguments: [
            (Result<OutboundResponse, TransportError>.failure(.timeout), true),
            (.failure(.connectionFailed("refused")), true),
            (.failure(.invalidURL), false),
            (.failure(.other(code: 60, message: "certificate")), false),
            (.success(OutboundResponse(status: 500)), true),
            (.success(OutboundResponse(status: 503)), true),
            (.success(OutboundResponse(status: 429)), true),
            (.success(OutboundResponse(status: 400)), false),
            (.success(OutboundResponse(status: 404)), false),
            (.success(OutboundResponse(status: 200)), false),
        ])
    func classification(_ outcome: Result<OutboundResponse, TransportError>, _ retries: Bool) {
        #expect(RetryPolicy.standard.shouldRetry(outcome) == retries)
    }

    @Test("A caller's rule can make a 200 with a platform code a rate limit")
    func jsonCodeRule() {
        let policy = RetryPolicy(rateLimitRules: [.jsonCode("errcode", in: [45_009])])
        #expect(policy.shouldRetry(.success(OutboundResponse(status: 200, body: Data(#"{"errcode":45009}"#.utf8)))))
        #expect(!policy.shouldRetry(.success(OutboundResponse(status: 200, body: Data(#"{"errcode":0}"#.utf8)))))
        #expect(!policy.shouldRetry(.success(OutboundResponse(status: 429))))
    }

    @Test("503 twice then 200: three requests, success returned")
    func retriesServerErrorsUntilSuccess() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            platform.script("/echo", [.init(status: 503), .init(status: 503)])
            let clock = Self.clock()
            let response = try await Self.quick.send(
                OutboundRequest(url: platform.baseURL + "/echo"), through: CurlTransport(), clock: clock.swiftClock)
            #expect(response.status == 200)
            #expect(platform.requests(pathPrefix: "/echo").count == 3)
            // 20 ms then 40 ms, each up to half jittered away, slept on the clock.
            let waits = Self.waits(clock)
            #expect(waits.count == 2)
            #expect(waits.first.map { (0.0099...0.0201).contains($0) } == true, "\(waits)")
            #expect(waits.last.map { (0.0199...0.0401).contains($0) } == true, "\(waits)")
        }
    }

    @Test("400 is final: one request, the answer returned as is")
    func doesNotRetryClientErrors() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            platform.script("/echo", [.init(status: 400, body: "bad")])
            let clock = Self.clock()
            let response = try await Self.quick.send(
                OutboundRequest(url: platform.baseURL + "/echo"), through: CurlTransport(), clock: clock.swiftClock)
            #expect(response.status == 400)
            #expect(platform.requests(pathPrefix: "/echo").count == 1)
            #expect(clock.wakeups.isEmpty, "no wait before a final answer")
        }
    }

    @Test("Attempts are bounded: persistent 503 gives up after maxAttempts with the last answer")
    func givesUp() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            platform.script("/echo", Array(repeating: .init(status: 503, body: "still down"), count: 5))
            let clock = Self.clock()
            let response = try await Self.quick.send(
                OutboundRequest(url: platform.baseURL + "/echo"), through: CurlTransport(), clock: clock.swiftClock)
            #expect(response.status == 503)
            #expect(String(decoding: response.body, as: UTF8.self) == "still down")
            #expect(platform.requests(pathPrefix: "/echo").count == 3)
            #expect(clock.wakeups.count == 2, "two waits between three tries, none after the last")
        }
    }

    @Test("A timed-out try is retried and the next one succeeds")
    func retriesTimeouts() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            // The first answer would take half a minute (the fake drops it when the test ends);
            // libcurl gives up on it after three seconds of real time, ample for the second try.
            platform.script("/echo", [.init(delay: .seconds(30))])
            let response = try await Self.quick.send(
                OutboundRequest(url: platform.baseURL + "/echo", timeout: .seconds(3)), through: CurlTransport(),
                clock: Self.clock().swiftClock)
            #expect(response.status == 200)
            #expect(platform.requests(pathPrefix: "/echo").count == 2)
        }
    }

    @Test("Retry-After on a 429 is honoured, capped by maxBackoff")
    func honoursRetryAfter() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            platform.script("/echo", [.init(status: 429, headers: [("Retry-After", "1")])])
            let policy = RetryPolicy(maxAttempts: 2, initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(600))
            let clock = Self.clock()
            let response = try await policy.send(
                OutboundRequest(url: platform.baseURL + "/echo"), through: CurlTransport(), clock: clock.swiftClock)
            #expect(response.status == 200)
            #expect(platform.requests(pathPrefix: "/echo").count == 2)
            // The server asked for 1 s; the policy waited its cap of 600 ms, to the microsecond.
            let waits = Self.waits(clock)
            #expect(waits.count == 1)
            #expect(waits.first.map { abs($0 - 0.6) < 1e-6 } == true, "\(waits)")
        }
    }

    @Test("The wait before a retry is the longer of the backoff and Retry-After, capped by maxBackoff")
    func retryAfterDelay() {
        let policy = RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(600))
        func after(_ retryAfter: String?) -> Result<OutboundResponse, TransportError> {
            .success(OutboundResponse(status: 429, headers: retryAfter.map { [("Retry-After", $0)] } ?? []))
        }
        #expect(policy.delay(beforeRetry: 1, after: after("1"), random: 0) == .milliseconds(600))
        #expect(policy.delay(beforeRetry: 1, after: after("0"), random: 0) == .milliseconds(10))
        #expect(policy.delay(beforeRetry: 1, after: after(nil), random: 0) == .milliseconds(10))
        #expect(policy.delay(beforeRetry: 1, after: .failure(.timeout), random: 0) == .milliseconds(10))
    }
}
