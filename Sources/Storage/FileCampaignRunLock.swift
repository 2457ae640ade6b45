public import OutreachModel

/// The campaign run lock of an SQLite database: an `flock` on `<database>.campaign-run.lock`.
public final class FileCampaignRunLock: CampaignRunLock {
    private let lock: FileLock

    /// The lock file's path.
    public var lockName: String { lock.path }

    private init(lock: FileLock) {
        self.lock = lock
    }

    /// Takes the lock for the database at `databasePath`, or fails at once if another run holds it.
    public static func acquire(databasePath: String) throws(CampaignRunLockError) -> FileCampaignRunLock {
        let path = databasePath + ".campaign-run.lock"
        do {
            return FileCampaignRunLock(lock: try FileLock.acquire(path: path))
        } catch {
            switch error {
            case .held: throw .held(lock: path)
            case .unusable(let reason): throw .unavailable(lock: path, reason: reason)
            }
        }
    }

    /// Releases the lock.
    public func release() async {
        lock.release()
    }
}
