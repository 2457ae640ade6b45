public import Foundation

/// A member of staff who may sign in to the staff pages and the admin API.
///
/// The store keeps the password only as the encoded hash it is given (algorithm, parameters,
/// salt and derived key in one string); it never sees the password itself.
public struct StaffAccount: Sendable, Hashable {
    /// The sign-in name, also what the audit log records as "who".
    public var name: String
    /// The encoded password hash, such as `scrypt$32768$8$1$<salt>$<key>`.
    public var passwordHash: String
    /// When the account was made.
    public var createdAt: Date
    /// When the password was last set (at creation, or by `staff passwd`).
    public var passwordChangedAt: Date

    /// An account whose password was set when it was made.
    public init(name: String, passwordHash: String, createdAt: Date, passwordChangedAt: Date? = nil) {
        self.name = name
        self.passwordHash = passwordHash
        self.createdAt = createdAt
        self.passwordChangedAt = passwordChangedAt ?? createdAt
    }
}
