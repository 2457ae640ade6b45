import Foundation
import GRDB

extension SQLiteStorage: StoreProbe {
    /// Rewrites the one row of `store_probe`: a real write to the file and its journal.
    public func probeWrite() async throws {
        let at = Date().timeIntervalSince1970
        try await batched("write the health probe") { db in
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO store_probe (id, at) VALUES (1, ?)").execute(
                arguments: [at])
        }
    }

    /// Checks, before the server takes its first message, that the file passes SQLite's quick
    /// integrity check and takes a write.
    ///
    /// A server started on a read-only file, or on damaged pages, used to start without a word and then
    /// fail every message; refusing to start, with what to do, is kinder to whoever runs it.
    public func checkAtStart() async throws(StorageError) {
        let problems: [String]
        do {
            problems = try await writer.read { db in
                try String.fetchAll(db, sql: "PRAGMA quick_check(5)")
            }
        } catch {
            throw .damaged(
                path: path, findings: ["\(StorageError.wrapping(error, path: path, operation: "check the file"))"])
        }
        if problems != ["ok"] { throw .damaged(path: path, findings: problems) }
        do {
            try await probeWrite()
        } catch {
            throw .notWritable(path: path, reason: "\(error)")
        }
    }
}
