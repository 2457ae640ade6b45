import Foundation
import GRDB
import Storage
import Synchronization
import TestSupport
import Testing

/// `policydesk backup`: an online copy that is consistent while another connection keeps writing.
@Suite("SQLite online backup")
struct BackupTests {
    @Test(
        "a backup taken during a burst of writes holds every row acknowledged before it started, and passes integrity_check",
        .timeLimit(TestTime.minutes(2)))
    func backupDuringWrites() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("policydesk.sqlite").path
            let copyPath = directory.appendingPathComponent("copy.sqlite").path
            let storage = try SQLiteStorage(path: path)
            for n in 0..<2_000 {
                _ = try await storage.append(
                    AuditEntry(
                        who: "seed", at: epoch + Double(n), action: "seed", target: "row \(n)",
                        after: String(repeating: "x", count: 200)))
            }
            // The writer: another connection (the server's own storage object) appending as fast as it can,
            // remembering the highest id whose commit was acknowledged.
            let acknowledged = Atomic<Int64>(2_000)
            let stop = Atomic<Bool>(false)
            let writer = Task {
                var n = 0
                while !stop.load(ordering: .acquiring) {
                    let id = try await storage.append(
                        AuditEntry(who: "burst", at: epoch + Double(n), action: "burst", target: "row \(n)"))
                    acknowledged.store(id, ordering: .releasing)
                    n += 1
                }
                return n
            }
            // Let the burst get going (a bounded wait, so a writer that failed cannot hang the test), then
            // back up while it runs.
            var spins = 0
            while acknowledged.load(ordering: .acquiring) < 2_200 && spins < 1_000_000 {
                await Task.yield()
                spins += 1
            }
            let before = acknowledged.load(ordering: .acquiring)
            let report = try await Task.detached { try SQLiteBackup.copy(from: path, to: copyPath) }.value
            let during = acknowledged.load(ordering: .acquiring)
            stop.store(true, ordering: .releasing)
            let burst = try await writer.value
            try storage.close()
            #expect(burst > 0)
            #expect(during >= before)

            let copy = try DatabaseQueue(path: copyPath)
            defer { try? copy.close() }
            let (integrity, ids, mode) = try await copy.read { db in
                (
                    try String.fetchAll(db, sql: "PRAGMA integrity_check"),
                    try Int64.fetchAll(db, sql: "SELECT id FROM audit_entry ORDER BY id"),
                    try String.fetchOne(db, sql: "PRAGMA journal_mode")
                )
            }
            #expect(integrity == ["ok"])
            #expect(mode == "delete", "the copy is one file, with no -wal beside it")
            // Every acknowledged row up to the start, and then a gap-free prefix: whole transactions only.
            #expect(Int64(ids.count) >= before)
            #expect(ids == Array(1...Int64(ids.count)))
            #expect(report.rows["audit_entry"] == ids.count)
            #expect(report.pages > 0 && report.bytes > 0)
            #expect(!FileManager.default.fileExists(atPath: copyPath + "-wal"))
        }
    }

    @Test("an existing file is kept unless forced, and a missing source creates nothing")
    func refusesToOverwrite() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("policydesk.sqlite").path
            let copyPath = directory.appendingPathComponent("copy.sqlite").path
            let storage = try SQLiteStorage(path: path)
            _ = try await storage.append(AuditEntry(who: "a", at: epoch, action: "x", target: "t"))
            try Data("keep me".utf8).write(to: URL(fileURLWithPath: copyPath))
            #expect(throws: StorageError.backupExists(path: copyPath)) {
                try SQLiteBackup.copy(from: path, to: copyPath)
            }
            #expect(try String(contentsOfFile: copyPath, encoding: .utf8) == "keep me")
            let report = try SQLiteBackup.copy(from: path, to: copyPath, force: true)
            #expect(report.rows["audit_entry"] == 1)
            try storage.close()
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
                $0.contains("partial")
            }
            #expect(leftovers.isEmpty)

            let missing = directory.appendingPathComponent("nothing-here.sqlite").path
            #expect(throws: StorageError.self) {
                try SQLiteBackup.copy(from: missing, to: directory.appendingPathComponent("other.sqlite").path)
            }
            #expect(!FileManager.default.fileExists(atPath: missing))
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("other.sqlite").path))
        }
    }

    @Test("a file that is not a PolicyDesk database is refused")
    func refusesForeignFiles() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("other.sqlite").path
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in try db.execute(sql: "CREATE TABLE t (x)") }
            try queue.close()
            #expect(throws: StorageError.self) {
                try SQLiteBackup.copy(from: path, to: directory.appendingPathComponent("copy.sqlite").path)
            }
        }
    }
}
