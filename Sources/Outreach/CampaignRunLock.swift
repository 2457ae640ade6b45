import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive lock that one `campaign run` holds for its whole life, per database.
///
/// It is an `flock` on a file next to the database, which the kernel releases when the process
/// ends in any way, `kill -9` included: a restarted run never waits for a dead one, and two live
/// runs never send at once (which would both break the "sending means in flight" rule that crash
/// recovery rests on and let two processes share a robot's limit unknowingly).
public final class CampaignRunLock: Sendable {
    /// The lock file's path.
    public let path: String
    private let descriptor: Int32

    /// Takes the lock for the database at `databasePath`, or fails at once if another run holds it.
    public init(databasePath: String) throws(OutreachError) {
        let path = databasePath + ".campaign-run.lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .lockFailed(lockFile: path, reason: String(cString: strerror(errno)))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            if code == EWOULDBLOCK { throw .alreadyRunning(lockFile: path) }
            throw .lockFailed(lockFile: path, reason: String(cString: strerror(code)))
        }
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
