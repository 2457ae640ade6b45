import Foundation
import GRDB

extension SQLiteStorage: DedupeStore {
    /// Claims `key` with one upsert that only overwrites an expired row, so the claim is atomic even
    /// against another process sharing the file.
    public func claim(key: String, now: Date, ttl: Duration) async throws -> DedupeClaim {
        let now = now.timeIntervalSince1970
        let expiresAt = now + ttl.seconds
        return try await commit("claim dedupe key \(key)") { db in
            try db.cachedStatement(
                sql: """
                    INSERT INTO dedupe_claim (key, expires_at, reply) VALUES (?, ?, NULL)
                    ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at, reply = NULL
                    WHERE dedupe_claim.expires_at <= ?
                    """
            ).execute(arguments: [key, expiresAt, now])
            if db.changesCount > 0 {
                return .new
            }
            let reply = try String?.fetchOne(
                db.cachedStatement(sql: "SELECT reply FROM dedupe_claim WHERE key = ?"), arguments: [key])
            return .duplicate(storedReply: reply ?? nil)
        }
    }

    /// Stores the reply on the claim's row; with no row there is nothing to update.
    public func recordReply(key: String, reply: String) async throws {
        try await commit("record the reply for dedupe key \(key)") { db in
            try db.cachedStatement(sql: "UPDATE dedupe_claim SET reply = ? WHERE key = ?").execute(arguments: [reply, key])
        }
    }

    /// Deletes expired claims with one statement over the expiry index.
    @discardableResult
    public func purgeExpiredClaims(now: Date) async throws -> Int {
        try await write("purge expired dedupe claims") { db in
            try db.execute(
                sql: "DELETE FROM dedupe_claim WHERE expires_at <= ?", arguments: [now.timeIntervalSince1970])
            return db.changesCount
        }
    }
}
