public import Foundation
import PostgresNIO
public import Storage

extension PostgresStorage: ConversationStore {
    /// Reads the value only while it is unexpired; expired rows wait for the purge.
    public func load(key: String, now: Date) async throws -> Data? {
        try await rows(
            "load conversation \(key)",
            "SELECT value FROM conversation WHERE key = \(key) AND expires_at > \(now.timeIntervalSince1970)"
        ).first.map { try $0.decode(Data.self) }
    }

    /// Upserts the value and its expiry together.
    public func save(key: String, value: Data, expiresAt: Date) async throws {
        _ = try await rows(
            "save conversation \(key)",
            """
            INSERT INTO conversation (key, value, expires_at)
            VALUES (\(key), \(value), \(expiresAt.timeIntervalSince1970))
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
            """)
    }

    /// Deletes the row, if any.
    public func delete(key: String) async throws {
        _ = try await rows("delete conversation \(key)", "DELETE FROM conversation WHERE key = \(key)")
    }

    /// The keys of open conversations and their expiry; stops after `limit + 1` rows.
    public func liveExpiries(now: Date, limit: Int) async throws -> [String: Date]? {
        let found = try await rows(
            "list open conversations",
            """
            SELECT key, expires_at FROM conversation WHERE expires_at > \(now.timeIntervalSince1970) LIMIT \(limit + 1)
            """
        )
        guard found.count <= limit else { return nil }
        var expiries: [String: Date] = [:]
        for row in found {
            let (key, expiresAt) = try row.decode((String, Double).self)
            expiries[key] = Date(timeIntervalSince1970: expiresAt)
        }
        return expiries
    }

    /// Deletes expired conversations with one statement over the expiry index.
    @discardableResult
    public func purgeExpiredConversations(now: Date) async throws -> Int {
        try await deleteExpired(from: "conversation", now: now)
    }
}
