import Foundation
import GRDB
import Synchronization

/// Commits the small writes of many concurrent requests together ("group commit").
///
/// Every webhook and question writes a row or two (a dedupe record, a conversation, a miss),
/// and each caller must know its write is committed before it replies. One transaction per
/// write pays a queue hop, a BEGIN/COMMIT and a WAL append each time; under load that was most
/// of a request's cost. Here a caller queues its write and waits; whoever finds the writer idle
/// starts a drain on the database's writer queue that commits everything queued so far in one
/// transaction, resumes those callers, and repeats until the queue is empty. An idle server
/// commits a lone write at once; a busy one commits many per transaction.
///
/// A write nobody waits for (``enqueue(_:onFailure:)``, the review log) rides in the same
/// batches; ``flush()`` waits until everything queued before it is committed.
///
/// If any write of a batch fails, the batch is rolled back and each write is retried in a
/// transaction of its own, so one bad write never fails another caller's.
final class GroupCommit: Sendable {
    /// A queued write: runs inside the shared transaction and returns how to resume its caller
    /// once the transaction has committed.
    private struct Job: Sendable {
        let apply: @Sendable (Database) throws -> @Sendable () -> Void
        let fail: @Sendable (any Error) -> Void
    }

    private struct State {
        var queued: [Job] = []
        var draining = false
    }

    private let writer: any DatabaseWriter
    private let state = Mutex(State())

    init(writer: any DatabaseWriter) {
        self.writer = writer
    }

    /// How many writes wait for the next transaction.
    var queuedCount: Int { state.withLock { $0.queued.count } }

    /// Runs `update` in a transaction shared with the writes queued alongside it and returns its
    /// result once that transaction has committed.
    func write<T: Sendable>(_ update: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<T, any Error>) in
            queue(
                Job(
                    apply: { db in
                        let value = try update(db)
                        return { continuation.resume(returning: value) }
                    },
                    fail: { continuation.resume(throwing: $0) }))
        }
    }

    /// Queues `update` for the next transaction and returns at once; `onFailure` hears of it if
    /// it fails even in a transaction of its own.
    func enqueue(
        _ update: @escaping @Sendable (Database) throws -> Void, onFailure: @escaping @Sendable (any Error) -> Void
    ) {
        queue(
            Job(
                apply: { db in
                    try update(db); return {}
                }, fail: onFailure))
    }

    /// Returns once every write queued before the call has been committed (or has failed).
    func flush() async throws {
        try await write { _ in }
    }

    private func queue(_ job: Job) {
        let startDrain = state.withLock { state -> Bool in
            state.queued.append(job)
            if state.draining { return false }
            state.draining = true
            return true
        }
        if startDrain {
            writer.asyncWriteWithoutTransaction { db in self.drain(db) }
        }
    }

    /// Commits batches until nothing is queued; runs on the writer's queue.
    private func drain(_ db: Database) {
        while true {
            let batch = state.withLock { state -> [Job] in
                if state.queued.isEmpty {
                    state.draining = false
                    return []
                }
                defer { state.queued.removeAll(keepingCapacity: true) }
                return state.queued
            }
            if batch.isEmpty { return }
            commit(batch, db)
        }
    }

    private func commit(_ batch: [Job], _ db: Database) {
        var resumes: [@Sendable () -> Void] = []
        resumes.reserveCapacity(batch.count)
        do {
            try db.inTransaction(.immediate) {
                for job in batch { resumes.append(try job.apply(db)) }
                return .commit
            }
            for resume in resumes { resume() }
        } catch {
            guard batch.count > 1 else {
                batch[0].fail(error)
                return
            }
            // Someone's write failed and took the batch down with it: give each its own transaction.
            for job in batch { commit([job], db) }
        }
    }
}
