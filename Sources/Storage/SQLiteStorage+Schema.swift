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
        // The review log keeps a running summary per group (what listing reads) and only a few
        // wordings, so that repeats and floods cost a counter, not a row each.
        migrator.registerMigration("v4-bounded-review-log") { db in
            try db.execute(
                sql: """
                    ALTER TABLE miss_group ADD COLUMN hits INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE miss_group ADD COLUMN first_seen REAL NOT NULL DEFAULT 0;
                    ALTER TABLE miss_group ADD COLUMN last_seen REAL NOT NULL DEFAULT 0;
                    ALTER TABLE miss_group ADD COLUMN max_confidence REAL NOT NULL DEFAULT 0;
                    ALTER TABLE miss_group ADD COLUMN latest_text TEXT NOT NULL DEFAULT '';
                    ALTER TABLE miss_group ADD COLUMN best_guess_item TEXT;
                    UPDATE miss_group SET
                        hits = (SELECT COUNT(*) FROM miss WHERE group_id = miss_group.id),
                        first_seen = COALESCE((SELECT MIN(at) FROM miss WHERE group_id = miss_group.id), 0),
                        last_seen = COALESCE((SELECT MAX(at) FROM miss WHERE group_id = miss_group.id), 0),
                        max_confidence = COALESCE((SELECT MAX(confidence) FROM miss WHERE group_id = miss_group.id), 0),
                        latest_text = COALESCE((SELECT text FROM miss WHERE group_id = miss_group.id
                            ORDER BY at DESC, id DESC LIMIT 1), ''),
                        best_guess_item = (SELECT best_guess_item FROM miss WHERE group_id = miss_group.id
                            ORDER BY at DESC, id DESC LIMIT 1);
                    DELETE FROM miss_group WHERE hits = 0;
                    UPDATE miss SET user_id = '' WHERE user_id IS NULL;
                    CREATE INDEX miss_group_open_rank ON miss_group(hits DESC, last_seen DESC) WHERE resolution IS NULL;
                    CREATE INDEX miss_group_last_seen ON miss_group(last_seen);
                    CREATE INDEX miss_user_at ON miss(user_id, at);
                    CREATE INDEX miss_at ON miss(at);
                    CREATE TABLE store_probe (id INTEGER PRIMARY KEY, at REAL NOT NULL);
                    """
            )
        }
        // Staff who sign in to the staff pages; the password only as an encoded slow hash.
        migrator.registerMigration("v5-staff-accounts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE staff_account (
                        name TEXT PRIMARY KEY NOT NULL,
                        password_hash TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        password_changed_at REAL NOT NULL
                    );
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
