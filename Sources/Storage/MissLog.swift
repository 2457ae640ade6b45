public import Foundation

/// Collects the questions the bot could not answer, grouped so editors can turn them into examples.
///
/// Groups are listed most frequent first, then most recently seen, then oldest group first, so the
/// questions that cost the most users come to the top. Once a group is resolved it stays resolved;
/// a later miss with the same normalized text opens a new group, because it shows the resolution
/// did not stop the question from missing.
public protocol MissLog: Sendable {
    /// Adds a miss to the open group for its normalized text, opening one if there is none.
    func record(_ miss: MissRecord) async throws

    /// Returns up to `limit` unresolved groups, most frequent first.
    func list(limit: Int) async throws -> [MissGroup]

    /// Marks the group resolved with `resolution` (for example `"dismissed"` or `"example:pension-rate"`),
    /// so it no longer lists; resolving a resolved group replaces its resolution.
    ///
    /// Throws ``StorageError/missGroupNotFound(id:)`` when no group has `groupID`.
    func resolve(groupID: Int64, as resolution: String) async throws

    /// Returns every unresolved group, and the resolved ones too when `includeResolved` is true, in list order.
    func listAll(includeResolved: Bool) async throws -> [MissGroup]

    /// The group with `id`, open or resolved, or nil when there is none.
    func group(id: Int64) async throws -> MissGroup?

    /// Deletes the wordings asked at or before `cutoff` and the groups last asked then; returns how
    /// many rows went. Housekeeping calls it with the retention of ``MissLogLimits``.
    @discardableResult
    func purgeMisses(askedBefore cutoff: Date) async throws -> Int
}
