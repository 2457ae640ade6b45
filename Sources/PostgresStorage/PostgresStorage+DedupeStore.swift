public import Foundation
import PostgresNIO
public import Storage

extension PostgresStorage: DedupeStore {
    /// Claims `key` with one statement: the row is inserted, or taken over when its claim has
    /// expired or was abandoned; any other existing row means another delivery (on any instance)
    /// holds it.
    ///
    /// A duplicate whose first delivery is still being answered waits up to ``replyWait`` for
    /// that reply, polling the row, rather than acknowledging with nothing: a retry that lands on
    /// the other instance then gets the same reply, computed once. A claim still without a reply
    /// ``abandonedClaimAge`` after it was taken belongs to an instance that died answering (an
    /// answer takes microseconds): the platform's retry takes it over and is answered, so a
    /// `kill -9` mid-burst loses no message.
    public func claim(key: String, now: Date, ttl: Duration) async throws -> DedupeClaim {
        let ttlSeconds = ttl.seconds
        let abandoned = abandonedClaimAge.seconds
        let started = ContinuousClock.now
        var pause = Duration.milliseconds(20)
        var mayTake = true
        while true {
            let waited = ContinuousClock.now - started
            // The claim's expiry counts from `now`; the rows are compared with the time the wait has reached.
            let at = now.timeIntervalSince1970 + waited.seconds
            if mayTake {
                let won = try await rows(
                    "claim dedupe key \(key)",
                    """
                    INSERT INTO dedupe_claim (key, expires_at, reply) VALUES (\(key), \(now.timeIntervalSince1970 + ttlSeconds), NULL)
                    ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at, reply = NULL
                        WHERE dedupe_claim.expires_at <= \(at)
                            OR (dedupe_claim.reply IS NULL AND dedupe_claim.expires_at <= \(at + ttlSeconds - abandoned))
                    RETURNING 1
                    """)
                if !won.isEmpty { return .new }
            }
            let stored = try await rows(
                "read the reply for dedupe key \(key)",
                "SELECT reply, expires_at FROM dedupe_claim WHERE key = \(key) AND expires_at > \(at)")
            guard let row = stored.first else {
                // Expired or purged since: claim it afresh.
                mayTake = true
                continue
            }
            let (reply, expiresAt) = try row.decode((String?, Double).self)
            if reply != nil || waited >= replyWait { return .duplicate(storedReply: reply) }
            mayTake = expiresAt - ttlSeconds <= at - abandoned
            if mayTake { continue }
            try await Task.sleep(for: min(pause, replyWait - waited))
            pause = min(pause * 2, .milliseconds(200))
        }
    }

    /// Stores the reply on the claim's row; a key with no row is ignored.
    public func recordReply(key: String, reply: String) async throws {
        _ = try await rows(
            "record the reply for dedupe key \(key)", "UPDATE dedupe_claim SET reply = \(reply) WHERE key = \(key)")
    }

    /// Deletes expired claims over the expiry index.
    @discardableResult
    public func purgeExpiredClaims(now: Date) async throws -> Int {
        try await deleteExpired(from: "dedupe_claim", now: now)
    }

    /// Deletes the rows of `table` (one of this module's, never a caller's text) whose
    /// `expires_at` is at or before `now`, and returns how many went.
    func deleteExpired(from table: String, now: Date) async throws -> Int {
        try await count(
            "purge expired rows of \(table)",
            """
            WITH gone AS (DELETE FROM \(unescaped: table) WHERE expires_at <= \(now.timeIntervalSince1970) RETURNING 1)
            SELECT count(*) FROM gone
            """
        )
    }

    /// Runs a query whose one row is a count.
    func count(_ operation: @autoclosure () -> String, _ query: PostgresQuery) async throws -> Int {
        let result = try await rows(operation(), query)
        return Int(try result.first?.decode(Int64.self) ?? 0)
    }
}
