import Foundation
import Logging
import PostgresStorage
import Storage
import Testing

/// Everything one storage object provides, as the server will hold it.
typealias AnyStorage = AuditLog & ConversationStore & DedupeStore & MissLog

/// The implementations every protocol test runs against, so the fake cannot drift from the database.
enum StorageKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// The kinds every run covers, and PostgreSQL when `POLICYDESK_TEST_POSTGRES_URL` names a
    /// database to test on (scripts/postgres-test.sh starts one and sets it).
    static var allCases: [StorageKind] {
        [.inMemoryActor, .sqliteInMemory, .sqliteFile] + (TestPostgres.url != nil ? [.postgres] : [])
    }

    /// The ``InMemoryStorage`` actor that other modules' tests use.
    case inMemoryActor
    /// ``SQLiteStorage`` on a private in-memory database.
    case sqliteInMemory
    /// ``SQLiteStorage`` on a file in a temporary folder, as the server runs it.
    case sqliteFile
    /// ``PostgresStorage`` in a schema of its own on the test database, dropped afterwards.
    case postgres

    /// The case name, so a failure says which implementation broke.
    var testDescription: String { rawValue }

    /// Runs `body` with fresh, empty storage of this kind, removing any file afterwards.
    func withStorage(missLimits: MissLogLimits = MissLogLimits(), _ body: (any AnyStorage) async throws -> Void)
        async throws
    {
        switch self {
        case .inMemoryActor:
            try await body(InMemoryStorage(missLimits: missLimits))
        case .sqliteInMemory:
            try await body(SQLiteStorage.inMemory(missLimits: missLimits))
        case .sqliteFile:
            try await withTemporaryDirectory { directory in
                let storage = try SQLiteStorage(
                    path: directory.appendingPathComponent("policydesk.sqlite").path, missLimits: missLimits)
                try await body(storage)
                try storage.close()
            }
        case .postgres:
            try await TestPostgres.withStorage(missLimits: missLimits) { storage in try await body(storage) }
        }
    }
}

/// Runs `body` with a new empty directory that is deleted afterwards, whatever `body` does.
func withTemporaryDirectory(_ body: (URL) async throws -> Void) async throws {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("StorageTests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try await body(directory)
}

/// A fixed instant with an exact binary representation, so stored dates compare equal after a round trip.
let epoch = Date(timeIntervalSince1970: 1_750_000_000)

/// Runs `body` with the path of a database file in a fresh temporary directory.
func withDatabasePath(_ body: (String) async throws -> Void) async throws {
    try await withTemporaryDirectory { directory in
        try await body(directory.appendingPathComponent("policydesk.sqlite").path)
    }
}

/// The PostgreSQL database the PostgreSQL cases run on, when one is given.
enum TestPostgres {
    /// `POLICYDESK_TEST_POSTGRES_URL`, or nil when unset (a plain `swift test`).
    static var url: String? { TestDatabase.url }

    /// The note a skipped PostgreSQL test shows.
    static let skipNote = Comment(rawValue: TestDatabase.skipNote)

    /// A logger that keeps the pool's reconnection notes out of the test report.
    static func logger(_ label: String) -> Logger { TestDatabase.quietLogger(label) }

    /// The test database's address with a fresh schema of its own, so tests running at once do not meet.
    static func freshAddress() throws -> PostgresAddress {
        try PostgresStorage.temporarySchema(url: url ?? "")
    }

    /// Runs `body` with a migrated store in a new schema (or on `address`), then drops the schema.
    static func withStorage(
        address: PostgresAddress? = nil, missLimits: MissLogLimits = MissLogLimits(), replyWait: Duration = .zero,
        _ body: (PostgresStorage) async throws -> Void
    ) async throws {
        try await PostgresStorage.withSchema(
            address ?? freshAddress(), missLimits: missLimits, replyWait: replyWait, logger: logger("test.postgres"),
            body)
    }
}
