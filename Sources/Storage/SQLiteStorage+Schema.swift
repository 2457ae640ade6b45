import GRDB

extension SQLiteStorage {
    /// The schema's history: one named migration per change, never edited once released.
    ///
    /// Dates are stored as REAL seconds since 1970, which keeps sub-millisecond precision
    /// (GRDB's default text format keeps only milliseconds) and still reads well with
    /// `datetime(at, 'unixepoch')` in the sqlite3 shell.
    static func makeMigrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE dedupe_claim (
                        key TEXT PRIMARY KEY NOT NULL,
                        expires_at REAL NOT NULL,
                        reply TEXT
                    ) WITHOUT ROWID;
                    CREATE INDEX dedupe_claim_expires_at ON dedupe_claim(expires_at);

                    CREATE TABLE conversation (
                        key TEXT PRIMARY KEY NOT NULL,
                        value BLOB NOT NULL,
                        expires_at REAL NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX conversation_expires_at ON conversation(expires_at);

                    -- AUTOINCREMENT so a group id is never reused: an editor's link to a group stays valid.
                    CREATE TABLE miss_group (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        normalized_text TEXT NOT NULL,
                        resolution TEXT
                    );
                    -- At most one open group per text; resolved groups keep their history beside it.
                    CREATE UNIQUE INDEX miss_group_open_text ON miss_group(normalized_text)
                        WHERE resolution IS NULL;

                    CREATE TABLE miss (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        group_id INTEGER NOT NULL REFERENCES miss_group(id) ON DELETE CASCADE,
                        text TEXT NOT NULL,
                        channel TEXT NOT NULL,
                        user_id TEXT,
                        at REAL NOT NULL,
                        best_guess_item TEXT,
                        confidence REAL NOT NULL
                    );
                    CREATE INDEX miss_group_id_at ON miss(group_id, at);

                    CREATE TABLE audit_entry (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        who TEXT NOT NULL,
                        at REAL NOT NULL,
                        action TEXT NOT NULL,
                        target TEXT NOT NULL,
                        before_value TEXT,
                        after_value TEXT
                    );
                    """
            )
        }
        registerCampaignMigration(&migrator)
        // WITHOUT ROWID tables keep at most about 1 KB of a row in its b-tree page and put the
        // rest on an overflow page of its own: a dedupe row holding a reply of a few hundred
        // Chinese characters cost a 4 KB page two-thirds empty, written to the WAL per message.
        // Rowid tables keep rows of up to about 4 KB in place, appended in insertion order.
        migrator.registerMigration("v3-rowid-tables") { db in
            try db.execute(
                sql: """
                    CREATE TABLE dedupe_claim_v3 (
                        id INTEGER PRIMARY KEY,
                        key TEXT NOT NULL UNIQUE,
                        expires_at REAL NOT NULL,
                        reply TEXT
                    );
                    INSERT INTO dedupe_claim_v3 (key, expires_at, reply) SELECT key, expires_at, reply FROM dedupe_claim;
                    DROP TABLE dedupe_claim;
                    ALTER TABLE dedupe_claim_v3 RENAME TO dedupe_claim;
                    CREATE INDEX dedupe_claim_expires_at ON dedupe_claim(expires_at);

                    CREATE TABLE conversation_v3 (
                        id INTEGER PRIMARY KEY,
                        key TEXT NOT NULL UNIQUE,
                        value BLOB NOT NULL,
                        expires_at REAL NOT NULL
                    );
                    INSERT INTO conversation_v3 (key, value, expires_at) SELECT key, value, expires_at FROM conversation;
                    DROP TABLE conversation;
                    ALTER TABLE conversation_v3 RENAME TO conversation;
                    CREATE INDEX conversation_expires_at ON conversation(expires_at);
                    """
            )
        }
        return migrator
    }

    /// The names of the migrations applied to the database, oldest first.
    package func appliedMigrations() async throws -> [String] {
        try await read("read the applied migrations") { db in
            try Self.makeMigrator().appliedMigrations(db)
        }
    }

    /// The journal mode SQLite reports, `wal` for a file.
    package func journalMode() async throws -> String {
        try await read("read the journal mode") { db in
            try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? ""
        }
    }
}
