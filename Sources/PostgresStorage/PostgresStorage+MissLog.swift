public import Foundation
import Logging
import PostgresNIO
public import Storage

extension PostgresStorage: MissLog {
    /// The first half of the transaction lock taken per normalized text (the second is its hash),
    /// so two instances seeing the same new text cannot open two groups.
    static let missLockSpace: Int32 = 0x5044_4D01

    /// Finds or opens the group and counts the miss (keeping its wording within ``MissLogLimits``)
    /// in one transaction under a lock on its text. Misses of different texts do not wait for one
    /// another; the per-sender and open-group limits may then be passed by the few misses recorded
    /// at the same moment on other instances.
    public func record(_ miss: MissRecord) async throws {
        let limits = missLimits
        let (text, normalized, user, at) = limits.kept(miss)
        let logger = logger
        try await withTransaction("record a miss") { connection in
            func one<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type) async throws -> T? {
                try await connection.query(query, logger: logger).collect().first.map { try $0.decode(T.self) }
            }
            _ = try await connection.query(
                "SELECT pg_advisory_xact_lock(\(Self.missLockSpace), hashtext(\(normalized)))", logger: logger
            ).collect()
            let openGroup = try await one(
                "SELECT id FROM miss_group WHERE normalized_text = \(normalized) AND resolution IS NULL", as: Int64.self
            )
            // Each count stops at its limit, so the checks cost the same however full the log is.
            let rowsOfUser =
                try await one(
                    "SELECT count(*) FROM (SELECT 1 FROM miss WHERE user_id = \(user) LIMIT \(limits.rowsPerUser)) AS r",
                    as: Int64.self) ?? 0
            var samples: Int64 = 0
            if let openGroup {
                samples =
                    try await one(
                        "SELECT count(*) FROM (SELECT 1 FROM miss WHERE group_id = \(openGroup) LIMIT \(limits.samplesPerGroup)) AS r",
                        as: Int64.self) ?? 0
            }
            var openGroups: Int64 = 0
            if openGroup == nil {
                openGroups =
                    try await one(
                        "SELECT count(*) FROM (SELECT 1 FROM miss_group WHERE resolution IS NULL LIMIT \(limits.openGroups)) AS r",
                        as: Int64.self) ?? 0
            }
            let admission = limits.admit(
                groupExists: openGroup != nil, samplesInGroup: Int(samples), rowsOfUser: Int(rowsOfUser),
                openGroupCount: Int(openGroups))
            let groupID: Int64
            switch admission {
            case .drop:
                return
            case .openGroup:
                guard
                    let id = try await one(
                        """
                        INSERT INTO miss_group (normalized_text, hits, first_seen, last_seen, max_confidence,
                            latest_text, best_guess_item)
                        VALUES (\(normalized), 1, \(at), \(at), \(miss.confidence), \(text), \(miss.bestGuessItem))
                        RETURNING id
                        """, as: Int64.self)
                else { return }
                groupID = id
            case .count, .countAndKeep:
                guard let openGroup else { return }
                groupID = openGroup
                // The latest wording and guess are the miss with the greatest time; ties go to the later write.
                _ = try await connection.query(
                    """
                    UPDATE miss_group SET hits = hits + 1,
                        latest_text = CASE WHEN \(at) >= last_seen THEN \(text) ELSE latest_text END,
                        best_guess_item
                            = CASE WHEN \(at) >= last_seen THEN \(miss.bestGuessItem) ELSE best_guess_item END,
                        first_seen = LEAST(first_seen, \(at)), last_seen = GREATEST(last_seen, \(at)),
                        max_confidence = GREATEST(max_confidence, \(miss.confidence))
                    WHERE id = \(openGroup)
                    """, logger: logger
                ).collect()
            }
            guard admission != .count else { return }
            _ = try await connection.query(
                """
                INSERT INTO miss (group_id, text, channel, user_id, at, best_guess_item, confidence)
                VALUES (\(groupID), \(text), \(miss.channel), \(user), \(at), \(miss.bestGuessItem), \(miss.confidence))
                """, logger: logger
            ).collect()
        }
    }

    /// Deletes what was last asked at or before `cutoff`: wordings, and groups not asked since.
    @discardableResult
    public func purgeMisses(askedBefore cutoff: Date) async throws -> Int {
        let at = cutoff.timeIntervalSince1970
        let logger = logger
        return try await withTransaction("purge old misses") { connection in
            var total = 0
            for query: PostgresQuery in [
                "WITH gone AS (DELETE FROM miss WHERE at <= \(at) RETURNING 1) SELECT count(*) FROM gone",
                "WITH gone AS (DELETE FROM miss_group WHERE last_seen <= \(at) RETURNING 1) SELECT count(*) FROM gone",
            ] {
                let rows = try await connection.query(query, logger: logger).collect()
                total += Int(try rows.first?.decode(Int64.self) ?? 0)
            }
            return total
        }
    }

    /// Lists open groups, most frequent first.
    public func list(limit: Int) async throws -> [MissGroup] {
        try await rows(
            "list misses",
            """
            \(unescaped: Self.groupColumns) WHERE resolution IS NULL
            ORDER BY hits DESC, last_seen DESC, id ASC LIMIT \(max(0, limit))
            """
        ).map(Self.group)
    }

    /// Sets the resolution, failing when the id names no group.
    public func resolve(groupID: Int64, as resolution: String) async throws {
        let changed = try await rows(
            "resolve miss group \(groupID)",
            "UPDATE miss_group SET resolution = \(resolution) WHERE id = \(groupID) RETURNING 1")
        if changed.isEmpty { throw StorageError.missGroupNotFound(id: groupID) }
    }

    /// Lists every open group, and the resolved ones when asked.
    public func listAll(includeResolved: Bool) async throws -> [MissGroup] {
        try await rows(
            "list all misses",
            """
            \(unescaped: Self.groupColumns) \(unescaped: includeResolved ? "" : "WHERE resolution IS NULL")
            ORDER BY hits DESC, last_seen DESC, id ASC
            """
        ).map(Self.group)
    }

    /// One group by id, open or resolved.
    public func group(id: Int64) async throws -> MissGroup? {
        try await rows("read miss group \(id)", "\(unescaped: Self.groupColumns) WHERE id = \(id)").first.map(
            Self.group)
    }

    private static let groupColumns = """
        SELECT id, normalized_text, resolution, hits, first_seen, last_seen, max_confidence, latest_text,
            best_guess_item
        FROM miss_group
        """

    private static func group(_ row: PostgresRow) throws -> MissGroup {
        let (id, normalized, resolution, hits, first, last, confidence, latest, guess) = try row.decode(
            (Int64, String, String?, Int64, Double, Double, Double, String, String?).self)
        return MissGroup(
            id: id, normalizedText: normalized, latestText: latest, count: Int(hits),
            firstSeen: Date(timeIntervalSince1970: first), lastSeen: Date(timeIntervalSince1970: last),
            bestGuessItem: guess, maxConfidence: confidence, resolution: resolution)
    }
}
