public import Foundation

/// The staff accounts: who may sign in, with their password hashes.
///
/// Names are compared exactly (as stored); the caller decides which names are acceptable.
public protocol StaffStore: Sendable {
    /// Adds `account`; returns false, changing nothing, when an account of that name exists.
    func addStaff(_ account: StaffAccount) async throws -> Bool

    /// The account named `name`, or nil when there is none.
    func staff(named name: String) async throws -> StaffAccount?

    /// Replaces the password hash of `name`, stamped `at`; returns false when there is no such account.
    func setStaffPassword(named name: String, passwordHash: String, at: Date) async throws -> Bool

    /// Removes the account named `name`; returns false when there was none.
    func removeStaff(named name: String) async throws -> Bool

    /// Every account, by name.
    func listStaff() async throws -> [StaffAccount]
}
