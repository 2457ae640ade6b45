/// An append-only record of admin changes.
///
/// Entries are ordered by when they were appended, not by their `at`, so a clock stepping back
/// cannot reorder history.
public protocol AuditLog: Sendable {
    /// Appends `entry` (its `id` is ignored) and returns the id the log gave it; ids only grow.
    @discardableResult
    func append(_ entry: AuditEntry) async throws -> Int64

    /// Returns up to `limit` entries, newest first, after skipping the `offset` newest.
    func list(limit: Int, offset: Int) async throws -> [AuditEntry]

    /// Returns the entry with `id`, or `nil` when there is none.
    func entry(id: Int64) async throws -> AuditEntry?

    /// Returns the newest entry on `target` appended after entry `id`, or `nil` when none was.
    func latestChange(of target: String, after id: Int64) async throws -> AuditEntry?
}
