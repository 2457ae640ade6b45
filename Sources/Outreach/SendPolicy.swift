public import Channels
public import Foundation
public import OutreachModel

/// What the runner does with each answer a platform gives. Pure: time and randomness are passed in.
///
/// - Delivered: done.
/// - Rate limited (WeCom 45009, DingTalk 130101, Feishu 11232, HTTP 429): the whole robot rests
///   (DingTalk: the ten minutes it blocks the robot for), then the message is tried again; after
///   ``maxRateLimitedTries`` such answers it fails.
/// - Transient (refused connection, 5xx, platform busy): tried again with exponential backoff; after
///   ``maxTransientTries`` it fails with the last error.
/// - No answer within the timeout: uncertain. The platform may have posted the message and only the
///   answer was lost; without an idempotency key a resend could post it twice, so a person decides.
/// - Permanent (bad key, bad signature, keyword missing, too long): fails with the platform's text.
public struct SendPolicy: Sendable {
    /// Tries that end in a transient failure before the message fails.
    public var maxTransientTries: Int
    /// Rate-limit answers before the message fails.
    public var maxRateLimitedTries: Int
    /// The backoff between transient failures.
    public var backoff: RetryPolicy

    /// Creates a policy.
    public init(
        maxTransientTries: Int = 6, maxRateLimitedTries: Int = 10,
        backoff: RetryPolicy = RetryPolicy(
            maxAttempts: 6, initialBackoff: .seconds(2), maxBackoff: .seconds(300), multiplier: 2, jitter: 0.5)
    ) {
        self.maxTransientTries = max(1, maxTransientTries)
        self.maxRateLimitedTries = max(1, maxRateLimitedTries)
        self.backoff = backoff
    }

    /// The outcome to record and, for a rate-limit answer, until when the robot rests.
    ///
    /// - Parameters:
    ///   - attempt: this try's number, from 1, counting every kind of try.
    ///   - rateLimitedBefore: how many earlier tries were answered with a rate limit.
    public func outcome(
        for result: RobotDeliveryResult, timedOut: Bool, attempt: Int, rateLimitedBefore: Int, limits: RobotLimits,
        now: Date, random: Double
    ) -> (outcome: SendOutcome, pauseRobotUntil: Date?) {
        switch result {
        case .delivered:
            return (.delivered, nil)
        case .rateLimited(let code, let message, let retryAfter):
            let rest = max(retryAfter.map(Self.seconds) ?? 0, limits.rateLimitPause)
            let until = now.addingTimeInterval(rest)
            let detail = Self.words(code: code, message: message)
            if rateLimitedBefore + 1 >= maxRateLimitedTries {
                return (
                    .failed(
                        code: code,
                        detail: "still refused as too frequent after \(rateLimitedBefore + 1) tries: \(detail)"),
                    until
                )
            }
            return (.retry(at: until, rateLimited: true, code: code, detail: "rate limited: \(detail)"), until)
        case .transientFailure(let message):
            if timedOut {
                return (
                    .uncertain(
                        detail: "no answer within the timeout; the platform may have posted it: check the group chat"),
                    nil
                )
            }
            let transientTries = attempt - rateLimitedBefore
            if transientTries >= maxTransientTries {
                return (.failed(code: nil, detail: "gave up after \(transientTries) tries: \(message)"), nil)
            }
            let delay = backoff.backoff(beforeRetry: transientTries, random: random)
            return (
                .retry(at: now.addingTimeInterval(Self.seconds(delay)), rateLimited: false, code: nil, detail: message),
                nil
            )
        case .permanentFailure(let code, let message):
            return (.failed(code: code, detail: Self.words(code: code, message: message)), nil)
        }
    }

    private static func words(code: Int?, message: String) -> String {
        URLRedaction.scrub(code.map { "errcode \($0): \(message)" } ?? message)
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        duration / .seconds(1)
    }
}
