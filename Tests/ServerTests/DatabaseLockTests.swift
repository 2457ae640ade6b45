import Foundation
import Testing

@testable import Server

/// The lock beside an SQLite database that keeps it to one server process.
@Suite("SQLite database lock")
struct DatabaseLockTests {
    private static func databasePath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("policydesk-\(UUID().uuidString).sqlite").path
    }

    @Test("a second lock on the same database is refused, naming the holder's pid and PostgreSQL for several instances")
    func secondLockRefused() throws {
        let path = Self.databasePath()
        defer { unlink(path + ".lock") }
        let first = try DatabaseLock.acquire(databasePath: path)
        #expect(first.path == path + ".lock")
        #expect(throws: DatabaseLockError.held(databasePath: path, lockPath: path + ".lock", pid: getpid())) {
            _ = try DatabaseLock.acquire(databasePath: path)
        }
        do {
            _ = try DatabaseLock.acquire(databasePath: path)
        } catch {
            #expect(error.description.contains("pid \(getpid())"))
            #expect(error.description.contains("postgres://"))
        }
        first.release()
    }

    @Test("once released the database can be locked again, as after the first server stopped")
    func releasedLockTakenAgain() throws {
        let path = Self.databasePath()
        defer { unlink(path + ".lock") }
        try DatabaseLock.acquire(databasePath: path).release()
        let again = try DatabaseLock.acquire(databasePath: path)
        again.release()
    }

    @Test("a database in a missing folder is refused with the lock file's path")
    func missingFolder() {
        let path = "/nonexistent-\(UUID().uuidString)/policydesk.sqlite"
        #expect(throws: DatabaseLockError.self) { _ = try DatabaseLock.acquire(databasePath: path) }
    }
}
