import Foundation
import GRDB
import Synchronization
import Testing

@testable import Storage

/// How concurrent small writes share transactions without sharing each other's failures.
@Suite("Group commit")
struct GroupCommitTests {
    private static func makeDatabase() throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try queue.write { db in try db.execute(sql: "CREATE TABLE row (id INTEGER PRIMARY KEY)") }
        return queue
    }

    /// A database whose commits are counted.
    private static func makeCountedDatabase() async throws -> (DatabaseQueue, CommitCounter) {
        let database = try makeDatabase()
        let counter = CommitCounter()
        try await database.write { db in db.add(transactionObserver: counter, extent: .observerLifetime) }
        return (database, counter)
    }

    /// Holds the writer's queue until `release`, so writes pile up as they do under load.
    private final class HeldWriter: Sendable {
        private let gate = DispatchSemaphore(value: 0)
        init(_ writer: any DatabaseWriter) {
            writer.asyncWriteWithoutTransaction { [gate] _ in gate.wait() }
        }
        func release() { gate.signal() }
    }

    /// Counts the transactions the database commits.
    private final class CommitCounter: TransactionObserver, Sendable {
        let commits = Mutex(0)
        func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
        func databaseDidChange(with event: DatabaseEvent) {}
        func databaseDidCommit(_ db: Database) { commits.withLock { $0 += 1 } }
        func databaseDidRollback(_ db: Database) {}
    }

    private static func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<2000 where !condition() { try await Task.sleep(for: .milliseconds(1)) }
        #expect(condition())
    }

    @Test("writes queued while the writer is busy commit together in one transaction, each with its own result")
    func queuedWritesShareOneTransaction() async throws {
        let (database, counter) = try await Self.makeCountedDatabase()
        let commit = GroupCommit(writer: database)
        let held = HeldWriter(database)
        let commitsBefore = counter.commits.withLock { $0 }
        let results = try await withThrowingTaskGroup(of: Int64.self) { group in
            for id in 1...100 {
                group.addTask {
                    try await commit.write { db in
                        try db.execute(sql: "INSERT INTO row (id) VALUES (?)", arguments: [id])
                        return db.lastInsertedRowID
                    }
                }
            }
            try await Self.waitUntil { commit.queuedCount == 100 }
            held.release()
            return try await group.reduce(into: Set<Int64>()) { $0.insert($1) }
        }
        #expect(results == Set(1...100))
        #expect(counter.commits.withLock { $0 } - commitsBefore == 1)
        #expect(try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM row") } == 100)
    }

    @Test("a write that fails fails only its own caller; the others of its batch are committed")
    func oneFailureDoesNotFailTheBatch() async throws {
        let database = try Self.makeDatabase()
        try await database.write { db in try db.execute(sql: "INSERT INTO row (id) VALUES (2)") }
        let commit = GroupCommit(writer: database)
        let held = HeldWriter(database)
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for id in 1...3 {
                group.addTask {
                    do {
                        try await commit.write { db in
                            try db.execute(sql: "INSERT INTO row (id) VALUES (?)", arguments: [id])
                        }
                        return (id, true)
                    } catch {
                        return (id, false)
                    }
                }
            }
            try? await Self.waitUntil { commit.queuedCount == 3 }
            held.release()
            return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes == [1: true, 2: false, 3: true])
        #expect(
            try await database.read { db in try Int.fetchAll(db, sql: "SELECT id FROM row ORDER BY id") } == [1, 2, 3])
    }

    @Test("a write on a closed database fails with an error rather than hanging")
    func closedDatabaseFails() async throws {
        let database = try Self.makeDatabase()
        let commit = GroupCommit(writer: database)
        try database.close()
        await #expect(throws: (any Error).self) {
            try await commit.write { db in try db.execute(sql: "INSERT INTO row (id) VALUES (1)") }
        }
        #expect(commit.queuedCount == 0)
    }

    @Test("a lone write on an idle database commits at once")
    func loneWriteCommits() async throws {
        let database = try Self.makeDatabase()
        let commit = GroupCommit(writer: database)
        try await commit.write { db in try db.execute(sql: "INSERT INTO row (id) VALUES (7)") }
        #expect(try await database.read { db in try Int.fetchAll(db, sql: "SELECT id FROM row") } == [7])
        #expect(commit.queuedCount == 0)
    }

    @Test("a queued write returns before it is committed, rides in the next batch, and a flush waits for it")
    func queuedWriteIsNotWaitedFor() async throws {
        let (database, counter) = try await Self.makeCountedDatabase()
        let commit = GroupCommit(writer: database)
        let held = HeldWriter(database)
        let commitsBefore = counter.commits.withLock { $0 }
        for id in 1...50 {
            commit.enqueue(
                { db in try db.execute(sql: "INSERT INTO row (id) VALUES (?)", arguments: [id]) }, onFailure: { _ in })
        }
        #expect(commit.queuedCount == 50)
        // The flush queues behind the 50 before the writer is released, so all 51 share one
        // transaction; released first, the writer could commit the 50 before the flush arrived.
        async let flushed: Void = commit.flush()
        try await Self.waitUntil { commit.queuedCount == 51 }
        held.release()
        try await flushed
        #expect(try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM row") } == 50)
        #expect(counter.commits.withLock { $0 } - commitsBefore == 1)
    }

    @Test("a queued write that fails reports to its own failure handler; the writes around it are committed")
    func queuedFailureIsReported() async throws {
        let database = try Self.makeDatabase()
        try await database.write { db in try db.execute(sql: "INSERT INTO row (id) VALUES (2)") }
        let commit = GroupCommit(writer: database)
        let failures = Mutex<[Int]>([])
        let held = HeldWriter(database)
        for id in 1...3 {
            commit.enqueue(
                { db in try db.execute(sql: "INSERT INTO row (id) VALUES (?)", arguments: [id]) },
                onFailure: { _ in failures.withLock { $0.append(id) } })
        }
        held.release()
        try await commit.flush()
        #expect(failures.withLock { $0 } == [2])
        #expect(
            try await database.read { db in try Int.fetchAll(db, sql: "SELECT id FROM row ORDER BY id") } == [1, 2, 3])
    }
}
