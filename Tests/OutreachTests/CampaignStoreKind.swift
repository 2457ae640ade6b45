import Foundation
import Logging
import OutreachModel
import PostgresStorage
import Storage
import Testing

/// The campaign stores the journal's contract is checked on, so the two cannot drift apart.
enum CampaignStoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// SQLite always; PostgreSQL when `POLICYDESK_TEST_POSTGRES_URL` names a database to test on
    /// (scripts/postgres-test.sh starts one and sets it).
    static var allCases: [CampaignStoreKind] { [.sqlite] + (TestDatabase.url != nil ? [.postgres] : []) }

    /// ``SQLiteStorage`` on a file in a temporary folder, as `policydesk campaign` opens it.
    case sqlite
    /// ``PostgresStorage`` in a schema of its own on the test database, dropped afterwards.
    case postgres

    /// The case name, so a failure says which store broke.
    var testDescription: String { rawValue }

    /// One database of this kind, open: its store, and a way to take its campaign run lock as a
    /// second process would.
    struct Database: Sendable {
        let store: any CampaignStore
        let takeRunLock: @Sendable () async throws -> any CampaignRunLock
        /// Runs SQL written by the test as another client of the database would (PostgreSQL only).
        let execute: @Sendable (String) async throws -> Void
    }

    /// Runs `body` with a fresh, empty database of this kind, removing it afterwards.
    func withDatabase(_ body: (Database) async throws -> Void) async throws {
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("CampaignStore-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("policydesk.sqlite").path
            let store = try SQLiteStorage(path: path)
            try await body(
                Database(
                    store: store, takeRunLock: { try FileCampaignRunLock.acquire(databasePath: path) },
                    execute: { _ in Issue.record("no SQL by hand on SQLite") }))
            try store.close()
        case .postgres:
            let address = try PostgresStorage.temporarySchema(url: TestDatabase.url ?? "")
            let logger = TestDatabase.quietLogger("test.campaigns")
            try await PostgresStorage.withSchema(address, logger: logger) { store in
                try await body(
                    Database(
                        store: store,
                        takeRunLock: { try await PostgresCampaignRunLock.acquire(address: address, logger: logger) },
                        execute: { try await store.execute($0) }))
            }
        }
    }

    /// Runs `body` with a fresh store of this kind.
    func withStore(_ body: (any CampaignStore) async throws -> Void) async throws {
        try await withDatabase { try await body($0.store) }
    }
}
