import Foundation

/// When and how often to repeat a request that failed for a reason that may pass.
///
/// Retried: timeouts, connection failures, 5xx answers, and answers that a caller-supplied
/// ``RateLimitRule`` recognises (HTTP 429 by default; platforms also signal limits in their
/// JSON bodies). Everything else, notably 4xx, is final: repeating it cannot help.
/// Delays grow exponentially from ``initialBackoff`` up to ``maxBackoff`` and are jittered
/// so that many callers that failed together do not retry in lockstep.
public struct RetryPolicy: Sendable {
    /// Total tries including the first; 1 disables retrying.
    public var maxAttempts: Int
    /// The delay before the first retry, before jitter.
    public var initialBackoff: Duration
    /// The cap for any single delay, also applied to a server's `Retry-After`.
    public var maxBackoff: Duration
    /// The factor by which the delay grows after each retry.
    public var multiplier: Double
    /// The fraction (0…1) of each delay that is randomised: 0.5 waits between half and all of it.
    public var jitter: Double
    /// Answers that mean "too many requests, try later".
    public var rateLimitRules: [RateLimitRule]

    /// Creates a policy.
    public init(
        maxAttempts: Int = 3,
        initialBackoff: Duration = .milliseconds(200),
        maxBackoff: Duration = .seconds(5),
        multiplier: Double = 2,
        jitter: Double = 0.5,
        rateLimitRules: [RateLimitRule] = [.tooManyRequests]
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.multiplier = max(1, multiplier)
        self.jitter = min(1, max(0, jitter))
        self.rateLimitRules = rateLimitRules
    }

    /// Three tries, 200 ms then 400 ms (jittered), HTTP 429 counted as a rate limit.
    public static let standard = RetryPolicy()

    /// A single try: for requests that must not be repeated, such as a post without an
    /// idempotency key whose first try may already have been delivered.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// Whether a response is a rate-limit answer under this policy's rules.
    public func isRateLimited(_ response: OutboundResponse) -> Bool {
        rateLimitRules.contains { $0.matches(response) }
    }

    /// Whether the outcome of one try is worth another (ignoring the attempt count).
    public func shouldRetry(_ outcome: Result<OutboundResponse, TransportError>) -> Bool {
        switch outcome {
        case .failure(let error):
            error.isTransient
        case .success(let response):
            (500...599).contains(response.status) || isRateLimited(response)
        }
    }

    /// The delay before retry number `retry` (1 for the first retry), given a uniform random
    /// number in 0..<1; deterministic so that it can be checked.
    public func backoff(beforeRetry retry: Int, random: Double) -> Duration {
        let exponent = Double(max(0, retry - 1))
        let base = min(seconds(initialBackoff) * pow(multiplier, exponent), seconds(maxBackoff))
        let jittered = base * (1 - jitter * min(max(random, 0), 1))
        return .nanoseconds(Int64((jittered * 1e9).rounded()))
    }

    /// The wait before retry number `retry` after `outcome`: the backoff, or the server's
    /// `Retry-After` when that is longer, never more than `maxBackoff`.
    public func delay(beforeRetry retry: Int, after outcome: Result<OutboundResponse, TransportError>, random: Double)
        -> Duration
    {
        let delay = backoff(beforeRetry: retry, random: random)
        guard case .success(let response) = outcome, let retryAfter = response.retryAfter else { return delay }
        return max(delay, min(retryAfter, maxBackoff))
    }

    /// Sends the request, retrying as this policy allows, and returns the last answer.
    ///
    /// A final 5xx or rate-limit answer is returned rather than thrown, so the caller can
    /// read the platform's error body. Cancellation stops further tries. The waits between
    /// tries are slept on `clock`.
    public func send(
        _ request: OutboundRequest,
        through transport: any HTTPTransport,
        clock: any Clock<Duration> = ContinuousClock()
    ) async throws(TransportError) -> OutboundResponse {
        var attempt = 1
        while true {
            let outcome: Result<OutboundResponse, TransportError>
            do {
                outcome = .success(try await transport.send(request))
            } catch {
                outcome = .failure(error)
            }
            guard attempt < maxAttempts, shouldRetry(outcome), !Task.isCancelled else {
                return try outcome.get()
            }
            let delay = delay(beforeRetry: attempt, after: outcome, random: Double.random(in: 0..<1))
            do {
                try await clock.sleep(for: delay)
            } catch {
                return try outcome.get()
            }
            attempt += 1
        }
    }

    private func seconds(_ duration: Duration) -> Double {
        duration / .seconds(1)
    }
}

/// Recognises a platform's "slow down" answer, which may be an HTTP status or a code in a
/// JSON body sent with status 200.
public struct RateLimitRule: Sendable {
    /// The test applied to each response.
    public let matches: @Sendable (OutboundResponse) -> Bool

    /// Creates a rule from a predicate.
    public init(_ matches: @escaping @Sendable (OutboundResponse) -> Bool) {
        self.matches = matches
    }

    /// HTTP 429 Too Many Requests.
    public static let tooManyRequests = RateLimitRule { $0.status == 429 }

    /// A top-level integer field of a JSON body (`errcode` for WeCom and DingTalk, `code` for
    /// Feishu) holding one of `codes`.
    public static func jsonCode(_ field: String, in codes: Set<Int>) -> RateLimitRule {
        RateLimitRule { response in
            guard let code = PlatformEnvelope(decoding: response.body)?.integer(field) else { return false }
            return codes.contains(code)
        }
    }
}
