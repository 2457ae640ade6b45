public import Foundation
import PostgresNIO
public import Storage

extension PostgresStorage: DedupeStore {
    /// Claims `key` with one statement: the row is inserted, or taken over when its claim has
    /// expired; any other existing row means another delivery (on any instance) holds it.
    ///
    /// A duplicate whose first delivery is still being answered waits up to ``replyWait`` for
    /// that reply, polling the row, rather than acknowledging with nothing: a retry that lands on
    /// the other instance then gets the same reply, computed once.
    public func claim(key: String, now: Date, ttl: Duration) async throws -> DedupeClaim {
        let at = now.timeIntervalSince1970
        let expiresAt = at + Double(ttl.components.seconds) + Double(ttl.components.attoseconds) / 1e18
        let won = try await rows(
            "claim dedupe key \(key)",
            """
            INSERT INTO dedupe_claim (key, expires_at, reply) VALUES (\(key), \(expiresAt), NULL)
            ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at, reply = NULL
                WHERE dedupe_claim.expires_at <= \(at)
            RETURNING 1
            """)
        if !won.isEmpty { return .new }
        let started = ContinuousClock.now
        var pause = Duration.milliseconds(20)
        while true {
            let stored = try await rows(
                "read the reply for dedupe key \(key)",
                "SELECT reply FROM dedupe_claim WHERE key = \(key) AND expires_at > \(at)")
            let reply = try stored.first.flatMap { try $0.decode(String?.self) }
            if reply != nil || ContinuousClock.now - started >= replyWait { return .duplicate(storedReply: reply) }
            try await Task.sleep(for: min(pause, replyWait - (ContinuousClock.now - started)))
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
