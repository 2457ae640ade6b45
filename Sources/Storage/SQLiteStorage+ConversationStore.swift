public import Foundation
import GRDB

extension SQLiteStorage: ConversationStore {
    /// Reads the value only while it is unexpired; expired rows wait for the purge.
    public func load(key: String, now: Date) async throws -> Data? {
        try await batched("load conversation \(key)") { db in
            try Data.fetchOne(
                db.cachedStatement(sql: "SELECT value FROM conversation WHERE key = ? AND expires_at > ?"),
                arguments: [key, now.timeIntervalSince1970]
            )
        }
    }

    /// Upserts the value and its expiry together.
    public func save(key: String, value: Data, expiresAt: Date) async throws {
        try await batched("save conversation \(key)") { db in
            try db.cachedStatement(
                sql: """
                    INSERT INTO conversation (key, value, expires_at) VALUES (?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
                    """
            ).execute(arguments: [key, value, expiresAt.timeIntervalSince1970])
        }
    }

    /// Deletes the row, if any.
    public func delete(key: String) async throws {
        try await batched("delete conversation \(key)") { db in
            try db.cachedStatement(sql: "DELETE FROM conversation WHERE key = ?").execute(arguments: [key])
        }
    }

    /// The keys of open conversations and their expiry, over the expiry index; stops after
    /// `limit + 1` rows, so a flood of open conversations is never read into memory whole.
    public func liveExpiries(now: Date, limit: Int) async throws -> [String: Date]? {
        try await read("list open conversations") { db in
            var expiries: [String: Date] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT key, expires_at FROM conversation WHERE expires_at > ? LIMIT ?",
                arguments: [now.timeIntervalSince1970, limit + 1])
            while let row = try rows.next() {
                expiries[row[0]] = Date(timeIntervalSince1970: row[1])
            }
            return expiries.count > limit ? nil : expiries
        }
    }

    /// Deletes expired conversations with one statement over the expiry index.
    @discardableResult
    public func purgeExpiredConversations(now: Date) async throws -> Int {
        try await write("purge expired conversations") { db in
            try db.execute(
                sql: "DELETE FROM conversation WHERE expires_at <= ?", arguments: [now.timeIntervalSince1970])
            return db.changesCount
        }
    }
}
