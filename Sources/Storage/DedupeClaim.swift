/// The outcome of claiming a message key with a ``DedupeStore``.
public enum DedupeClaim: Sendable, Hashable {
    /// Nobody holds an unexpired claim on the key: the caller owns it and should do the work.
    case new
    /// The key was already claimed and has not expired: the caller must not do the work again.
    ///
    /// `storedReply` is the reply recorded for the first delivery, so a platform's retry can be answered
    /// with the same text; it is `nil` while the first delivery is still being worked on or if it never
    /// recorded one.
    case duplicate(storedReply: String?)
}
