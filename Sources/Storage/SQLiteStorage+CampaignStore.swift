public import Foundation
import GRDB
public import OutreachModel

extension SQLiteStorage {
    /// The outreach tables: campaigns, their robots, deliveries with their items, skips, and a
    /// journal of every attempt.
    ///
    /// Robots are stored per campaign (with their secrets) so that `campaign run` needs only the
    /// database, not the roster file. `sent_at` is the start of a delivery's latest attempt, which is
    /// what the no-repeat window measures.
    static func registerCampaignMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-campaigns") { db in
            try db.execute(
                sql: """
                    CREATE TABLE campaign (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        created_at REAL NOT NULL,
                        roster_name TEXT NOT NULL,
                        item_ids TEXT NOT NULL,
                        item_titles TEXT NOT NULL,
                        template TEXT NOT NULL,
                        format TEXT NOT NULL,
                        window_days INTEGER NOT NULL,
                        enterprise_count INTEGER NOT NULL,
                        notes TEXT NOT NULL
                    );

                    CREATE TABLE campaign_robot (
                        campaign_id INTEGER NOT NULL REFERENCES campaign(id) ON DELETE CASCADE,
                        robot_key TEXT NOT NULL,
                        platform TEXT NOT NULL,
                        url TEXT NOT NULL,
                        secret TEXT,
                        PRIMARY KEY (campaign_id, robot_key)
                    ) WITHOUT ROWID;

                    CREATE TABLE campaign_delivery (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        campaign_id INTEGER NOT NULL REFERENCES campaign(id) ON DELETE CASCADE,
                        seq INTEGER NOT NULL,
                        enterprise_name TEXT NOT NULL,
                        credit_code TEXT NOT NULL,
                        robot_key TEXT NOT NULL,
                        title TEXT NOT NULL,
                        body TEXT NOT NULL,
                        state TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        rate_limited INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at REAL,
                        sent_at REAL,
                        finished_at REAL,
                        error_code INTEGER,
                        last_error TEXT,
                        UNIQUE (campaign_id, seq)
                    );
                    CREATE INDEX campaign_delivery_state ON campaign_delivery(state);

                    CREATE TABLE campaign_delivery_item (
                        delivery_id INTEGER NOT NULL REFERENCES campaign_delivery(id) ON DELETE CASCADE,
                        position INTEGER NOT NULL,
                        item_id TEXT NOT NULL,
                        credit_code TEXT NOT NULL,
                        title TEXT NOT NULL,
                        yuan INTEGER,
                        max_yuan INTEGER,
                        per_year INTEGER NOT NULL,
                        formula TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        PRIMARY KEY (delivery_id, item_id)
                    ) WITHOUT ROWID;
                    CREATE INDEX campaign_delivery_item_enterprise ON campaign_delivery_item(credit_code, item_id);
                    CREATE INDEX campaign_delivery_item_item ON campaign_delivery_item(item_id);

                    CREATE TABLE campaign_skip (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        campaign_id INTEGER NOT NULL REFERENCES campaign(id) ON DELETE CASCADE,
                        enterprise_name TEXT NOT NULL,
                        credit_code TEXT NOT NULL,
                        item_id TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        previous_campaign_id INTEGER,
                        previous_at REAL
                    );
                    CREATE INDEX campaign_skip_campaign ON campaign_skip(campaign_id);

                    CREATE TABLE campaign_attempt (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        delivery_id INTEGER NOT NULL REFERENCES campaign_delivery(id) ON DELETE CASCADE,
                        robot_key TEXT NOT NULL,
                        started_at REAL NOT NULL,
                        finished_at REAL,
                        outcome TEXT,
                        code INTEGER,
                        detail TEXT
                    );
                    CREATE INDEX campaign_attempt_started ON campaign_attempt(started_at);
                    CREATE INDEX campaign_attempt_delivery ON campaign_attempt(delivery_id);
                    """
            )
        }
    }
}

extension SQLiteStorage: CampaignStore {
    /// Inserts everything in one transaction with prepared statements: a plan of ten thousand
    /// deliveries is stored whole or not at all.
    public func createCampaign(_ campaign: NewCampaign) async throws -> Int64 {
        try await write("store the campaign") { db in
            try db.execute(
                sql: """
                    INSERT INTO campaign (created_at, roster_name, item_ids, item_titles, template, format, window_days,
                        enterprise_count, notes)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    campaign.createdAt.timeIntervalSince1970, campaign.rosterName,
                    campaign.itemIDs.joined(separator: ","), StoredLines.encode(campaign.itemTitles), campaign.template,
                    campaign.format, campaign.windowDays,
                    campaign.enterpriseCount, StoredLines.encode(campaign.notes),
                ])
            let campaignID = db.lastInsertedRowID
            let robot = try db.cachedStatement(
                sql: "INSERT INTO campaign_robot (campaign_id, robot_key, platform, url, secret) VALUES (?, ?, ?, ?, ?)"
            )
            for r in campaign.robots {
                robot.setUncheckedArguments([campaignID, r.key, r.platform, r.url, r.secret])
                try robot.execute()
            }
            let delivery = try db.cachedStatement(
                sql: """
                    INSERT INTO campaign_delivery (campaign_id, seq, enterprise_name, credit_code, robot_key, title,
                        body, state)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'planned')
                    """)
            let item = try db.cachedStatement(
                sql: """
                    INSERT INTO campaign_delivery_item (delivery_id, position, item_id, credit_code, title, yuan,
                        max_yuan, per_year, formula, reason)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            // Arguments are built to match each statement, so GRDB's per-row check is skipped.
            for d in campaign.deliveries {
                delivery.setUncheckedArguments([
                    campaignID, d.seq, d.enterpriseName, d.creditCode, d.robotKey, d.title, d.body,
                ])
                try delivery.execute()
                let deliveryID = db.lastInsertedRowID
                for (position, i) in d.items.enumerated() {
                    item.setUncheckedArguments([
                        deliveryID, position, i.itemID, d.creditCode, i.title, i.yuan, i.maxYuan, i.perYear, i.formula,
                        i.reason,
                    ])
                    try item.execute()
                }
            }
            let skip = try db.cachedStatement(
                sql: """
                    INSERT INTO campaign_skip (campaign_id, enterprise_name, credit_code, item_id, reason,
                        previous_campaign_id, previous_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
            for s in campaign.skips {
                try skip.execute(arguments: [
                    campaignID, s.enterpriseName, s.creditCode, s.itemID, s.reason, s.previousCampaignID,
                    s.previousAt?.timeIntervalSince1970,
                ])
            }
            return campaignID
        }
    }

    /// Reads one campaign.
    public func campaign(id: Int64) async throws -> CampaignRecord? {
        try await read("read campaign \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM campaign WHERE id = ?", arguments: [id]).map(CampaignRow.fetch)
        }
    }

    /// Lists campaigns newest first, counting deliveries by state in SQL.
    public func campaigns() async throws -> [CampaignListing] {
        try await read("list campaigns") { db in
            let campaigns = try Row.fetchAll(db, sql: "SELECT * FROM campaign ORDER BY id DESC").map(CampaignRow.fetch)
            var counts: [Int64: [DeliveryState: Int]] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT campaign_id, state, COUNT(*) AS n FROM campaign_delivery GROUP BY campaign_id, state")
            {
                let campaignID: Int64 = row["campaign_id"]
                let state = try UnreadableRow.state(row["state"], table: "campaign_delivery", id: campaignID)
                counts[campaignID, default: [:]][state] = row["n"]
            }
            return campaigns.map { CampaignListing(campaign: $0, counts: counts[$0.id] ?? [:]) }
        }
    }

    /// Reads a campaign's robots, secrets included.
    public func robots(campaignID: Int64) async throws -> [CampaignRobot] {
        try await read("read the robots of campaign \(campaignID)") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM campaign_robot WHERE campaign_id = ? ORDER BY robot_key",
                arguments: [campaignID]
            ).map(CampaignRobotRow.fetch)
        }
    }

    /// Reads a campaign's deliveries with their items, in plan order.
    public func deliveries(campaignID: Int64) async throws -> [DeliveryRecord] {
        try await read("read the deliveries of campaign \(campaignID)") { db in
            var items: [Int64: [DeliveryItem]] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT i.* FROM campaign_delivery_item i JOIN campaign_delivery d ON d.id = i.delivery_id
                    WHERE d.campaign_id = ? ORDER BY i.delivery_id, i.position
                    """, arguments: [campaignID])
            {
                let item = try DeliveryItemRow.fetch(row)
                items[item.deliveryId, default: []].append(item.item)
            }
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT d.*, r.platform FROM campaign_delivery d
                    JOIN campaign_robot r ON r.campaign_id = d.campaign_id AND r.robot_key = d.robot_key
                    WHERE d.campaign_id = ? ORDER BY d.seq
                    """, arguments: [campaignID]
            ).map { try DeliveryRow.fetch($0, items: items) }
        }
    }

    /// Reads a campaign's skips in plan order.
    public func skips(campaignID: Int64) async throws -> [CampaignSkip] {
        try await read("read the skips of campaign \(campaignID)") { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM campaign_skip WHERE campaign_id = ? ORDER BY id", arguments: [campaignID]
            )
            .map(CampaignSkipRow.fetch)
        }
    }

    /// Reads a campaign's attempts, oldest first.
    public func attempts(campaignID: Int64) async throws -> [DeliveryAttempt] {
        try await read("read the attempts of campaign \(campaignID)") { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT a.* FROM campaign_attempt a JOIN campaign_delivery d ON d.id = a.delivery_id
                    WHERE d.campaign_id = ? ORDER BY a.id
                    """, arguments: [campaignID]
            ).map(AttemptRow.fetch)
        }
    }

    /// One indexed query over the items asked about.
    public func recentSends(itemIDs: Set<String>, since: Date) async throws -> [RecentSend] {
        guard !itemIDs.isEmpty else { return [] }
        return try await read("read recent sends") { db in
            let marks = Array(repeating: "?", count: itemIDs.count).joined(separator: ",")
            var arguments = StatementArguments(itemIDs.sorted())
            arguments += [since.timeIntervalSince1970]
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT i.credit_code, i.item_id, d.campaign_id, d.id AS delivery_id, d.state, d.sent_at
                    FROM campaign_delivery_item i JOIN campaign_delivery d ON d.id = i.delivery_id
                    WHERE i.item_id IN (\(marks)) AND d.state IN \(Self.blockingStates)
                        AND d.sent_at >= ?
                    ORDER BY d.sent_at
                    """, arguments: arguments
            ).map(RecentSendRow.fetch)
        }
    }

    /// One UPDATE for the rows, plus closing their open attempts.
    public func recoverInterruptedSends(at: Date) async throws -> [Int64] {
        try await write("mark interrupted sends uncertain") { db in
            let ids = try Int64.fetchAll(
                db, sql: "SELECT id FROM campaign_delivery WHERE state = 'sending' ORDER BY id")
            guard !ids.isEmpty else { return [] }
            let detail = SendOutcome.interruptedDetail
            try db.execute(
                sql: """
                    UPDATE campaign_attempt SET finished_at = ?, outcome = 'uncertain', detail = ?
                    WHERE finished_at IS NULL AND delivery_id IN (SELECT id FROM campaign_delivery WHERE state = 'sending')
                    """, arguments: [at.timeIntervalSince1970, detail])
            try db.execute(
                sql: """
                    UPDATE campaign_delivery SET state = 'uncertain', finished_at = ?, last_error = ?
                    WHERE state = 'sending'
                    """, arguments: [at.timeIntervalSince1970, detail])
            return ids
        }
    }

    /// Check the state, check the window, mark sending, open the attempt: one transaction, so that
    /// when this returns `.claimed` the mark is on disk before any byte is sent.
    public func claimSend(deliveryID: Int64, at: Date, noRepeatSince: Date) async throws -> SendClaim {
        try await write("claim delivery \(deliveryID)") { db in
            try Self.claim(db, deliveryID: deliveryID, at: at, noRepeatSince: noRepeatSince)
        }
    }

    /// Closes the attempt and moves the delivery to its next state in one transaction.
    public func finishSend(deliveryID: Int64, attemptID: Int64, outcome: SendOutcome, at: Date) async throws {
        _ = try await write("record the outcome of delivery \(deliveryID)") { db in
            try Self.finish(db, deliveryID: deliveryID, attemptID: attemptID, outcome: outcome, at: at)
        }
    }

    /// Applies the writes in order in one transaction: one commit for many claims and outcomes.
    public func writeJournal(_ writes: [JournalWrite]) async throws -> [JournalResult] {
        try await write("write \(writes.count) delivery records") { db in
            try writes.map { write in
                switch write {
                case .claim(let deliveryID, let at, let noRepeatSince):
                    .claimed(try Self.claim(db, deliveryID: deliveryID, at: at, noRepeatSince: noRepeatSince))
                case .finish(let deliveryID, let attemptID, let outcome, let at):
                    try Self.finish(db, deliveryID: deliveryID, attemptID: attemptID, outcome: outcome, at: at)
                }
            }
        }
    }

    private static func claim(_ db: Database, deliveryID: Int64, at: Date, noRepeatSince: Date) throws -> SendClaim {
        guard
            let found = try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT id, state, credit_code, robot_key, attempts FROM campaign_delivery WHERE id = ?"),
                arguments: [deliveryID])
        else {
            return .notPending(.skipped)
        }
        let row = try UnreadableRow.decode(ClaimRow.self, found, table: "campaign_delivery", id: "id")
        let state = try UnreadableRow.state(row.state, table: "campaign_delivery", id: deliveryID)
        guard state.isPending else { return .notPending(state) }
        let creditCode = row.creditCode
        if let conflict = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT o.credit_code, o.item_id, d.campaign_id, d.id AS delivery_id, d.state, d.sent_at
                    FROM campaign_delivery_item mine
                    JOIN campaign_delivery_item o ON o.credit_code = mine.credit_code AND o.item_id = mine.item_id
                    JOIN campaign_delivery d ON d.id = o.delivery_id
                    WHERE mine.delivery_id = ? AND o.credit_code = ? AND d.id != ?
                        AND d.state IN \(Self.blockingStates) AND d.sent_at >= ?
                    ORDER BY d.sent_at LIMIT 1
                    """), arguments: [deliveryID, creditCode, deliveryID, noRepeatSince.timeIntervalSince1970]
        ).map(RecentSendRow.fetch) {
            try db.cachedStatement(
                sql: "UPDATE campaign_delivery SET state = 'skipped', finished_at = ?, last_error = ? WHERE id = ?"
            ).execute(arguments: [
                at.timeIntervalSince1970,
                NoRepeatRule.skipNote(conflict),
                deliveryID,
            ])
            return .skipped(because: conflict)
        }
        let attempt = row.attempts + 1
        try db.cachedStatement(
            sql: """
                UPDATE campaign_delivery SET state = 'sending', attempts = ?, sent_at = ?, next_attempt_at = NULL
                WHERE id = ?
                """
        ).execute(arguments: [attempt, at.timeIntervalSince1970, deliveryID])
        try db.cachedStatement(
            sql: "INSERT INTO campaign_attempt (delivery_id, robot_key, started_at) VALUES (?, ?, ?)"
        ).execute(arguments: [deliveryID, row.robotKey, at.timeIntervalSince1970])
        return .claimed(attemptID: db.lastInsertedRowID, attempt: attempt)
    }

    private static func finish(
        _ db: Database, deliveryID: Int64, attemptID: Int64, outcome: SendOutcome, at: Date
    ) throws -> JournalResult {
        let time = at.timeIntervalSince1970
        let (attemptOutcome, code, detail): (String, Int?, String?) =
            switch outcome {
            case .delivered: ("delivered", nil, nil)
            case .retry(_, let rateLimited, let code, let detail): (rateLimited ? "rateLimited" : "retry", code, detail)
            case .failed(let code, let detail): ("failed", code, detail)
            case .uncertain(let detail): ("uncertain", nil, detail)
            }
        try db.cachedStatement(
            sql: "UPDATE campaign_attempt SET finished_at = ?, outcome = ?, code = ?, detail = ? WHERE id = ?"
        ).execute(arguments: [time, attemptOutcome, code, detail, attemptID])
        switch outcome {
        case .delivered:
            try db.cachedStatement(
                sql: """
                    UPDATE campaign_delivery SET state = 'delivered', finished_at = ?, error_code = NULL,
                        last_error = NULL
                    WHERE id = ?
                    """
            ).execute(arguments: [time, deliveryID])
        case .retry(let next, let rateLimited, let code, let detail):
            try db.cachedStatement(
                sql: """
                    UPDATE campaign_delivery SET state = 'retrying', next_attempt_at = ?,
                        rate_limited = rate_limited + ?, error_code = ?, last_error = ?
                    WHERE id = ?
                    """
            ).execute(arguments: [next.timeIntervalSince1970, rateLimited ? 1 : 0, code, detail, deliveryID])
        case .failed(let code, let detail):
            try db.cachedStatement(
                sql: """
                    UPDATE campaign_delivery SET state = 'failed', finished_at = ?, error_code = ?, last_error = ?
                    WHERE id = ?
                    """
            ).execute(arguments: [time, code, detail, deliveryID])
        case .uncertain(let detail):
            try db.cachedStatement(
                sql: "UPDATE campaign_delivery SET state = 'uncertain', finished_at = ?, last_error = ? WHERE id = ?"
            ).execute(arguments: [time, detail, deliveryID])
        }
        return .finished
    }

    /// Reads the attempts on these robots since `since`.
    public func recentAttempts(robotKeys: Set<String>, since: Date) async throws -> [DeliveryAttempt] {
        guard !robotKeys.isEmpty else { return [] }
        return try await read("read recent attempts") { db in
            // One range scan of the index; filtering the keys in Swift avoids a statement with
            // hundreds of parameters.
            try Row.fetchAll(
                db, sql: "SELECT * FROM campaign_attempt WHERE started_at >= ? ORDER BY started_at, id",
                arguments: [since.timeIntervalSince1970]
            ).map(AttemptRow.fetch).filter { robotKeys.contains($0.robotKey) }
        }
    }

    /// Applies a person's decision to an uncertain delivery.
    public func resolveUncertain(deliveryID: Int64, as decision: UncertainDecision, at: Date) async throws -> Bool {
        try await write("resolve delivery \(deliveryID)") { db in
            let note = decision.note(at: at)
            switch decision {
            case .delivered:
                try db.execute(
                    sql:
                        "UPDATE campaign_delivery SET state = 'delivered', last_error = ? WHERE id = ? AND state = 'uncertain'",
                    arguments: [note, deliveryID])
            case .resend:
                try db.execute(
                    sql: """
                        UPDATE campaign_delivery SET state = 'planned', finished_at = NULL, next_attempt_at = NULL,
                            last_error = ?
                        WHERE id = ? AND state = 'uncertain'
                        """, arguments: [note, deliveryID])
            }
            return db.changesCount > 0
        }
    }

    /// The no-repeat rule's states as an SQL list, such as `('delivered', 'sending', 'uncertain')`.
    private static let blockingStates =
        "(" + NoRepeatRule.blockingStates.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"
}
