import Foundation
public import Logging
public import OutreachModel
import PostgresNIO

/// The campaign run lock of a PostgreSQL database shared by several instances: a session-level
/// `pg_try_advisory_lock` held on a connection of its own for as long as the run lasts.
///
/// The connection is leased from a pool of one for the lock's whole life, so no other work can run
/// on it and the pool cannot swap it for another behind the holder's back. PostgreSQL drops a
/// session lock when its connection ends, so a runner killed with `kill -9` (or whose machine
/// vanished) frees the lock as soon as the server sees the connection close; a second runner,
/// on any machine, is refused while the first lives. The lock is per schema, so deployments kept
/// apart by `?schema=` do not block each other.
public final class PostgresCampaignRunLock: CampaignRunLock {
    /// The first half of the lock's key; the second is the hash of the schema's name.
    static let lockSpace: Int32 = 0x5044_4302

    /// The database's address (password hidden) and the lock taken in it.
    public let lockName: String
    private let releases: AsyncStream<Void>.Continuation
    private let session: Task<Void, Never>

    private init(lockName: String, releases: AsyncStream<Void>.Continuation, session: Task<Void, Never>) {
        self.lockName = lockName
        self.releases = releases
        self.session = session
    }

    /// Takes the lock in the database at `address`, or fails at once if another run holds it;
    /// gives up with ``CampaignRunLockError/unavailable(lock:reason:)`` when the database does not
    /// answer within `timeout`.
    public static func acquire(address: PostgresAddress, timeout: Duration = .seconds(15), logger: Logger)
        async throws(CampaignRunLockError) -> PostgresCampaignRunLock
    {
        let lockName = "the campaign run lock (PostgreSQL advisory lock) of \(address)"
        // The pool warns when the lease is asked for before its run loop has started, which this
        // one-connection pool always does; that is not news to the person running a campaign.
        var poolLogger = logger
        poolLogger.logLevel = max(logger.logLevel, .error)
        let client = PostgresClient(
            configuration: address.clientConfiguration(
                maximumConnections: 1, connectTimeout: min(timeout, .seconds(5))),
            backgroundLogger: poolLogger)
        let (outcomes, outcome) = AsyncStream.makeStream(of: Result<Bool, any Error>.self)
        let (releaseSignals, releases) = AsyncStream.makeStream(of: Void.self)
        let space = lockSpace
        let session = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                do {
                    try await client.withConnection { connection in
                        let rows = try await connection.query(
                            "SELECT pg_try_advisory_lock(\(space), hashtext(current_schema()))", logger: logger
                        ).collect()
                        let taken = try rows.first?.decode(Bool.self) ?? false
                        outcome.yield(.success(taken))
                        guard taken else { return }
                        for await _ in releaseSignals { break }
                        _ = try? await connection.query(
                            "SELECT pg_advisory_unlock(\(space), hashtext(current_schema()))", logger: logger
                        ).collect()
                    }
                } catch {
                    outcome.yield(.failure(error))
                }
                outcome.finish()
                group.cancelAll()
            }
        }
        let first: Result<Bool, any Error>?
        do {
            first = try await PostgresStorage.withDeadline(timeout) {
                var iterator = outcomes.makeAsyncIterator()
                return await iterator.next()
            }
        } catch {
            first = nil
        }
        switch first {
        case .success(true):
            return PostgresCampaignRunLock(lockName: lockName, releases: releases, session: session)
        case .success(false):
            await session.value
            throw .held(lock: lockName)
        case .failure(let error):
            await session.value
            throw .unavailable(lock: lockName, reason: PostgresStorage.reason(error))
        case nil:
            session.cancel()
            releases.finish()
            throw .unavailable(
                lock: lockName,
                reason: "PostgreSQL did not answer within \(timeout) (down, restarting or unreachable)")
        }
    }

    /// Unlocks and closes the lock's connection. A connection that died while the lock was held
    /// (its backend terminated, PostgreSQL restarted, the network dropped) already freed the lock
    /// in the server, and the pool may never finish closing it: after `limit` the session is
    /// cancelled and left to end on its own, so the caller is never held by a dead connection.
    public func release(within limit: Duration) async {
        releases.yield()
        releases.finish()
        let session = session
        let (ended, end) = AsyncStream.makeStream(of: Void.self)
        let waiter = Task {
            await session.value
            end.yield()
        }
        let watchdog = Task {
            try await Task.sleep(for: limit)
            session.cancel()
            end.yield()
        }
        for await _ in ended { break }
        end.finish()
        watchdog.cancel()
        _ = waiter
    }

    /// Unlocks and closes the lock's connection, waiting at most five seconds.
    public func release() async {
        await release(within: .seconds(5))
    }
}
