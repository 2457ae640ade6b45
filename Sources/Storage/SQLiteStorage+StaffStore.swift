public import Foundation
import GRDB

extension SQLiteStorage: StaffStore {
    /// Inserts the account unless the name is taken (the name is the primary key).
    public func addStaff(_ account: StaffAccount) async throws -> Bool {
        try await write("add staff account") { db in
            try db.execute(
                sql: """
                    INSERT INTO staff_account (name, password_hash, created_at, password_changed_at)
                    VALUES (?, ?, ?, ?) ON CONFLICT(name) DO NOTHING
                    """,
                arguments: [
                    account.name, account.passwordHash, account.createdAt.timeIntervalSince1970,
                    account.passwordChangedAt.timeIntervalSince1970,
                ])
            return db.changesCount == 1
        }
    }

    /// Looks the account up by its primary key.
    public func staff(named name: String) async throws -> StaffAccount? {
        try await read("read a staff account") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM staff_account WHERE name = ?", arguments: [name]).map(
                Self.staffAccount)
        }
    }

    /// Updates the hash and its date in one statement.
    public func setStaffPassword(named name: String, passwordHash: String, at: Date) async throws -> Bool {
        try await write("set a staff password") { db in
            try db.execute(
                sql: "UPDATE staff_account SET password_hash = ?, password_changed_at = ? WHERE name = ?",
                arguments: [passwordHash, at.timeIntervalSince1970, name])
            return db.changesCount == 1
        }
    }

    /// Deletes the row.
    public func removeStaff(named name: String) async throws -> Bool {
        try await write("remove a staff account") { db in
            try db.execute(sql: "DELETE FROM staff_account WHERE name = ?", arguments: [name])
            return db.changesCount == 1
        }
    }

    /// Every row, ordered by name.
    public func listStaff() async throws -> [StaffAccount] {
        try await read("list staff accounts") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM staff_account ORDER BY name").map(Self.staffAccount)
        }
    }

    private static func staffAccount(_ row: Row) -> StaffAccount {
        StaffAccount(
            name: row["name"], passwordHash: row["password_hash"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            passwordChangedAt: Date(timeIntervalSince1970: row["password_changed_at"]))
    }
}
