public import Foundation

/// Remembers which inbound messages have already been handled, so a platform's redelivery is not answered twice.
///
/// Keys are namespaced by the caller (for example `"wecom:msg:123"`), which keeps ids from different
/// platforms apart. A claim lasts for its time to live; after that the key may be claimed afresh.
public protocol DedupeStore: Sendable {
    /// Claims `key` until `now + ttl`, atomically.
    ///
    /// Of any number of concurrent claims of the same unexpired key exactly one returns ``DedupeClaim/new``.
    /// Claiming a key whose earlier claim has expired starts a new claim and forgets the old reply.
    /// What outlives a restart is a claim whose reply was recorded (possibly empty); a claim the
    /// process never recorded a reply for may be claimed afresh after a restart, since nothing
    /// was answered for it. A store shared by several instances says the same of a claim whose
    /// instance died answering: one with no reply long after it was taken may be claimed afresh.
    func claim(key: String, now: Date, ttl: Duration) async throws -> DedupeClaim

    /// Stores the reply sent for the message with `key`, so a retry is answered without recomputing it;
    /// returns once it is stored durably.
    ///
    /// A key that was never claimed or has been purged is ignored: there is no claim for a retry to find.
    func recordReply(key: String, reply: String) async throws

    /// Deletes the claims that expired at or before `now` and returns how many were deleted.
    @discardableResult
    func purgeExpiredClaims(now: Date) async throws -> Int
}
