import Foundation
import Logging
import PostgresNIO
public import Storage

extension PostgresStorage: AuditLog {
    /// Inserts the entry and returns its id; ids come from one sequence, so they only grow.
    @discardableResult
    public func append(_ entry: AuditEntry) async throws -> Int64 {
        let logger = logger
        return try await withConnection("append an audit entry") { connection in
            try await Self.append(entry, on: connection, logger: logger)
        }
    }

    /// Inserts `entry` on `connection`, inside whatever transaction it is in.
    static func append(_ entry: AuditEntry, on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        let rows = try await connection.query(
            """
            INSERT INTO audit_entry (who, at, action, target, before_value, after_value)
            VALUES (\(entry.who), \(entry.at.timeIntervalSince1970), \(entry.action), \(entry.target),
                \(entry.before), \(entry.after))
            RETURNING id
            """, logger: logger
        ).collect()
        return try rows[0].decode(Int64.self)
    }

    /// Pages through entries by descending id, which is append order.
    public func list(limit: Int, offset: Int) async throws -> [AuditEntry] {
        try await rows(
            "list audit entries",
            "\(unescaped: Self.auditColumns) ORDER BY id DESC LIMIT \(max(0, limit)) OFFSET \(max(0, offset))"
        ).map(Self.auditEntry)
    }

    /// Looks the entry up by its primary key.
    public func entry(id: Int64) async throws -> AuditEntry? {
        try await rows("read audit entry \(id)", "\(unescaped: Self.auditColumns) WHERE id = \(id)").first.map(
            Self.auditEntry)
    }

    /// The newest entry on `target` after `id`.
    public func latestChange(of target: String, after id: Int64) async throws -> AuditEntry? {
        try await rows(
            "read the later changes of \(target)",
            "\(unescaped: Self.auditColumns) WHERE id > \(id) AND target = \(target) ORDER BY id DESC LIMIT 1"
        ).first.map(Self.auditEntry)
    }

    private static let auditColumns = "SELECT id, who, at, action, target, before_value, after_value FROM audit_entry"

    private static func auditEntry(_ row: PostgresRow) throws -> AuditEntry {
        let (id, who, at, action, target, before, after) = try row.decode(
            (Int64, String, Double, String, String, String?, String?).self)
        return AuditEntry(
            id: id, who: who, at: Date(timeIntervalSince1970: at), action: action, target: target, before: before,
            after: after)
    }
}
