import Foundation
import GRDB
import TestSupport
import Testing

@testable import Storage

/// What only the file-backed database promises: surviving a restart, safe reopening, clear failures.
@Suite("SQLiteStorage on a file")
struct SQLiteStorageFileTests {
    @Test("everything written survives closing and reopening the file")
    func survivesReopen() async throws {
        try await withDatabasePath { path in
            let state = Data(#"{"step":"askCity"}"#.utf8)

            let first = try SQLiteStorage(path: path)
            _ = try await first.claim(key: "wecom:msg:1", now: epoch, ttl: .seconds(600))
            try await first.recordReply(key: "wecom:msg:1", reply: "answered")
            try await first.save(key: "wecom:user:alice", value: state, expiresAt: epoch + 600)
            try await first.record(
                MissRecord(text: "Q?", normalizedText: "q", channel: "wecom", at: epoch, confidence: 0.3)
            )
            let auditID = try await first.append(
                AuditEntry(who: "admin", at: epoch, action: "kb.publish", target: "kb"))
            try first.close()

            let second = try SQLiteStorage(path: path)
            #expect(
                try await second.claim(key: "wecom:msg:1", now: epoch + 1, ttl: .seconds(600))
                    == .duplicate(storedReply: "answered")
            )
            #expect(try await second.load(key: "wecom:user:alice", now: epoch + 1) == state)
            #expect(try await second.list(limit: 10).map(\.normalizedText) == ["q"])
            #expect(try await second.entry(id: auditID)?.action == "kb.publish")
            try second.close()
        }
    }

    @Test("misses queued for the review log just before a close are in the file when it is reopened")
    func queuedMissesSurviveClose() async throws {
        try await withDatabasePath { path in
            let first = try SQLiteStorage(path: path)
            for n in 0..<200 {
                try await first.record(
                    MissRecord(
                        text: "Q\(n % 7)", normalizedText: "q\(n % 7)", channel: "api", at: epoch + Double(n),
                        confidence: 0.1))
            }
            try first.close()
            let second = try SQLiteStorage(path: path)
            let groups = try await second.listAll(includeResolved: false)
            #expect(groups.count == 7)
            #expect(groups.map(\.count).reduce(0, +) == 200)
            try second.close()
        }
    }

    @Test(
        "a queued miss that cannot be written reaches the failure handler, naming the file and the operation",
        .timeLimit(TestTime.minutes(1)))
    func queuedFailureIsReported() async throws {
        try await withDatabasePath { path in
            let storage = try SQLiteStorage(path: path)
            let failure: String = await withCheckedContinuation { continuation in
                storage.reportQueuedWriteFailures { error in continuation.resume(returning: "\(error)") }
                try? storage.close()
                Task {
                    try? await storage.record(
                        MissRecord(text: "Q", normalizedText: "q", channel: "api", at: epoch, confidence: 0))
                }
            }
            #expect(failure.contains(path))
            #expect(failure.contains("record a miss"))
        }
    }

    @Test("data survives when the storage is dropped without an explicit close")
    func survivesDrop() async throws {
        try await withDatabasePath { path in
            do {
                let storage = try SQLiteStorage(path: path)
                _ = try await storage.claim(key: "wecom:msg:2", now: epoch, ttl: .seconds(600))
                try await storage.recordReply(key: "wecom:msg:2", reply: "")
            }
            let reopened = try SQLiteStorage(path: path)
            #expect(
                try await reopened.claim(key: "wecom:msg:2", now: epoch + 1, ttl: .seconds(600))
                    == .duplicate(storedReply: "")
            )
        }
    }

    @Test("a claim whose reply was never recorded is claimed afresh after a restart: nothing was answered for it")
    func unansweredClaimDoesNotOutliveTheProcess() async throws {
        try await withDatabasePath { path in
            do {
                let storage = try SQLiteStorage(path: path)
                #expect(try await storage.claim(key: "wecom:msg:3", now: epoch, ttl: .seconds(600)) == .new)
                #expect(
                    try await storage.claim(key: "wecom:msg:3", now: epoch + 1, ttl: .seconds(600))
                        == .duplicate(storedReply: nil))
                try storage.close()
            }
            let reopened = try SQLiteStorage(path: path)
            #expect(try await reopened.claim(key: "wecom:msg:3", now: epoch + 2, ttl: .seconds(600)) == .new)
        }
    }

    @Test("after thousands of answered messages a retry of the first still gets its reply, from the file")
    func retryOfAnOldMessageIsAnsweredFromTheFile() async throws {
        try await withDatabasePath { path in
            let storage = try SQLiteStorage(path: path)
            for n in 0..<6000 {
                #expect(try await storage.claim(key: "wecom:msg:\(n)", now: epoch, ttl: .seconds(600)) == .new)
                try await storage.recordReply(key: "wecom:msg:\(n)", reply: "reply \(n)")
            }
            // Answered claims are in the file; memory keeps only a bounded number of them.
            #expect(storage.claims.count <= 4097)
            #expect(
                try await storage.claim(key: "wecom:msg:0", now: epoch + 5, ttl: .seconds(600))
                    == .duplicate(storedReply: "reply 0"))
            #expect(
                try await storage.claim(key: "wecom:msg:5999", now: epoch + 5, ttl: .seconds(600))
                    == .duplicate(storedReply: "reply 5999"))
            #expect(try await storage.claim(key: "wecom:msg:6000", now: epoch + 5, ttl: .seconds(600)) == .new)
            // Retries read back from the file are held only boundedly too.
            for n in 0..<6000 {
                #expect(
                    try await storage.claim(key: "wecom:msg:\(n)", now: epoch + 6, ttl: .seconds(600))
                        == .duplicate(storedReply: "reply \(n)"))
            }
            #expect(storage.claims.count <= 4097)
            try storage.close()
        }
    }

    @Test(
        "misses stored one row each before the bounded review log keep their groups' counts, times and latest wording")
    func boundedReviewLogMigration() async throws {
        try await withDatabasePath { path in
            do {
                let old = try DatabaseQueue(path: path)
                try SQLiteStorage.makeMigrator().migrate(old, upTo: "v3-rowid-tables")
                try await old.write { db in
                    try db.execute(sql: "INSERT INTO miss_group (id, normalized_text) VALUES (1, '买房补贴'), (2, '空组')")
                    for (offset, text) in [(0.0, "买房补贴？"), (30, "买房补贴!"), (10, "买房补贴")] {
                        try db.execute(
                            sql:
                                "INSERT INTO miss (group_id, text, channel, user_id, at, best_guess_item, confidence) VALUES (1, ?, 'api', NULL, ?, '12.2', ?)",
                            arguments: [text, epoch.timeIntervalSince1970 + offset, offset / 100])
                    }
                }
                try old.close()
            }
            let storage = try SQLiteStorage(path: path)
            let groups = try await storage.listAll(includeResolved: true)
            #expect(groups.count == 1, "a group with no misses is dropped")
            let group = try #require(groups.first)
            #expect(group.count == 3)
            #expect(group.latestText == "买房补贴!")
            #expect(group.firstSeen == epoch)
            #expect(group.lastSeen == epoch + 30)
            #expect(group.maxConfidence == 0.3)
            #expect(group.bestGuessItem == "12.2")
            try storage.close()
        }
    }

    @Test("a file written by the first schema keeps its claims and conversations through the move to rowid tables")
    func rowidMigrationKeepsRows() async throws {
        try await withDatabasePath { path in
            do {
                let old = try DatabaseQueue(path: path)
                try SQLiteStorage.makeMigrator().migrate(old, upTo: "v2-campaigns")
                try await old.write { db in
                    try db.execute(
                        sql: "INSERT INTO dedupe_claim (key, expires_at, reply) VALUES (?, ?, ?)",
                        arguments: ["wecom:msg:old", epoch.timeIntervalSince1970 + 600, "答复"])
                    try db.execute(
                        sql: "INSERT INTO conversation (key, value, expires_at) VALUES (?, ?, ?)",
                        arguments: ["api|c|u", Data("{}".utf8), epoch.timeIntervalSince1970 + 600])
                }
                try old.close()
            }
            let storage = try SQLiteStorage(path: path)
            #expect(try await storage.appliedMigrations().contains("v3-rowid-tables"))
            #expect(
                try await storage.claim(key: "wecom:msg:old", now: epoch, ttl: .seconds(600))
                    == .duplicate(storedReply: "答复"))
            #expect(try await storage.load(key: "api|c|u", now: epoch) == Data("{}".utf8))
            try await storage.save(key: "api|c|u", value: Data("[]".utf8), expiresAt: epoch + 900)
            #expect(try await storage.load(key: "api|c|u", now: epoch + 700) == Data("[]".utf8))
            try storage.close()
        }
    }

    @Test("a thousand answered messages with replies of a kilobyte take about a kilobyte each on disk, not a page each")
    func repliesStayInTheirPages() async throws {
        try await withDatabasePath { path in
            let storage = try SQLiteStorage(path: path)
            let reply = String(repeating: "高新技术企业认定奖励", count: 34)
            #expect(reply.utf8.count == 1_020)
            for n in 0..<1000 {
                _ = try await storage.claim(key: "wecom:msg:\(n)", now: epoch, ttl: .seconds(600))
                try await storage.recordReply(key: "wecom:msg:\(n)", reply: reply)
            }
            let pages = try await storage.read("count pages") { db in
                try Int.fetchOne(db, sql: "SELECT count(*) FROM dbstat WHERE name = 'dedupe_claim'") ?? 0
            }
            // 1,000 rows of about 1.1 KB fill about 280 pages of 4 KB; when every row put its tail on an overflow page of its own, more than twice that.
            #expect(pages > 250 && pages < 400, "\(pages) pages")
            try storage.close()
        }
    }

    @Test("a file is opened in WAL mode")
    func walMode() async throws {
        try await withDatabasePath { path in
            let storage = try SQLiteStorage(path: path)
            #expect(try await storage.journalMode() == "wal")
        }
    }

    @Test("reopening a migrated file applies no migration twice and keeps the data")
    func migrationIsIdempotent() async throws {
        try await withDatabasePath { path in
            let first = try SQLiteStorage(path: path)
            let applied = try await first.appliedMigrations()
            #expect(applied.first == "v1")
            #expect(Set(applied).count == applied.count)
            let id = try await first.append(AuditEntry(who: "admin", at: epoch, action: "a", target: "t"))
            try first.close()

            for _ in 0..<2 {
                let again = try SQLiteStorage(path: path)
                let reapplied = try await again.appliedMigrations()
                #expect(reapplied == applied)
                #expect(try await again.entry(id: id)?.action == "a")
                try again.close()
            }
        }
    }

    @Test("a closed storage refuses further work with an error naming the file")
    func closedStorage() async throws {
        try await withDatabasePath { path in
            let storage = try SQLiteStorage(path: path)
            try storage.close()
            let error = await #expect(throws: StorageError.self) {
                try await storage.claim(key: "wecom:msg:3", now: epoch, ttl: .seconds(60))
            }
            #expect(error?.description.contains(path) == true)
        }
    }

    @Test("a file of random bytes fails with an error that names the file")
    func corruptFile() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("corrupt.sqlite").path
            let garbage = Data((0..<8192).map { _ in UInt8.random(in: 0...255) })
            try garbage.write(to: URL(fileURLWithPath: path))

            let error = #expect(throws: StorageError.self) { try SQLiteStorage(path: path) }
            guard case .notADatabase(let reported, _) = error else {
                Issue.record("expected notADatabase, got \(String(describing: error))")
                return
            }
            #expect(reported == path)
            #expect(error?.description.contains(path) == true)
            #expect(error?.description.contains("backup") == true)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)
        }
    }

    @Test("a path in a missing folder fails with an error that names it")
    func missingFolder() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.appendingPathComponent("absent/policydesk.sqlite").path
            let error = #expect(throws: StorageError.self) { try SQLiteStorage(path: path) }
            guard case .cannotOpen(let reported, _) = error else {
                Issue.record("expected cannotOpen, got \(String(describing: error))")
                return
            }
            #expect(reported == path)
            #expect(error?.description.contains(path) == true)
        }
    }

    @Test("a file migrated by a newer version is refused rather than written")
    func newerSchema() async throws {
        try await withDatabasePath { path in
            let newer = try SQLiteStorage(path: path, laterMigrations: ["v99-future"])
            try newer.close()

            let error = #expect(throws: StorageError.self) { try SQLiteStorage(path: path) }
            #expect(error == .newerSchema(path: path, unknownMigrations: ["v99-future"]))
            #expect(error?.description.contains(path) == true)
        }
    }
}
