public import Foundation
import Hummingbird
public import Logging
public import Storage
import Synchronization

/// Whether the store is taking writes: set by every write on a request's path, read by `/healthz`.
///
/// A full disk or a damaged file fails every write while the process itself looks well; without
/// this, `/healthz` said 200 while every webhook failed. A failure is logged once with the operation
/// and its cause, and `/healthz` answers 503 with the reason until a write succeeds again; the
/// webhooks meanwhile give the platform's user a polite reply (``StoreBusyReply``).
public final class StoreHealth: Sendable {
    private struct Failure {
        var reason: String
        var since: Date
        var lastProbe: Date?
    }

    private let failing = Atomic<Bool>(false)
    private let failure = Mutex<Failure?>(nil)
    private let probe: (@Sendable () async throws -> Void)?
    private let now: @Sendable () -> Date

    /// Health that `probe` (a small write to the store) can restore while nothing else writes.
    public init(probe: (@Sendable () async throws -> Void)?, now: @escaping @Sendable () -> Date = { Date() }) {
        self.probe = probe
        self.now = now
    }

    /// The reason the store is failing, or nil when its last write succeeded.
    public var problem: String? {
        guard failing.load(ordering: .relaxed) else { return nil }
        return failure.withLock { $0?.reason }
    }

    /// Notes a write that succeeded; costs one atomic load while the store is healthy.
    public func succeeded(logger: Logger? = nil) {
        guard failing.load(ordering: .relaxed) else { return }
        let was = failure.withLock { state -> Failure? in
            defer { state = nil }
            return state
        }
        failing.store(false, ordering: .relaxed)
        if let was {
            logger?.notice(
                "the store takes writes again",
                metadata: [
                    "store.failing_since": "\(ISO8601DateFormatter().string(from: was.since))"
                ])
        }
    }

    /// Notes a failed write, logs it (once until the store recovers) and returns the error to answer with.
    public func failed(_ operation: String, _ error: any Error, logger: Logger) -> APIError {
        let reason = "\(error)"
        let first = failure.withLock { state -> Bool in
            if state == nil {
                state = Failure(reason: reason, since: now(), lastProbe: nil)
                return true
            }
            state?.reason = reason
            return false
        }
        failing.store(true, ordering: .relaxed)
        logger.error(
            first ? "the store failed a write; answering 503 until it recovers" : "the store still fails writes",
            metadata: ["store.operation": "\(operation)", "error": "\(reason)"])
        return APIError(.serviceUnavailable, "the store is failing; try again later")
    }

    /// The store's state for `/healthz`: nil when healthy, else the reason. While failing, it tries
    /// the probe at most once a second, so that health comes back with no traffic to prove it.
    public func check(logger: Logger) async -> String? {
        guard failing.load(ordering: .relaxed) else { return nil }
        guard let probe else { return problem }
        let moment = now()
        let due = failure.withLock { state -> Bool in
            if let last = state?.lastProbe, moment.timeIntervalSince(last) < 1 { return false }
            state?.lastProbe = moment
            return true
        }
        guard due else { return problem }
        do {
            try await probe()
            succeeded(logger: logger)
            return nil
        } catch {
            failure.withLock { $0?.reason = "\(error)" }
            return problem
        }
    }
}

/// A dedupe store whose every call reports to ``StoreHealth``: the webhooks' path to the store.
struct HealthCheckedDedupe: DedupeStore {
    let base: any DedupeStore
    let health: StoreHealth
    let logger: Logger

    func claim(key: String, now: Date, ttl: Duration) async throws -> DedupeClaim {
        do {
            let claim = try await base.claim(key: key, now: now, ttl: ttl)
            health.succeeded(logger: logger)
            return claim
        } catch {
            throw health.failed("claim a message id", error, logger: logger)
        }
    }

    func recordReply(key: String, reply: String) async throws {
        do {
            try await base.recordReply(key: key, reply: reply)
            health.succeeded(logger: logger)
        } catch {
            throw health.failed("record a reply", error, logger: logger)
        }
    }

    func purgeExpiredClaims(now: Date) async throws -> Int {
        try await base.purgeExpiredClaims(now: now)
    }
}
