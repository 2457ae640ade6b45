import Storage

/// An exclusive `flock` on `<database>.lock`, held for as long as `policydesk serve` runs on an
/// SQLite file.
///
/// An SQLite file belongs to one server process: dedupe claims are decided in that process's
/// memory, so two processes on one file could each answer the same message. The pid file does not
/// stop a second server when the two are given different pid files; this lock sits beside the
/// database itself, and the kernel releases it when the process dies however it dies, so a stale
/// lock never blocks a restart.
public final class DatabaseLock: Sendable {
    private let lock: FileLock

    /// The lock file's path.
    public var path: String { lock.path }

    private init(lock: FileLock) {
        self.lock = lock
    }

    /// Locks the file beside the SQLite database at `databasePath`, or throws naming the process
    /// that holds it.
    public static func acquire(databasePath: String) throws(DatabaseLockError) -> DatabaseLock {
        let path = databasePath + ".lock"
        do {
            return DatabaseLock(lock: try FileLock.acquire(path: path))
        } catch {
            switch error {
            case .held(let pid): throw .held(databasePath: databasePath, lockPath: path, pid: pid)
            case .unusable(let reason): throw .unwritable(path: path, reason: reason)
            }
        }
    }

    /// Releases the lock; also released when the process ends.
    public func release() {
        lock.release()
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
