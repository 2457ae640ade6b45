import Foundation
import GRDB

extension SQLiteStorage: AuditLog {
    /// Inserts the entry and returns its row id.
    @discardableResult
    public func append(_ entry: AuditEntry) async throws -> Int64 {
        try await write("append an audit entry") { db in
            try db.execute(
                sql: """
                    INSERT INTO audit_entry (who, at, action, target, before_value, after_value)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    entry.who, entry.at.timeIntervalSince1970, entry.action, entry.target, entry.before, entry.after,
                ]
            )
            return db.lastInsertedRowID
        }
    }

    /// Pages through entries by descending id, which is append order.
    public func list(limit: Int, offset: Int) async throws -> [AuditEntry] {
        try await read("list audit entries") { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM audit_entry ORDER BY id DESC LIMIT ? OFFSET ?",
                arguments: [max(0, limit), max(0, offset)]
            ).map(Self.auditEntry)
        }
    }

    /// Looks the entry up by its primary key.
    public func entry(id: Int64) async throws -> AuditEntry? {
        try await read("read audit entry \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM audit_entry WHERE id = ?", arguments: [id]).map(Self.auditEntry)
        }
    }

    /// The audit log is small (one row per staff edit), so a scan of the ids after `id` is enough.
    public func latestChange(of target: String, after id: Int64) async throws -> AuditEntry? {
        try await read("read the later changes of \(target)") { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM audit_entry WHERE id > ? AND target = ? ORDER BY id DESC LIMIT 1",
                arguments: [id, target]
            ).map(Self.auditEntry)
        }
    }

    private static func auditEntry(_ row: Row) -> AuditEntry {
        AuditEntry(
            id: row["id"],
            who: row["who"],
            at: Date(timeIntervalSince1970: row["at"]),
            action: row["action"],
            target: row["target"],
            before: row["before_value"],
            after: row["after_value"]
        )
    }
}
