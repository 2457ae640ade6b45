/// The lock one `policydesk campaign run` holds for its whole life, per database: one runner at a
/// time, however many processes or machines share the ledger.
///
/// Two live runs must never send at once: both would break the "sending means in flight" rule that
/// crash recovery rests on (``CampaignStore/recoverInterruptedSends(at:)`` runs under this lock),
/// and they would share a robot's rate limit unknowingly. Every implementation is released when its
/// holder dies in any way, `kill -9` included, so a restarted run never waits for a dead one.
public protocol CampaignRunLock: Sendable {
    /// What is locked, as messages name it (a lock file's path, or the database's address).
    var lockName: String { get }

    /// Gives the lock up; it is also given up when the process ends.
    func release() async
}

/// Why the run lock could not be taken.
public enum CampaignRunLockError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Another run holds it.
    case held(lock: String)
    /// The lock could not be taken at all (a folder that is not writable, a database that does not answer).
    case unavailable(lock: String, reason: String)

    /// What happened and what to do next.
    public var description: String {
        switch self {
        case .held(let lock):
            "Another `policydesk campaign run` is sending from this database (it holds \(lock)). Wait for it "
                + "to finish, or stop it; campaigns are sent one at a time so that robots shared between them "
                + "stay within their limits."
        case .unavailable(let lock, let reason):
            "Could not take the run lock \(lock): \(reason). Check that the database's folder is writable, or "
                + "that the database answers."
        }
    }
}
