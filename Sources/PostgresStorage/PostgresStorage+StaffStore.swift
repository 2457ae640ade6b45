public import Foundation
import PostgresNIO
public import Storage

extension PostgresStorage: StaffStore {
    /// One INSERT that does nothing when the name is taken, so two instances adding the same name
    /// at once cannot both succeed.
    public func addStaff(_ account: StaffAccount) async throws -> Bool {
        let rows = try await rows(
            "add staff account \(account.name)",
            """
            INSERT INTO staff_account (name, password_hash, created_at, password_changed_at)
            VALUES (\(account.name), \(account.passwordHash), \(account.createdAt.timeIntervalSince1970),
                \(account.passwordChangedAt.timeIntervalSince1970))
            ON CONFLICT (name) DO NOTHING
            RETURNING name
            """)
        return !rows.isEmpty
    }

    public func staff(named name: String) async throws -> StaffAccount? {
        try await rows("read staff account \(name)", "\(unescaped: Self.staffColumns) WHERE name = \(name)")
            .first.map(Self.account)
    }

    public func setStaffPassword(named name: String, passwordHash: String, at: Date) async throws -> Bool {
        let rows = try await rows(
            "set the password of \(name)",
            """
            UPDATE staff_account SET password_hash = \(passwordHash), password_changed_at = \(at.timeIntervalSince1970)
            WHERE name = \(name) RETURNING name
            """)
        return !rows.isEmpty
    }

    public func removeStaff(named name: String) async throws -> Bool {
        try await !rows("remove staff account \(name)", "DELETE FROM staff_account WHERE name = \(name) RETURNING name")
            .isEmpty
    }

    /// By name in the C collation, as SQLite orders text, so both stores list alike.
    public func listStaff() async throws -> [StaffAccount] {
        try await rows("list staff accounts", "\(unescaped: Self.staffColumns) ORDER BY name COLLATE \"C\"")
            .map(Self.account)
    }

    private static let staffColumns = "SELECT name, password_hash, created_at, password_changed_at FROM staff_account"

    private static func account(_ row: PostgresRow) throws -> StaffAccount {
        let (name, hash, created, changed) = try row.decode((String, String, Double, Double).self)
        return StaffAccount(
            name: name, passwordHash: hash, createdAt: Date(timeIntervalSince1970: created),
            passwordChangedAt: Date(timeIntervalSince1970: changed))
    }
}
