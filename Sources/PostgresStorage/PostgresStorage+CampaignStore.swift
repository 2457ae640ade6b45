public import Foundation
import Logging
public import OutreachModel
import PostgresNIO

extension PostgresStorage {
    /// The outreach tables, as SQLite keeps them (`SQLiteStorage+CampaignStore.swift`): campaigns,
    /// their robots with secrets, deliveries with their items, skips, and a journal of every attempt.
    /// A campaign's item ids, titles and notes are `text[]` here; times are seconds since 1970.
    static let campaignTables: [String] = [
        """
        CREATE TABLE campaign (
            id bigserial PRIMARY KEY,
            created_at double precision NOT NULL,
            roster_name text NOT NULL,
            item_ids text[] NOT NULL,
            item_titles text[] NOT NULL,
            template text NOT NULL,
            format text NOT NULL,
            window_days bigint NOT NULL,
            enterprise_count bigint NOT NULL,
            notes text[] NOT NULL
        )
        """,
        """
        CREATE TABLE campaign_robot (
            campaign_id bigint NOT NULL REFERENCES campaign (id) ON DELETE CASCADE,
            robot_key text NOT NULL,
            platform text NOT NULL,
            url text NOT NULL,
            secret text,
            PRIMARY KEY (campaign_id, robot_key)
        )
        """,
        """
        CREATE TABLE campaign_delivery (
            id bigserial PRIMARY KEY,
            campaign_id bigint NOT NULL REFERENCES campaign (id) ON DELETE CASCADE,
            seq bigint NOT NULL,
            enterprise_name text NOT NULL,
            credit_code text NOT NULL,
            robot_key text NOT NULL,
            title text NOT NULL,
            body text NOT NULL,
            state text NOT NULL,
            attempts bigint NOT NULL DEFAULT 0,
            rate_limited bigint NOT NULL DEFAULT 0,
            next_attempt_at double precision,
            sent_at double precision,
            finished_at double precision,
            error_code bigint,
            last_error text,
            UNIQUE (campaign_id, seq)
        )
        """,
        "CREATE INDEX campaign_delivery_state ON campaign_delivery (state)",
        """
        CREATE TABLE campaign_delivery_item (
            delivery_id bigint NOT NULL REFERENCES campaign_delivery (id) ON DELETE CASCADE,
            position bigint NOT NULL,
            item_id text NOT NULL,
            credit_code text NOT NULL,
            title text NOT NULL,
            yuan bigint,
            max_yuan bigint,
            per_year boolean NOT NULL,
            formula text NOT NULL,
            reason text NOT NULL,
            PRIMARY KEY (delivery_id, item_id)
        )
        """,
        "CREATE INDEX campaign_delivery_item_enterprise ON campaign_delivery_item (credit_code, item_id)",
        "CREATE INDEX campaign_delivery_item_item ON campaign_delivery_item (item_id)",
        """
        CREATE TABLE campaign_skip (
            id bigserial PRIMARY KEY,
            campaign_id bigint NOT NULL REFERENCES campaign (id) ON DELETE CASCADE,
            enterprise_name text NOT NULL,
            credit_code text NOT NULL,
            item_id text NOT NULL,
            reason text NOT NULL,
            previous_campaign_id bigint,
            previous_at double precision
        )
        """,
        "CREATE INDEX campaign_skip_campaign ON campaign_skip (campaign_id)",
        """
        CREATE TABLE campaign_attempt (
            id bigserial PRIMARY KEY,
            delivery_id bigint NOT NULL REFERENCES campaign_delivery (id) ON DELETE CASCADE,
            robot_key text NOT NULL,
            started_at double precision NOT NULL,
            finished_at double precision,
            outcome text,
            code bigint,
            detail text
        )
        """,
        "CREATE INDEX campaign_attempt_started ON campaign_attempt (started_at)",
        "CREATE INDEX campaign_attempt_delivery ON campaign_attempt (delivery_id)",
    ]

    /// The no-repeat rule's states, passed as a parameter (`state = ANY(…)`) so that SQL never restates them.
    static var blockingStates: [String] { NoRepeatRule.blockingStates.map(\.rawValue) }
}

extension PostgresStorage: CampaignStore {
    /// Stores the campaign, its robots, deliveries, items and skips in one transaction: a few
    /// statements whatever the plan's size, each row set sent as arrays and spread by `unnest`.
    public func createCampaign(_ campaign: NewCampaign) async throws -> Int64 {
        let logger = logger
        return try await withTransaction("store the campaign") { connection in
            let inserted = try await connection.query(
                """
                INSERT INTO campaign (created_at, roster_name, item_ids, item_titles, template, format, window_days,
                    enterprise_count, notes)
                VALUES (\(campaign.createdAt.timeIntervalSince1970), \(campaign.rosterName), \(campaign.itemIDs),
                    \(campaign.itemTitles), \(campaign.template), \(campaign.format), \(Int64(campaign.windowDays)),
                    \(Int64(campaign.enterpriseCount)), \(campaign.notes))
                RETURNING id
                """, logger: logger
            ).collect()
            guard let campaignID = try inserted.first?.decode(Int64.self) else {
                throw Self.unreadable("campaign", "?", "the insert returned no id")
            }
            let robots = campaign.robots
            if !robots.isEmpty {
                // A robot without a secret is sent as an empty text and stored as NULL.
                _ = try await connection.query(
                    """
                    INSERT INTO campaign_robot (campaign_id, robot_key, platform, url, secret)
                    SELECT \(campaignID), k, p, u, NULLIF(s, '')
                    FROM unnest(\(robots.map(\.key)), \(robots.map(\.platform)), \(robots.map(\.url)),
                        \(robots.map { $0.secret ?? "" })) AS r(k, p, u, s)
                    """, logger: logger
                ).collect()
            }
            let deliveries = campaign.deliveries
            if !deliveries.isEmpty {
                _ = try await connection.query(
                    """
                    INSERT INTO campaign_delivery (campaign_id, seq, enterprise_name, credit_code, robot_key, title,
                        body, state)
                    SELECT \(campaignID), seq, name, code, robot, title, body, 'planned'
                    FROM unnest(\(deliveries.map { Int64($0.seq) }), \(deliveries.map(\.enterpriseName)),
                        \(deliveries.map(\.creditCode)), \(deliveries.map(\.robotKey)), \(deliveries.map(\.title)),
                        \(deliveries.map(\.body))) AS d(seq, name, code, robot, title, body)
                    """, logger: logger
                ).collect()
                let items = deliveries.flatMap { d in
                    d.items.enumerated().map { (seq: Int64(d.seq), position: Int64($0.offset), item: $0.element) }
                }
                if !items.isEmpty {
                    // Amounts that may be missing travel as text, empty for none.
                    _ = try await connection.query(
                        """
                        INSERT INTO campaign_delivery_item (delivery_id, position, item_id, credit_code, title, yuan,
                            max_yuan, per_year, formula, reason)
                        SELECT d.id, i.position, i.item_id, d.credit_code, i.title, NULLIF(i.yuan, '')::bigint,
                            NULLIF(i.max_yuan, '')::bigint, i.per_year, i.formula, i.reason
                        FROM unnest(\(items.map(\.seq)), \(items.map(\.position)), \(items.map(\.item.itemID)),
                            \(items.map(\.item.title)), \(items.map { $0.item.yuan.map(String.init) ?? "" }),
                            \(items.map { $0.item.maxYuan.map(String.init) ?? "" }), \(items.map(\.item.perYear)),
                            \(items.map(\.item.formula)), \(items.map(\.item.reason)))
                            AS i(seq, position, item_id, title, yuan, max_yuan, per_year, formula, reason)
                        JOIN campaign_delivery d ON d.campaign_id = \(campaignID) AND d.seq = i.seq
                        """, logger: logger
                    ).collect()
                }
            }
            let skips = campaign.skips
            if !skips.isEmpty {
                _ = try await connection.query(
                    """
                    INSERT INTO campaign_skip (campaign_id, enterprise_name, credit_code, item_id, reason,
                        previous_campaign_id, previous_at)
                    SELECT \(campaignID), name, code, item, reason, NULLIF(previous, ''):: bigint,
                        NULLIF(at, '')::double precision
                    FROM unnest(\(skips.map(\.enterpriseName)), \(skips.map(\.creditCode)), \(skips.map(\.itemID)),
                        \(skips.map(\.reason)), \(skips.map { $0.previousCampaignID.map(String.init) ?? "" }),
                        \(skips.map { $0.previousAt.map { "\($0.timeIntervalSince1970)" } ?? "" }))
                        WITH ORDINALITY AS s(name, code, item, reason, previous, at, n)
                    ORDER BY n
                    """, logger: logger
                ).collect()
            }
            return campaignID
        }
    }

    /// Reads one campaign.
    public func campaign(id: Int64) async throws -> CampaignRecord? {
        try await rows("read campaign \(id)", "\(unescaped: Self.campaignColumns) WHERE id = \(id)")
            .first.map(Self.campaignRecord)
    }

    /// Lists campaigns newest first, counting deliveries by state in SQL.
    public func campaigns() async throws -> [CampaignListing] {
        let campaigns = try await rows("list campaigns", "\(unescaped: Self.campaignColumns) ORDER BY id DESC")
            .map(Self.campaignRecord)
        var counts: [Int64: [DeliveryState: Int]] = [:]
        for row in try await rows(
            "count deliveries by state",
            "SELECT campaign_id, state, count(*) FROM campaign_delivery GROUP BY campaign_id, state")
        {
            let (campaignID, state, n) = try row.decode((Int64, String, Int64).self)
            counts[campaignID, default: [:]][try Self.state(state, "campaign_delivery", campaignID)] = Int(n)
        }
        return campaigns.map { CampaignListing(campaign: $0, counts: counts[$0.id] ?? [:]) }
    }

    /// Reads a campaign's robots, secrets included.
    public func robots(campaignID: Int64) async throws -> [CampaignRobot] {
        try await rows(
            "read the robots of campaign \(campaignID)",
            """
            SELECT robot_key, platform, url, secret FROM campaign_robot WHERE campaign_id = \(campaignID)
            ORDER BY robot_key
            """
        ).map { row in
            let (key, platform, url, secret) = try row.decode((String, String, String, String?).self)
            return CampaignRobot(key: key, platform: platform, url: url, secret: secret)
        }
    }

    /// Reads a campaign's deliveries with their items, in plan order.
    public func deliveries(campaignID: Int64) async throws -> [DeliveryRecord] {
        var items: [Int64: [DeliveryItem]] = [:]
        for row in try await rows(
            "read the items of campaign \(campaignID)",
            """
            SELECT i.delivery_id, i.item_id, i.title, i.yuan, i.max_yuan, i.per_year, i.formula, i.reason
            FROM campaign_delivery_item i JOIN campaign_delivery d ON d.id = i.delivery_id
            WHERE d.campaign_id = \(campaignID) ORDER BY i.delivery_id, i.position
            """)
        {
            let (deliveryID, itemID, title, yuan, maxYuan, perYear, formula, reason) = try row.decode(
                (Int64, String, String, Int64?, Int64?, Bool, String, String).self)
            items[deliveryID, default: []].append(
                DeliveryItem(
                    itemID: itemID, title: title, yuan: yuan, maxYuan: maxYuan, perYear: perYear, formula: formula,
                    reason: reason))
        }
        return try await rows(
            "read the deliveries of campaign \(campaignID)",
            """
            SELECT d.id, d.campaign_id, d.seq, d.enterprise_name, d.credit_code, d.robot_key, r.platform, d.title,
                d.body, d.state, d.attempts, d.rate_limited, d.next_attempt_at, d.sent_at, d.finished_at,
                d.error_code, d.last_error
            FROM campaign_delivery d
            JOIN campaign_robot r ON r.campaign_id = d.campaign_id AND r.robot_key = d.robot_key
            WHERE d.campaign_id = \(campaignID) ORDER BY d.seq
            """
        ).map { row in
            let (
                id, campaign, seq, name, code, robot, platform, title, body, state, attempts, rateLimited, next, sent,
                finished, errorCode, lastError
            ) = try row.decode(
                (
                    Int64, Int64, Int64, String, String, String, String, String, String, String, Int64, Int64, Double?,
                    Double?, Double?, Int64?, String?
                ).self)
            return DeliveryRecord(
                id: id, campaignID: campaign, seq: Int(seq), enterpriseName: name, creditCode: code, robotKey: robot,
                platform: platform, title: title, body: body, items: items[id] ?? [],
                state: try Self.state(state, "campaign_delivery", id), attempts: Int(attempts),
                rateLimited: Int(rateLimited), nextAttemptAt: next.map(Date.init(timeIntervalSince1970:)),
                sentAt: sent.map(Date.init(timeIntervalSince1970:)),
                finishedAt: finished.map(Date.init(timeIntervalSince1970:)), errorCode: errorCode.map(Int.init),
                lastError: lastError)
        }
    }

    /// Reads a campaign's skips in plan order.
    public func skips(campaignID: Int64) async throws -> [CampaignSkip] {
        try await rows(
            "read the skips of campaign \(campaignID)",
            """
            SELECT enterprise_name, credit_code, item_id, reason, previous_campaign_id, previous_at
            FROM campaign_skip WHERE campaign_id = \(campaignID) ORDER BY id
            """
        ).map { row in
            let (name, code, item, reason, previous, at) = try row.decode(
                (String, String, String, String, Int64?, Double?).self)
            return CampaignSkip(
                enterpriseName: name, creditCode: code, itemID: item, reason: reason, previousCampaignID: previous,
                previousAt: at.map(Date.init(timeIntervalSince1970:)))
        }
    }

    /// Reads a campaign's attempts, oldest first.
    public func attempts(campaignID: Int64) async throws -> [DeliveryAttempt] {
        try await rows(
            "read the attempts of campaign \(campaignID)",
            """
            \(unescaped: Self.attemptColumns("a")) FROM campaign_attempt a JOIN campaign_delivery d ON d.id = a.delivery_id
            WHERE d.campaign_id = \(campaignID) ORDER BY a.id
            """
        ).map(Self.attempt)
    }

    /// One indexed query over the items asked about.
    public func recentSends(itemIDs: Set<String>, since: Date) async throws -> [RecentSend] {
        guard !itemIDs.isEmpty else { return [] }
        return try await rows(
            "read recent sends",
            """
            SELECT i.credit_code, i.item_id, d.campaign_id, d.id, d.state, d.sent_at
            FROM campaign_delivery_item i JOIN campaign_delivery d ON d.id = i.delivery_id
            WHERE i.item_id = ANY(\(itemIDs.sorted())) AND d.state = ANY(\(Self.blockingStates))
                AND d.sent_at >= \(since.timeIntervalSince1970)
            ORDER BY d.sent_at, d.id
            """
        ).map(Self.recentSend)
    }

    /// Closes the open attempts of every `sending` delivery and marks them uncertain, in one transaction.
    public func recoverInterruptedSends(at: Date) async throws -> [Int64] {
        let logger = logger
        let time = at.timeIntervalSince1970
        let detail = SendOutcome.interruptedDetail
        return try await withTransaction("mark interrupted sends uncertain") { connection in
            _ = try await connection.query(
                """
                UPDATE campaign_attempt SET finished_at = \(time), outcome = 'uncertain', detail = \(detail)
                WHERE finished_at IS NULL AND delivery_id IN (SELECT id FROM campaign_delivery WHERE state = 'sending')
                """, logger: logger
            ).collect()
            let changed = try await connection.query(
                """
                UPDATE campaign_delivery SET state = 'uncertain', finished_at = \(time), last_error = \(detail)
                WHERE state = 'sending' RETURNING id
                """, logger: logger
            ).collect()
            return try changed.map { try $0.decode(Int64.self) }.sorted()
        }
    }

    /// Check the state, check the window, mark sending, open the attempt: one transaction, so that
    /// when this returns `.claimed` the mark is committed before any byte is sent.
    public func claimSend(deliveryID: Int64, at: Date, noRepeatSince: Date) async throws -> SendClaim {
        let logger = logger
        return try await withTransaction("claim delivery \(deliveryID)") { connection in
            try await Self.claim(
                connection, deliveryID: deliveryID, at: at, noRepeatSince: noRepeatSince, logger: logger)
        }
    }

    /// Closes the attempt and moves the delivery to its next state in one transaction.
    public func finishSend(deliveryID: Int64, attemptID: Int64, outcome: SendOutcome, at: Date) async throws {
        let logger = logger
        try await withTransaction("record the outcome of delivery \(deliveryID)") { connection in
            try await Self.finish(
                connection, deliveryID: deliveryID, attemptID: attemptID, outcome: outcome, at: at, logger: logger)
        }
    }

    /// Applies the writes in order in one transaction: one commit for many claims and outcomes.
    public func writeJournal(_ writes: [JournalWrite]) async throws -> [JournalResult] {
        let logger = logger
        return try await withTransaction("write \(writes.count) delivery records") { connection in
            var results: [JournalResult] = []
            results.reserveCapacity(writes.count)
            for write in writes {
                switch write {
                case .claim(let deliveryID, let at, let noRepeatSince):
                    results.append(
                        .claimed(
                            try await Self.claim(
                                connection, deliveryID: deliveryID, at: at, noRepeatSince: noRepeatSince,
                                logger: logger)))
                case .finish(let deliveryID, let attemptID, let outcome, let at):
                    try await Self.finish(
                        connection, deliveryID: deliveryID, attemptID: attemptID, outcome: outcome, at: at,
                        logger: logger)
                    results.append(.finished)
                }
            }
            return results
        }
    }

    /// Reads the attempts on these robots since `since`.
    public func recentAttempts(robotKeys: Set<String>, since: Date) async throws -> [DeliveryAttempt] {
        guard !robotKeys.isEmpty else { return [] }
        return try await rows(
            "read recent attempts",
            """
            \(unescaped: Self.attemptColumns("a")) FROM campaign_attempt a
            WHERE a.started_at >= \(since.timeIntervalSince1970) AND a.robot_key = ANY(\(robotKeys.sorted()))
            ORDER BY a.started_at, a.id
            """
        ).map(Self.attempt)
    }

    /// Applies a person's decision to an uncertain delivery.
    public func resolveUncertain(deliveryID: Int64, as decision: UncertainDecision, at: Date) async throws -> Bool {
        let note = decision.note(at: at)
        let query: PostgresQuery =
            switch decision {
            case .delivered:
                """
                UPDATE campaign_delivery SET state = 'delivered', last_error = \(note)
                WHERE id = \(deliveryID) AND state = 'uncertain' RETURNING id
                """
            case .resend:
                """
                UPDATE campaign_delivery SET state = 'planned', finished_at = NULL, next_attempt_at = NULL,
                    last_error = \(note)
                WHERE id = \(deliveryID) AND state = 'uncertain' RETURNING id
                """
            }
        let changed = try await rows("resolve delivery \(deliveryID)", query)
        return !changed.isEmpty
    }

    // MARK: - The journal's two writes

    private static func claim(
        _ connection: PostgresConnection, deliveryID: Int64, at: Date, noRepeatSince: Date, logger: Logger
    ) async throws -> SendClaim {
        // FOR UPDATE: the row is this transaction's until it commits, whoever else reads the ledger.
        guard
            let found = try await connection.query(
                """
                SELECT state, credit_code, robot_key, attempts FROM campaign_delivery WHERE id = \(deliveryID)
                FOR UPDATE
                """, logger: logger
            ).collect().first
        else {
            return .notPending(.skipped)
        }
        let (rawState, creditCode, robotKey, attempts) = try found.decode((String, String, String, Int64).self)
        let state = try Self.state(rawState, "campaign_delivery", deliveryID)
        guard state.isPending else { return .notPending(state) }
        if let conflict = try await connection.query(
            """
            SELECT o.credit_code, o.item_id, d.campaign_id, d.id, d.state, d.sent_at
            FROM campaign_delivery_item mine
            JOIN campaign_delivery_item o ON o.credit_code = mine.credit_code AND o.item_id = mine.item_id
            JOIN campaign_delivery d ON d.id = o.delivery_id
            WHERE mine.delivery_id = \(deliveryID) AND o.credit_code = \(creditCode) AND d.id <> \(deliveryID)
                AND d.state = ANY(\(Self.blockingStates)) AND d.sent_at >= \(noRepeatSince.timeIntervalSince1970)
            ORDER BY d.sent_at LIMIT 1
            """, logger: logger
        ).collect().first.map(Self.recentSend) {
            _ = try await connection.query(
                """
                UPDATE campaign_delivery SET state = 'skipped', finished_at = \(at.timeIntervalSince1970),
                    last_error = \(NoRepeatRule.skipNote(conflict))
                WHERE id = \(deliveryID)
                """, logger: logger
            ).collect()
            return .skipped(because: conflict)
        }
        let attempt = attempts + 1
        _ = try await connection.query(
            """
            UPDATE campaign_delivery SET state = 'sending', attempts = \(attempt), sent_at = \(at.timeIntervalSince1970),
                next_attempt_at = NULL
            WHERE id = \(deliveryID)
            """, logger: logger
        ).collect()
        let opened = try await connection.query(
            """
            INSERT INTO campaign_attempt (delivery_id, robot_key, started_at)
            VALUES (\(deliveryID), \(robotKey), \(at.timeIntervalSince1970)) RETURNING id
            """, logger: logger
        ).collect()
        guard let attemptID = try opened.first?.decode(Int64.self) else {
            throw Self.unreadable("campaign_attempt", "?", "the insert returned no id")
        }
        return .claimed(attemptID: attemptID, attempt: Int(attempt))
    }

    private static func finish(
        _ connection: PostgresConnection, deliveryID: Int64, attemptID: Int64, outcome: SendOutcome, at: Date,
        logger: Logger
    ) async throws {
        let time = at.timeIntervalSince1970
        let (attemptOutcome, code, detail): (String, Int64?, String?) =
            switch outcome {
            case .delivered: ("delivered", nil, nil)
            case .retry(_, let rateLimited, let code, let detail):
                (rateLimited ? "rateLimited" : "retry", code.map(Int64.init), detail)
            case .failed(let code, let detail): ("failed", code.map(Int64.init), detail)
            case .uncertain(let detail): ("uncertain", nil, detail)
            }
        _ = try await connection.query(
            """
            UPDATE campaign_attempt SET finished_at = \(time), outcome = \(attemptOutcome), code = \(code),
                detail = \(detail)
            WHERE id = \(attemptID)
            """, logger: logger
        ).collect()
        let query: PostgresQuery =
            switch outcome {
            case .delivered:
                """
                UPDATE campaign_delivery SET state = 'delivered', finished_at = \(time), error_code = NULL,
                    last_error = NULL
                WHERE id = \(deliveryID)
                """
            case .retry(let next, let rateLimited, let code, let detail):
                """
                UPDATE campaign_delivery SET state = 'retrying', next_attempt_at = \(next.timeIntervalSince1970),
                    rate_limited = rate_limited + \(Int64(rateLimited ? 1 : 0)), error_code = \(code.map(Int64.init)),
                    last_error = \(detail)
                WHERE id = \(deliveryID)
                """
            case .failed(let code, let detail):
                """
                UPDATE campaign_delivery SET state = 'failed', finished_at = \(time),
                    error_code = \(code.map(Int64.init)), last_error = \(detail)
                WHERE id = \(deliveryID)
                """
            case .uncertain(let detail):
                """
                UPDATE campaign_delivery SET state = 'uncertain', finished_at = \(time), last_error = \(detail)
                WHERE id = \(deliveryID)
                """
            }
        _ = try await connection.query(query, logger: logger).collect()
    }

    // MARK: - Rows

    private static let campaignColumns = """
        SELECT id, created_at, roster_name, item_ids, item_titles, template, format, window_days, enterprise_count,
            notes
        FROM campaign
        """

    private static func campaignRecord(_ row: PostgresRow) throws -> CampaignRecord {
        let (id, createdAt, roster, itemIDs, titles, template, format, windowDays, enterprises, notes) =
            try row.decode((Int64, Double, String, [String], [String], String, String, Int64, Int64, [String]).self)
        return CampaignRecord(
            id: id, createdAt: Date(timeIntervalSince1970: createdAt), rosterName: roster, itemIDs: itemIDs,
            itemTitles: titles, template: template, format: format, windowDays: Int(windowDays),
            enterpriseCount: Int(enterprises), notes: notes)
    }

    private static func attemptColumns(_ alias: String) -> String {
        "SELECT \(alias).id, \(alias).delivery_id, \(alias).robot_key, \(alias).started_at, \(alias).finished_at, "
            + "\(alias).outcome, \(alias).code, \(alias).detail"
    }

    private static func attempt(_ row: PostgresRow) throws -> DeliveryAttempt {
        let (id, deliveryID, robot, started, finished, outcome, code, detail) = try row.decode(
            (Int64, Int64, String, Double, Double?, String?, Int64?, String?).self)
        return DeliveryAttempt(
            id: id, deliveryID: deliveryID, robotKey: robot, startedAt: Date(timeIntervalSince1970: started),
            finishedAt: finished.map(Date.init(timeIntervalSince1970:)), outcome: outcome, code: code.map(Int.init),
            detail: detail)
    }

    private static func recentSend(_ row: PostgresRow) throws -> RecentSend {
        let (code, item, campaignID, deliveryID, state, sentAt) = try row.decode(
            (String, String, Int64, Int64, String, Double).self)
        return RecentSend(
            creditCode: code, itemID: item, campaignID: campaignID, deliveryID: deliveryID,
            state: try Self.state(state, "campaign_delivery", deliveryID), at: Date(timeIntervalSince1970: sentAt))
    }

    /// The state named in a row, or an error naming the table and the row.
    private static func state(_ raw: String, _ table: String, _ id: Int64) throws -> DeliveryState {
        guard let state = DeliveryState(rawValue: raw) else {
            throw unreadable(
                table, "\(id)",
                "unknown state \"\(raw)\" (one of \(DeliveryState.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return state
    }

    private static func unreadable(_ table: String, _ id: String, _ problem: String) -> PostgresStorageError {
        .unreadableRow(table: table, id: id, problem: problem)
    }
}
