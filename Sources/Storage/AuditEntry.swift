public import Foundation

/// One change made through the admin interface, with enough to see what it was and undo it by hand.
public struct AuditEntry: Sendable, Hashable {
    /// The id the log gave the entry, or `nil` for an entry not yet appended.
    public var id: Int64?
    /// Who made the change (an admin user name or a service name).
    public var who: String
    /// When the change was made.
    public var at: Date
    /// What was done, such as `"miss.resolve"` or `"kb.publish"`.
    public var action: String
    /// What it was done to, such as a group id or an item name.
    public var target: String
    /// The target's state before the change, when it had one worth keeping.
    public var before: String?
    /// The target's state after the change, when it has one worth keeping.
    public var after: String?

    /// Creates an entry; leave `id` out for one about to be appended.
    public init(
        id: Int64? = nil,
        who: String,
        at: Date,
        action: String,
        target: String,
        before: String? = nil,
        after: String? = nil
    ) {
        self.id = id
        self.who = who
        self.at = at
        self.action = action
        self.target = target
        self.before = before
        self.after = after
    }
}
