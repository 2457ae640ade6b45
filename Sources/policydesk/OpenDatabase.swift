import Foundation
import Logging
import OutreachModel
import PostgresStorage
import Storage

/// The server's database as the commands other than `serve` open it: the SQLite file, or the
/// PostgreSQL database that several instances share (migrated first, as `serve` does).
enum OpenDatabase {
    case sqlite(SQLiteStorage)
    case postgres(PostgresStorage)

    /// Runs `body` with the database at `location` (a path or a `postgres://` URL) open, closing
    /// it afterwards; a failure to open is a ``CommandFailure`` with the store's message.
    static func with<T: Sendable>(location: String, _ body: (OpenDatabase) async throws -> T) async throws -> T {
        guard PostgresAddress.isPostgresURL(location) else {
            let store: SQLiteStorage
            do {
                store = try SQLiteStorage(path: location)
            } catch {
                throw CommandFailure(description: "\(error)")
            }
            defer { try? store.close() }
            return try await body(.sqlite(store))
        }
        let address: PostgresAddress
        do {
            address = try PostgresAddress(url: location)
        } catch {
            throw CommandFailure(description: error.description)
        }
        let store = PostgresStorage(address: address, logger: quietLogger)
        return try await store.withRunning {
            do {
                try await store.checkAtStart()
            } catch {
                throw CommandFailure(description: "\(error)")
            }
            return try await body(.postgres(store))
        }
    }

    /// The staff accounts.
    var staff: any StaffStore {
        switch self {
        case .sqlite(let store): store
        case .postgres(let store): store
        }
    }

    /// The campaigns and their ledger.
    var campaigns: any CampaignStore {
        switch self {
        case .sqlite(let store): store
        case .postgres(let store): store
        }
    }

    /// Takes the campaign run lock of this database: a lock file beside an SQLite file, an advisory
    /// lock in PostgreSQL.
    func takeCampaignRunLock() async throws(CampaignRunLockError) -> any CampaignRunLock {
        switch self {
        case .sqlite(let store): try FileCampaignRunLock.acquire(databasePath: store.path)
        case .postgres(let store):
            try await PostgresCampaignRunLock.acquire(address: store.address, logger: Self.quietLogger)
        }
    }

    /// The pool's reconnection notes stay out of a command's output; warnings and errors show.
    private static var quietLogger: Logger {
        var logger = Logger(label: "policydesk.postgres")
        logger.logLevel = .warning
        return logger
    }
}
