public import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An online backup of a PolicyDesk database: a consistent copy taken while a server may be
/// running and writing, checked before it is kept.
///
/// SQLite's online backup API copies every page of the source inside one read transaction (all
/// pages in one step), so the copy is the database as of one moment, the WAL's committed frames
/// included: every transaction committed before the backup started is in it, and none that
/// committed later is there in part. In WAL mode the server's writes go on meanwhile. The copy is
/// written to a temporary file beside the destination, switched to rollback-journal mode so it is
/// one self-contained file, passed through `PRAGMA integrity_check`, and only then given its name.
public enum SQLiteBackup {
    /// What a backup did.
    public struct Report: Sendable {
        /// The copy's path.
        public var destination: String
        /// Its size in bytes.
        public var bytes: Int64
        /// Pages copied.
        public var pages: Int
        /// Rows per table of the copy, by table name.
        public var rows: [String: Int]
        /// The time the copy took, page copying and integrity check together.
        public var elapsed: Duration
    }

    /// Copies the database at `source` to `destination`; refuses to replace an existing file unless
    /// `force` is set.
    ///
    /// - Throws: ``StorageError`` naming the file when the source is missing or not a PolicyDesk
    ///   database, the destination exists, the copy fails, or the copy fails its integrity check
    ///   (then nothing is left at `destination`).
    public static func copy(from source: String, to destination: String, force: Bool = false) throws -> Report {
        let started = ContinuousClock.now
        guard FileManager.default.fileExists(atPath: source) else {
            throw StorageError.cannotOpen(path: source, reason: "no such file")
        }
        if !force && FileManager.default.fileExists(atPath: destination) {
            throw StorageError.backupExists(path: destination)
        }
        let folder = URL(fileURLWithPath: destination).deletingLastPathComponent().path
        let temporary = URL(fileURLWithPath: folder)
            .appendingPathComponent(".\(URL(fileURLWithPath: destination).lastPathComponent).\(getpid()).partial").path
        func removeTemporary() {
            for suffix in ["", "-journal", "-wal", "-shm"] { unlink(temporary + suffix) }
        }
        removeTemporary()

        var configuration = Configuration()
        configuration.label = "PolicyDesk.Backup"
        // The server may hold the write lock for a moment; a reader in WAL mode rarely waits, but wait rather than fail.
        configuration.busyMode = .timeout(10)
        let sourceQueue: DatabaseQueue
        do {
            sourceQueue = try DatabaseQueue(path: source, configuration: configuration)
        } catch {
            throw StorageError.opening(error, path: source)
        }
        defer { try? sourceQueue.close() }
        do {
            let isPolicyDesk = try sourceQueue.read { db in try db.tableExists("grdb_migrations") }
            guard isPolicyDesk else {
                throw StorageError.notADatabase(path: source, reason: "it holds no PolicyDesk schema")
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.opening(error, path: source)
        }

        let pages: Int
        let rows: [String: Int]
        do {
            let copy = try DatabaseQueue(path: temporary, configuration: configuration)
            var copied = 0
            try sourceQueue.backup(to: copy, pagesPerStep: -1) { progress in copied = progress.totalPageCount }
            pages = copied
            let problems = try copy.writeWithoutTransaction { db -> [String] in
                // One file, no -wal beside it: the copy can be moved and restored as it is.
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
                return try String.fetchAll(db, sql: "PRAGMA integrity_check")
            }
            guard problems == ["ok"] else {
                try? copy.close()
                removeTemporary()
                throw StorageError.backupDamaged(path: destination, problems: Array(problems.prefix(5)))
            }
            rows = try copy.read { db in
                var counts: [String: Int] = [:]
                let tables = try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                for table in tables {
                    counts[table] =
                        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.quotedDatabaseIdentifier)") ?? 0
                }
                return counts
            }
            try copy.close()
        } catch let error as StorageError {
            removeTemporary()
            throw error
        } catch {
            removeTemporary()
            throw StorageError.wrapping(error, path: source, operation: "back up the database")
        }

        // Without --force, link() fails if the name was taken meanwhile; with it, rename() replaces.
        let named = force ? rename(temporary, destination) : link(temporary, destination)
        let code = errno
        if named != 0 {
            removeTemporary()
            if code == EEXIST { throw StorageError.backupExists(path: destination) }
            throw StorageError.operationFailed(
                path: destination, operation: "name the backup", reason: String(cString: strerror(code)))
        }
        if !force { unlink(temporary) }
        let bytes =
            (try? FileManager.default.attributesOfItem(atPath: destination)[.size] as? NSNumber)?.int64Value ?? 0
        return Report(
            destination: destination, bytes: bytes, pages: pages, rows: rows, elapsed: ContinuousClock.now - started)
    }
}
