import Foundation
import GRDB

extension SQLiteStorage: MissLog {
    /// Queues the miss and returns at once: a reply never waits for the review log. The group
    /// is found or opened and the miss inserted in one transaction, so two writers of the same
    /// new text cannot open two groups; every read of the log first commits what is queued.
    public func record(_ miss: MissRecord) async throws {
        queued("record a miss") { db in
            let openGroup = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT id FROM miss_group WHERE normalized_text = ? AND resolution IS NULL"),
                arguments: [miss.normalizedText]
            )
            let groupID: Int64
            if let openGroup {
                groupID = openGroup
            } else {
                try db.cachedStatement(sql: "INSERT INTO miss_group (normalized_text) VALUES (?)")
                    .execute(arguments: [miss.normalizedText])
                groupID = db.lastInsertedRowID
            }
            try db.cachedStatement(
                sql: """
                    INSERT INTO miss (group_id, text, channel, user_id, at, best_guess_item, confidence)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: [
                    groupID, miss.text, miss.channel, miss.user, miss.at.timeIntervalSince1970,
                    miss.bestGuessItem, miss.confidence,
                ]
            )
        }
    }

    /// Lists open groups, most frequent first.
    public func list(limit: Int) async throws -> [MissGroup] {
        try await flushQueuedWrites()
        return try await read("list misses") { db in
            try Self.fetchGroups(db, includeResolved: false, limit: max(0, limit))
        }
    }

    /// Sets the resolution, failing when the id names no group.
    public func resolve(groupID: Int64, as resolution: String) async throws {
        try await flushQueuedWrites()
        try await write("resolve miss group \(groupID)") { db in
            try db.execute(sql: "UPDATE miss_group SET resolution = ? WHERE id = ?", arguments: [resolution, groupID])
            if db.changesCount == 0 {
                throw StorageError.missGroupNotFound(id: groupID)
            }
        }
    }

    /// Lists every open group, and the resolved ones when asked.
    public func listAll(includeResolved: Bool) async throws -> [MissGroup] {
        try await flushQueuedWrites()
        return try await read("list all misses") { db in
            try Self.fetchGroups(db, includeResolved: includeResolved, limit: nil)
        }
    }

    /// Summarizes groups in SQL; "latest" breaks ties in `at` by insertion order, as the in-memory store does.
    private static func fetchGroups(_ db: Database, includeResolved: Bool, limit: Int?) throws -> [MissGroup] {
        func latest(_ column: String) -> String {
            "SELECT \(column) FROM miss WHERE group_id = g.id ORDER BY at DESC, id DESC LIMIT 1"
        }
        var sql = """
            SELECT g.id, g.normalized_text, g.resolution,
                COUNT(m.id) AS count, MIN(m.at) AS first_seen, MAX(m.at) AS last_seen,
                MAX(m.confidence) AS max_confidence,
                (\(latest("text"))) AS latest_text,
                (\(latest("best_guess_item"))) AS best_guess_item
            FROM miss_group g JOIN miss m ON m.group_id = g.id
            \(includeResolved ? "" : "WHERE g.resolution IS NULL")
            GROUP BY g.id
            ORDER BY count DESC, last_seen DESC, g.id ASC
            """
        var arguments: StatementArguments = []
        if let limit {
            sql += " LIMIT ?"
            arguments += [limit]
        }
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            MissGroup(
                id: row["id"],
                normalizedText: row["normalized_text"],
                latestText: row["latest_text"],
                count: row["count"],
                firstSeen: Date(timeIntervalSince1970: row["first_seen"]),
                lastSeen: Date(timeIntervalSince1970: row["last_seen"]),
                bestGuessItem: row["best_guess_item"],
                maxConfidence: row["max_confidence"],
                resolution: row["resolution"]
            )
        }
    }
}
