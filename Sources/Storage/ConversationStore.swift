public import Foundation

/// Keeps each conversation's state between messages as an opaque blob with an expiry.
///
/// The caller owns the encoding (typically JSON); the store never looks inside, which keeps
/// this module free of the conversation model.
public protocol ConversationStore: Sendable {
    /// Returns the value saved under `key`, or `nil` when there is none or it expired at or before `now`.
    func load(key: String, now: Date) async throws -> Data?

    /// Saves `value` under `key` until `expiresAt`, replacing any earlier value and expiry.
    func save(key: String, value: Data, expiresAt: Date) async throws

    /// Forgets the value under `key`; deleting a missing key does nothing.
    func delete(key: String) async throws

    /// The key and expiry of every conversation still open at `now`: what a server loads once
    /// at start so that a message from someone with no open conversation needs no read at all.
    /// Nil when more than `limit` are open, without reading them all.
    func liveExpiries(now: Date, limit: Int) async throws -> [String: Date]?

    /// Deletes the values that expired at or before `now` and returns how many were deleted.
    @discardableResult
    func purgeExpiredConversations(now: Date) async throws -> Int
}
