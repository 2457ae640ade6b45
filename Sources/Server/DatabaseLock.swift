import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive `flock` on `<database>.lock`, held for as long as `policydesk serve` runs on an
/// SQLite file.
///
/// An SQLite file belongs to one server process: dedupe claims are decided in that process's
/// memory, so two processes on one file could each answer the same message. The pid file does not
/// stop a second server when the two are given different pid files; this lock sits beside the
/// database itself, and the kernel releases it when the process dies however it dies, so a stale
/// lock never blocks a restart.
public final class DatabaseLock: Sendable {
    /// The lock file's path.
    public let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Locks the file beside the SQLite database at `databasePath`, or throws naming the process
    /// that holds it.
    public static func acquire(databasePath: String) throws(DatabaseLockError) -> DatabaseLock {
        let path = databasePath + ".lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .unwritable(path: path, reason: String(cString: strerror(errno)))
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            let holder = readHolder(descriptor)
            close(descriptor)
            if reason == EWOULDBLOCK {
                throw .held(databasePath: databasePath, lockPath: path, pid: holder)
            }
            throw .unwritable(path: path, reason: String(cString: strerror(reason)))
        }
        // The holder's pid, for the message a second server prints; the lock is what counts.
        let text = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        return DatabaseLock(path: path, descriptor: descriptor)
    }

    /// Releases the lock; also released when the process ends.
    public func release() {
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    private static func readHolder(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 31, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// Why the SQLite database could not be locked for this server.
public enum DatabaseLockError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another live process holds the lock.
    case held(databasePath: String, lockPath: String, pid: Int32?)
    /// The lock file cannot be created or locked.
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .held(let databasePath, let lockPath, let pid):
            "Another policydesk serve\(pid.map { " (pid \($0))" } ?? "") is already running on the SQLite database "
                + "\(databasePath) (it holds \(lockPath)). An SQLite file serves one process; stop that one first, "
                + "or, to run several instances behind one address, set POLICYDESK_DB to a postgres:// URL."
        case .unwritable(let path, let reason):
            "Cannot lock \(path): \(reason). Make the database's folder writable by the user running policydesk."
        }
    }
}
