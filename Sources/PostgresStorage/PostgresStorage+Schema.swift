import Foundation
package import Logging
import PostgresNIO
package import Storage

extension PostgresStorage {
    /// The lock every instance takes to migrate, so that two instances starting together do not
    /// both create the tables: the second waits, then finds nothing left to do.
    static let migrationLockKey: Int64 = 0x506F_6C44_6573_6B01

    /// The migrations in order, kept beside SQLite's (`SQLiteStorage+Schema.swift`): the same tables
    /// and columns, with PostgreSQL's types. Times are seconds since 1970 as `double precision`,
    /// exactly as SQLite keeps them, so a stored date compares equal after a round trip.
    static let migrations: [(name: String, sql: [String])] = [
        (
            "v1",
            [
                """
                CREATE TABLE dedupe_claim (
                    key text PRIMARY KEY,
                    expires_at double precision NOT NULL,
                    reply text
                )
                """,
                "CREATE INDEX dedupe_claim_expires_at ON dedupe_claim (expires_at)",
                """
                CREATE TABLE conversation (
                    key text PRIMARY KEY,
                    value bytea NOT NULL,
                    expires_at double precision NOT NULL
                )
                """,
                "CREATE INDEX conversation_expires_at ON conversation (expires_at)",
                // bigserial: a group id is never reused, so an editor's link to a group stays valid.
                """
                CREATE TABLE miss_group (
                    id bigserial PRIMARY KEY,
                    normalized_text text NOT NULL,
                    resolution text,
                    hits bigint NOT NULL,
                    first_seen double precision NOT NULL,
                    last_seen double precision NOT NULL,
                    max_confidence double precision NOT NULL,
                    latest_text text NOT NULL,
                    best_guess_item text
                )
                """,
                // At most one open group per text, whichever instance records the miss.
                "CREATE UNIQUE INDEX miss_group_open_text ON miss_group (normalized_text) WHERE resolution IS NULL",
                "CREATE INDEX miss_group_open_rank ON miss_group (hits DESC, last_seen DESC) WHERE resolution IS NULL",
                "CREATE INDEX miss_group_last_seen ON miss_group (last_seen)",
                """
                CREATE TABLE miss (
                    id bigserial PRIMARY KEY,
                    group_id bigint NOT NULL REFERENCES miss_group (id) ON DELETE CASCADE,
                    text text NOT NULL,
                    channel text NOT NULL,
                    user_id text NOT NULL,
                    at double precision NOT NULL,
                    best_guess_item text,
                    confidence double precision NOT NULL
                )
                """,
                "CREATE INDEX miss_group_id_at ON miss (group_id, at)",
                "CREATE INDEX miss_user_at ON miss (user_id, at)",
                "CREATE INDEX miss_at ON miss (at)",
                """
                CREATE TABLE audit_entry (
                    id bigserial PRIMARY KEY,
                    who text NOT NULL,
                    at double precision NOT NULL,
                    action text NOT NULL,
                    target text NOT NULL,
                    before_value text,
                    after_value text
                )
                """,
                "CREATE TABLE store_probe (id integer PRIMARY KEY, at double precision NOT NULL)",
                // Staff edits of Intents/ files, shared by every instance (see SharedIntents): the
                // whole edited text of each file and the revision that last wrote it.
                """
                CREATE TABLE intents_file (
                    name text PRIMARY KEY,
                    text text NOT NULL,
                    revision bigint NOT NULL
                )
                """,
                "CREATE SEQUENCE intents_revision",
            ]
        ),
        (
            "v2-staff-accounts",
            [
                """
                CREATE TABLE staff_account (
                    name text PRIMARY KEY,
                    password_hash text NOT NULL,
                    created_at double precision NOT NULL,
                    password_changed_at double precision NOT NULL
                )
                """
            ]
        ),
        ("v3-campaigns", campaignTables),
    ]

    /// Brings the schema up to date under `pg_advisory_lock`, refusing a database that a newer
    /// version migrated; returns the names of the migrations this call applied.
    @discardableResult
    public func migrate() async throws -> [String] {
        let known = Self.migrations.map(\.name)
        let logger = logger
        let address = address
        return try await withConnection("migrate the schema", timeout: .seconds(15)) { connection in
            _ = try await connection.query("SELECT pg_advisory_lock(\(Self.migrationLockKey))", logger: logger)
                .collect()
            do {
                if let schema = address.schema {
                    // The name was checked to be letters, digits and _ only (PostgresAddress).
                    _ = try await connection.query(
                        PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \"\(schema)\""), logger: logger
                    )
                    .collect()
                }
                _ = try await connection.query(
                    "CREATE TABLE IF NOT EXISTS schema_migration (name text PRIMARY KEY, applied_at double precision NOT NULL)",
                    logger: logger
                ).collect()
                var applied = Set<String>()
                for try await name in try await connection.query("SELECT name FROM schema_migration", logger: logger)
                    .decode(String.self)
                {
                    applied.insert(name)
                }
                let unknown = applied.subtracting(known)
                guard unknown.isEmpty else {
                    throw StorageError.newerSchema(path: address.description, unknownMigrations: unknown.sorted())
                }
                var ran: [String] = []
                for migration in Self.migrations where !applied.contains(migration.name) {
                    do {
                        try await connection.withTransaction(logger: logger) { connection in
                            for statement in migration.sql {
                                _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                                    .collect()
                            }
                            let now = Date().timeIntervalSince1970
                            _ = try await connection.query(
                                "INSERT INTO schema_migration (name, applied_at) VALUES (\(migration.name), \(now))",
                                logger: logger
                            ).collect()
                        }
                    } catch let error as PostgresTransactionError {
                        let cause = error.closureError ?? error.commitError ?? error
                        throw StorageError.migrationFailed(
                            path: address.description, reason: "\(migration.name): \(Self.reason(cause))")
                    }
                    ran.append(migration.name)
                }
                _ = try await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLockKey))", logger: logger)
                    .collect()
                return ran
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLockKey))", logger: logger)
                    .collect()
                throw error
            }
        }
    }

    /// Checks, before the server takes its first message, that the database is reachable,
    /// migrated and takes a write.
    public func checkAtStart() async throws {
        try await migrate()
        do {
            try await probeWrite()
        } catch {
            throw StorageError.notWritable(path: address.description, reason: "\(error)")
        }
    }

    /// The names of the applied migrations, in name order.
    package func appliedMigrations() async throws -> [String] {
        try await rows("read the applied migrations", "SELECT name FROM schema_migration ORDER BY name")
            .map { try $0.decode(String.self) }
    }

    /// Drops every table PolicyDesk made, for tests that start from an empty database.
    package func dropEverything() async throws {
        _ = try await rows(
            "drop the schema",
            """
            DROP TABLE IF EXISTS dedupe_claim, conversation, miss, miss_group, audit_entry, store_probe,
                intents_file, staff_account, campaign_attempt, campaign_skip, campaign_delivery_item,
                campaign_delivery, campaign_robot, campaign, schema_migration CASCADE
            """)
        _ = try await rows("drop the revision sequence", "DROP SEQUENCE IF EXISTS intents_revision")
    }
}

extension PostgresStorage {
    /// Drops the schema this store is in (tests give each store a schema of its own); does nothing
    /// without one.
    package func dropSchema() async throws {
        guard let schema = address.schema else { return }
        _ = try await rows(
            "drop schema \(schema)", PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \"\(schema)\" CASCADE"))
    }
}

extension PostgresStorage {
    /// Runs one statement of SQL written by a test (never with values from outside).
    package func execute(_ sql: String) async throws {
        _ = try await rows("run a test statement", PostgresQuery(unsafeSQL: sql))
    }
}

extension PostgresStorage {
    /// The database at `url` with a new schema of its own, so that tests running at once do not meet.
    package static func temporarySchema(url: String) throws -> PostgresAddress {
        var address = try PostgresAddress(url: url)
        address.schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return address
    }

    /// Runs `body` with a migrated store on `address`, then drops its schema, whatever `body` does.
    package static func withSchema(
        _ address: PostgresAddress, missLimits: MissLogLimits = MissLogLimits(), replyWait: Duration = .zero,
        logger: Logger, _ body: (PostgresStorage) async throws -> Void
    ) async throws {
        let storage = PostgresStorage(
            address: address, missLimits: missLimits, maximumConnections: 4, replyWait: replyWait, logger: logger)
        try await storage.withRunning {
            try await storage.migrate()
            do {
                try await body(storage)
            } catch {
                try? await storage.dropSchema()
                throw error
            }
            try await storage.dropSchema()
        }
    }
}

/// The test database the PostgreSQL test cases run on, shared by the test targets.
package enum TestDatabase {
    /// `POLICYDESK_TEST_POSTGRES_URL`, or nil when unset (a plain `swift test` skips those cases).
    package static var url: String? {
        ProcessInfo.processInfo.environment["POLICYDESK_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// What a skipped case says.
    package static let skipNote =
        "POLICYDESK_TEST_POSTGRES_URL is unset: PostgreSQL cases skipped (scripts/postgres-test.sh runs them)"

    /// A logger that keeps the pool's reconnection notes out of the test report.
    package static func quietLogger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .error
        return logger
    }
}
