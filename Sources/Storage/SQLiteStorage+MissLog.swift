public import Foundation
import GRDB

extension SQLiteStorage: MissLog {
    /// Queues the miss and returns at once: a reply never waits for the review log. The group
    /// is found or opened and the miss counted (and its wording kept, within ``MissLogLimits``) in
    /// one transaction, so two writers of the same new text cannot open two groups; every read of
    /// the log first commits what is queued.
    public func record(_ miss: MissRecord) async throws {
        let limits = missLimits
        let (text, normalized, user, at) = limits.kept(miss)
        queued("record a miss") { db in
            let openGroup = try Int64.fetchOne(
                db.cachedStatement(sql: "SELECT id FROM miss_group WHERE normalized_text = ? AND resolution IS NULL"),
                arguments: [normalized]
            )
            // Each count stops at its limit, so the checks cost the same however full the log is.
            let rowsOfUser =
                try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT COUNT(*) FROM (SELECT 1 FROM miss WHERE user_id = ? LIMIT ?)"),
                    arguments: [user, limits.rowsPerUser]) ?? 0
            let samples =
                try openGroup.map { id in
                    try Int.fetchOne(
                        db.cachedStatement(sql: "SELECT COUNT(*) FROM (SELECT 1 FROM miss WHERE group_id = ? LIMIT ?)"),
                        arguments: [id, limits.samplesPerGroup]) ?? 0
                } ?? 0
            let openGroups =
                openGroup != nil
                ? 0
                : try Int.fetchOne(
                    db.cachedStatement(
                        sql: "SELECT COUNT(*) FROM (SELECT 1 FROM miss_group WHERE resolution IS NULL LIMIT ?)"),
                    arguments: [limits.openGroups]) ?? 0
            let admission = limits.admit(
                groupExists: openGroup != nil, samplesInGroup: samples, rowsOfUser: rowsOfUser,
                openGroupCount: openGroups)
            let groupID: Int64
            switch admission {
            case .drop:
                return
            case .openGroup:
                try db.cachedStatement(
                    sql: """
                        INSERT INTO miss_group (normalized_text, hits, first_seen, last_seen, max_confidence,
                            latest_text, best_guess_item)
                        VALUES (?, 1, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [normalized, at, at, miss.confidence, text, miss.bestGuessItem])
                groupID = db.lastInsertedRowID
            case .count, .countAndKeep:
                guard let openGroup else { return }
                groupID = openGroup
                // The latest wording and guess are the miss with the greatest time; ties go to the later write.
                try db.cachedStatement(
                    sql: """
                        UPDATE miss_group SET hits = hits + 1,
                            latest_text = CASE WHEN ?1 >= last_seen THEN ?2 ELSE latest_text END,
                            best_guess_item = CASE WHEN ?1 >= last_seen THEN ?3 ELSE best_guess_item END,
                            first_seen = MIN(first_seen, ?1), last_seen = MAX(last_seen, ?1),
                            max_confidence = MAX(max_confidence, ?4)
                        WHERE id = ?5
                        """
                ).execute(arguments: [at, text, miss.bestGuessItem, miss.confidence, openGroup])
            }
            guard admission != .count else { return }
            try db.cachedStatement(
                sql: """
                    INSERT INTO miss (group_id, text, channel, user_id, at, best_guess_item, confidence)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [groupID, text, miss.channel, user, at, miss.bestGuessItem, miss.confidence])
        }
    }

    /// Deletes what was last asked at or before `cutoff`: wordings, and groups not asked since.
    @discardableResult
    public func purgeMisses(askedBefore cutoff: Date) async throws -> Int {
        try await flushQueuedWrites()
        return try await write("purge old misses") { db in
            let at = cutoff.timeIntervalSince1970
            try db.execute(sql: "DELETE FROM miss WHERE at <= ?", arguments: [at])
            let wordings = db.changesCount
            try db.execute(sql: "DELETE FROM miss_group WHERE last_seen <= ?", arguments: [at])
            return wordings + db.changesCount
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

    /// Reads the groups' running summaries: one indexed scan, however many times each was asked.
    private static func fetchGroups(_ db: Database, includeResolved: Bool, limit: Int?) throws -> [MissGroup] {
        var sql =
            "\(groupColumns) \(includeResolved ? "" : "WHERE resolution IS NULL") ORDER BY hits DESC, last_seen DESC, id ASC"
        var arguments: StatementArguments = []
        if let limit {
            sql += " LIMIT ?"
            arguments += [limit]
        }
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map(group(from:))
    }

    private static let groupColumns = """
        SELECT id, normalized_text, resolution, hits, first_seen, last_seen, max_confidence, latest_text, best_guess_item
        FROM miss_group
        """

    private static func group(from row: Row) -> MissGroup {
        MissGroup(
            id: row["id"],
            normalizedText: row["normalized_text"],
            latestText: row["latest_text"],
            count: row["hits"],
            firstSeen: Date(timeIntervalSince1970: row["first_seen"]),
            lastSeen: Date(timeIntervalSince1970: row["last_seen"]),
            bestGuessItem: row["best_guess_item"],
            maxConfidence: row["max_confidence"],
            resolution: row["resolution"]
        )
    }

    /// One group by id, open or resolved, read by its key; nil when there is none.
    public func group(id: Int64) async throws -> MissGroup? {
        try await flushQueuedWrites()
        return try await read("read miss group \(id)") { db in
            try Row.fetchOne(db, sql: "\(Self.groupColumns) WHERE id = ?", arguments: [id]).map(Self.group(from:))
        }
    }
}
