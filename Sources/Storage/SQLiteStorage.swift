import Foundation
import GRDB
import Synchronization

/// The SQLite implementation of every store, on one database file.
///
/// Keeping dedupe claims and conversations on disk is what lets a restarted server still recognize
/// a platform's retry and carry on a half-finished conversation. A file is opened as a GRDB
/// `DatabasePool` in WAL mode, so reads (the admin lists) never wait for the webhook's writes; all
/// writes go through the pool's single writer, which is what makes ``claim(key:now:ttl:)`` atomic.
public final class SQLiteStorage: Sendable {
    /// The database file's path, or `:memory:`; every ``StorageError`` names it.
    public let path: String

    /// The connection pool or queue; GRDB serializes its writes.
    let writer: any DatabaseWriter

    /// Shares transactions among the small writes of concurrent requests.
    private let groupCommit: GroupCommit

    /// The dedupe claims this process holds (see ``ClaimTable``).
    let claims = ClaimTable()

    /// How much of the review log is kept (see ``MissLogLimits``).
    public let missLimits: MissLogLimits

    /// Who hears of a queued write that failed (see ``queued(_:_:)``).
    private let queuedWriteFailureHandler = Mutex<(@Sendable (any Error) -> Void)?>(nil)

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    ///
    /// - Throws: ``StorageError`` naming `path` when the file cannot be opened, is not a database,
    ///   was written by a newer version, or cannot be migrated.
    public convenience init(path: String, missLimits: MissLogLimits = MissLogLimits()) throws {
        try self.init(path: path, migrator: Self.makeMigrator(), missLimits: missLimits)
    }

    /// Opens `path` with empty migrations named `laterMigrations` after the real ones, so tests can play
    /// a newer version that has already migrated the file.
    package convenience init(path: String, laterMigrations: [String]) throws {
        var migrator = Self.makeMigrator()
        for name in laterMigrations {
            migrator.registerMigration(name) { _ in }
        }
        try self.init(path: path, migrator: migrator)
    }

    private convenience init(path: String, migrator: DatabaseMigrator, missLimits: MissLogLimits = MissLogLimits())
        throws
    {
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: Self.makeConfiguration())
        } catch {
            throw StorageError.opening(error, path: path)
        }
        try self.init(writer: pool, path: path, migrator: migrator, missLimits: missLimits)
    }

    /// Creates a private in-memory database with the full schema, gone when the storage is released.
    public static func inMemory(missLimits: MissLogLimits = MissLogLimits()) throws -> SQLiteStorage {
        let path = ":memory:"
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(configuration: makeConfiguration())
        } catch {
            throw StorageError.opening(error, path: path)
        }
        return try SQLiteStorage(writer: queue, path: path, migrator: makeMigrator(), missLimits: missLimits)
    }

    private init(writer: any DatabaseWriter, path: String, migrator: DatabaseMigrator, missLimits: MissLogLimits) throws
    {
        self.writer = writer
        self.path = path
        self.missLimits = missLimits
        self.groupCommit = GroupCommit(writer: writer)
        do {
            // An older build must not write into a schema it does not understand.
            let unknown = try writer.read { db in
                try migrator.appliedIdentifiers(db).subtracting(migrator.migrations)
            }
            if !unknown.isEmpty {
                throw StorageError.newerSchema(path: path, unknownMigrations: unknown.sorted())
            }
            try migrator.migrate(writer)
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.migrating(error, path: path)
        }
    }

    /// Closes the database at once, for a clean shutdown; later calls throw. Releasing the storage closes it too.
    public func close() throws {
        do {
            try writer.close()
        } catch {
            throw StorageError.wrapping(error, path: path, operation: "close the database")
        }
    }

    private static func makeConfiguration() -> Configuration {
        var configuration = Configuration()
        configuration.label = "PolicyDesk.Storage"
        // Another process (a backup, the sqlite3 shell) may hold the lock for a moment; wait rather than fail.
        configuration.busyMode = .timeout(5)
        // In WAL mode NORMAL still keeps every committed transaction through a crash of the
        // process (kill -9); only a power cut may lose the last ones. FULL would add an fsync
        // to every dedupe record, the largest cost of a webhook call.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        return configuration
    }

    /// Runs `updates` in a write transaction, turning failures into ``StorageError``.
    func write<T: Sendable>(
        _ operation: String,
        _ updates: @Sendable (Database) throws -> T
    ) async throws -> T {
        do {
            return try await writer.write(updates)
        } catch {
            throw StorageError.wrapping(error, path: path, operation: operation)
        }
    }

    /// Runs `updates`, a small read or write on a request's path, on the writer connection in a
    /// transaction shared with the work of concurrent requests; returns once it is committed.
    /// Lookups go this way too: one hop to the writer's queue, shared by the whole batch, costs
    /// less than borrowing a reader connection from the pool for each.
    func batched<T: Sendable>(
        _ operation: @autoclosure () -> String,
        _ updates: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        do {
            return try await groupCommit.write(updates)
        } catch {
            throw StorageError.wrapping(error, path: path, operation: operation())
        }
    }

    /// Queues `update`, a write whose caller need not wait for it (the review log), for the next
    /// shared transaction and returns at once. It is committed within moments, before any
    /// ``flushQueuedWrites()`` that follows, and before ``close()`` closes the file; a failure
    /// goes to the handler given to ``reportQueuedWriteFailures(to:)``.
    func queued(_ operation: String, _ update: @escaping @Sendable (Database) throws -> Void) {
        groupCommit.enqueue(update) { [self] error in
            queuedWriteFailureHandler.withLock { $0 }?(StorageError.wrapping(error, path: path, operation: operation))
        }
    }

    /// Returns once every write queued so far is committed, so a read that follows sees them.
    func flushQueuedWrites() async throws {
        do {
            try await groupCommit.flush()
        } catch {
            throw StorageError.wrapping(error, path: path, operation: "commit the queued writes")
        }
    }

    /// Sends every later failure of a queued write to `handler` (the server logs them).
    public func reportQueuedWriteFailures(to handler: @escaping @Sendable (any Error) -> Void) {
        queuedWriteFailureHandler.withLock { $0 = handler }
    }

    /// Runs `value` on a read-only snapshot, turning failures into ``StorageError``.
    func read<T: Sendable>(
        _ operation: String,
        _ value: @Sendable (Database) throws -> T
    ) async throws -> T {
        do {
            return try await writer.read(value)
        } catch {
            throw StorageError.wrapping(error, path: path, operation: operation)
        }
    }
}
