import Foundation
import Storage
import Testing

/// How every ``StaffStore`` keeps staff accounts: one per name, the hash as given, nothing else.
@Suite("StaffStore")
struct StaffStoreTests {
    /// Runs `body` with a fresh store of `kind` seen as a ``StaffStore``.
    private func withStaff(_ kind: StorageKind, _ body: (any StaffStore) async throws -> Void) async throws {
        try await kind.withStorage { storage in
            let staff = try #require(storage as? any StaffStore, "\(kind) keeps no staff accounts")
            try await body(staff)
        }
    }

    private func account(_ name: String, hash: String = "scrypt$1024$8$1$c2FsdA$a2V5") -> StaffAccount {
        StaffAccount(name: name, passwordHash: hash, createdAt: epoch)
    }

    @Test("an added account reads back with its hash and dates", arguments: StorageKind.allCases)
    func roundTrip(kind: StorageKind) async throws {
        try await withStaff(kind) { store async throws in
            #expect(try await store.addStaff(account("李伟")) == true)
            let read = try #require(try await store.staff(named: "李伟"))
            #expect(read == account("李伟"))
            #expect(read.passwordChangedAt == epoch)
        }
    }

    @Test("a name is taken once: the second add is refused and the first hash stays", arguments: StorageKind.allCases)
    func uniqueNames(kind: StorageKind) async throws {
        try await withStaff(kind) { store async throws in
            #expect(try await store.addStaff(account("wang", hash: "first")) == true)
            #expect(try await store.addStaff(account("wang", hash: "second")) == false)
            #expect(try await store.staff(named: "wang")?.passwordHash == "first")
            #expect(try await store.listStaff().count == 1)
        }
    }

    @Test("names are compared exactly: another case is another account", arguments: StorageKind.allCases)
    func exactNames(kind: StorageKind) async throws {
        try await withStaff(kind) { store async throws in
            #expect(try await store.addStaff(account("Wang")) == true)
            #expect(try await store.staff(named: "wang") == nil)
            #expect(try await store.staff(named: "Wang ") == nil)
        }
    }

    @Test(
        "setting a password replaces the hash and stamps the change; an unknown name is refused",
        arguments: StorageKind.allCases)
    func setPassword(kind: StorageKind) async throws {
        try await withStaff(kind) { store async throws in
            _ = try await store.addStaff(account("zhao"))
            let later = epoch + 3600
            #expect(try await store.setStaffPassword(named: "zhao", passwordHash: "new-hash", at: later) == true)
            let read = try #require(try await store.staff(named: "zhao"))
            #expect(read.passwordHash == "new-hash")
            #expect(read.passwordChangedAt == later)
            #expect(read.createdAt == epoch)
            #expect(try await store.setStaffPassword(named: "nobody", passwordHash: "x", at: later) == false)
            #expect(try await store.staff(named: "nobody") == nil)
        }
    }

    @Test("removing an account forgets it; removing it again says there was none", arguments: StorageKind.allCases)
    func remove(kind: StorageKind) async throws {
        try await withStaff(kind) { store async throws in
            _ = try await store.addStaff(account("a"))
            _ = try await store.addStaff(account("b"))
            #expect(try await store.removeStaff(named: "a") == true)
            #expect(try await store.removeStaff(named: "a") == false)
            #expect(try await store.staff(named: "a") == nil)
            #expect(try await store.listStaff().map(\.name) == ["b"])
        }
    }

    @Test("the list is ordered by name", arguments: StorageKind.allCases)
    func listOrder(kind: StorageKind) async throws {
        try await withStaff(kind) { store async throws in
            for name in ["zhou", "an", "ma"] { _ = try await store.addStaff(account(name)) }
            #expect(try await store.listStaff().map(\.name) == ["an", "ma", "zhou"])
        }
    }

    @Test("accounts survive closing and reopening the database file")
    func persisted() async throws {
        try await withDatabasePath { path in
            let first = try SQLiteStorage(path: path)
            _ = try await first.addStaff(account("钱", hash: "kept"))
            try first.close()
            let second = try SQLiteStorage(path: path)
            #expect(try await second.staff(named: "钱")?.passwordHash == "kept")
            #expect(try await second.appliedMigrations().last == "v5-staff-accounts")
            try second.close()
        }
    }
}
