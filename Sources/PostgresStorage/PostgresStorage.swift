import Foundation
public import Logging
import PostgresNIO
public import Storage

/// The PostgreSQL implementation of every store, shared by several PolicyDesk instances behind one address.
///
/// Every guarantee the server makes across instances is kept by the database itself, never by a
/// process's memory: a dedupe claim is one `INSERT … ON CONFLICT`, conversations are read and
/// written per message, the review log and the audit log are rows, and staff edits of `Intents/`
/// are rows that every instance is told of (see ``SharedIntents``).
///
/// The client keeps a bounded pool of connections; every operation has a deadline, so a database
/// that is down or restarting costs a request at most ``operationTimeout``, never a hang. Run
/// ``run()`` (or use ``withRunning(_:)``) for the pool to hand out connections.
public final class PostgresStorage: Sendable {
    /// Where the database is; what errors name, with the password hidden.
    public let address: PostgresAddress
    /// The pool.
    let client: PostgresClient
    /// How much of the review log is kept (see ``MissLogLimits``).
    public let missLimits: MissLogLimits
    /// How long one operation may take, waiting for a connection included.
    public let operationTimeout: Duration
    /// How long a losing claim waits for the winner's reply before acknowledging without one.
    public let replyWait: Duration
    /// How old a claim with no reply must be before a retry takes it over, its instance presumed
    /// dead: well above any answer's time, below the platforms' retry interval (WeCom: 5 s).
    public let abandonedClaimAge: Duration
    /// Where the client's own trouble (connections lost and made again) is logged.
    let logger: Logger

    /// A store on `address`; nothing is connected until ``run()`` runs.
    ///
    /// - Parameters:
    ///   - maximumConnections: the pool's bound; each instance holds at most this many.
    ///   - replyWait: how long a second delivery of a message id being answered elsewhere waits for
    ///     that answer; keep it inside the platform's retry window (WeCom: 5 s).
    ///   - abandonedClaimAge: how old a claim without a reply is when a retry may take it over.
    public init(
        address: PostgresAddress, missLimits: MissLogLimits = MissLogLimits(), maximumConnections: Int = 10,
        operationTimeout: Duration = .seconds(3), replyWait: Duration = .seconds(3),
        abandonedClaimAge: Duration = .seconds(4), logger: Logger
    ) {
        self.abandonedClaimAge = abandonedClaimAge
        self.address = address
        self.missLimits = missLimits
        self.operationTimeout = operationTimeout
        self.replyWait = replyWait
        self.logger = logger
        self.client = PostgresClient(
            configuration: address.clientConfiguration(
                maximumConnections: maximumConnections, connectTimeout: min(operationTimeout, .seconds(5))),
            backgroundLogger: logger)
    }

    /// Runs the pool until the task is cancelled or the service group shuts down.
    public func run() async {
        await client.run()
    }

    /// Runs the pool while `body` runs, then stops it.
    public func withRunning<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.run() }
            do {
                let value = try await body()
                group.cancelAll()
                return value
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// Runs `body` with a pooled connection, within ``operationTimeout``, turning failures into ``StorageError``.
    func withConnection<T: Sendable>(
        _ operation: @autoclosure () -> String, timeout: Duration? = nil,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let operation = operation()
        let limit = timeout ?? operationTimeout
        do {
            return try await Self.withDeadline(limit) { [client] in
                try await client.withConnection { connection in try await body(connection) }
            }
        } catch is DeadlinePassed {
            throw StorageError.operationFailed(
                path: address.description, operation: operation,
                reason: "PostgreSQL did not answer within \(limit) (down, restarting or unreachable)")
        } catch let error as StorageError {
            throw error
        } catch let error as PostgresStorageError {
            throw error
        } catch let error as IntentsEditConflict {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw StorageError.operationFailed(
                path: address.description, operation: operation, reason: Self.reason(error))
        }
    }

    /// Runs `body` in a transaction on a pooled connection (see ``withConnection(_:timeout:_:)``).
    func withTransaction<T: Sendable>(
        _ operation: @autoclosure () -> String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        let logger = logger
        return try await withConnection(operation()) { connection in
            do {
                return try await connection.withTransaction(logger: logger) { connection in try await body(connection) }
            } catch let error as PostgresTransactionError {
                throw error.closureError ?? error.commitError ?? error.beginError ?? error
            }
        }
    }

    /// Runs `query` and returns its rows.
    func rows(_ operation: @autoclosure () -> String, _ query: PostgresQuery) async throws -> [PostgresRow] {
        let logger = logger
        return try await withConnection(operation()) { connection in
            try await connection.query(query, logger: logger).collect()
        }
    }

    /// What PostgreSQL said, without the query's values.
    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                return "\(message) (SQLSTATE \(error.serverInfo?[.sqlState] ?? "?"))"
            }
            if let underlying = error.underlying { return "\(error.code): \(underlying)" }
            return "\(error.code)"
        }
        return "\(error)"
    }

    struct DeadlinePassed: Error {}

    /// Returns what `body` returns, or throws ``DeadlinePassed`` after `limit` and cancels it.
    static func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T)
        async throws
        -> T
    {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw DeadlinePassed() }
            return value
        }
    }
}

extension PostgresStorage: StoreProbe {
    /// Rewrites the one row of `store_probe`: a real write, so a read-only or full database shows.
    public func probeWrite() async throws {
        let at = Date().timeIntervalSince1970
        _ = try await rows(
            "write the health probe",
            "INSERT INTO store_probe (id, at) VALUES (1, \(at)) ON CONFLICT (id) DO UPDATE SET at = excluded.at")
    }
}
