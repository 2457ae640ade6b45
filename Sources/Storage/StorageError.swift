/// What went wrong in the storage layer, with the database it concerns and what to do about it.
///
/// ``SQLiteStorage`` throws only these (and `CancellationError` when its task is cancelled), so the
/// server can log one clear line at startup instead of an SQLite result code.
public enum StorageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The database file could not be opened or created, for example because its folder is missing.
    case cannotOpen(path: String, reason: String)
    /// The file exists but is not an SQLite database, or is damaged.
    case notADatabase(path: String, reason: String)
    /// The file was migrated by a newer build that knows migrations this one does not.
    case newerSchema(path: String, unknownMigrations: [String])
    /// Bringing the schema up to date failed; the migration's transaction was rolled back.
    case migrationFailed(path: String, reason: String)
    /// A read or write failed after the database was open.
    case operationFailed(path: String, operation: String, reason: String)
    /// No miss group has this id.
    case missGroupNotFound(id: Int64)
    /// SQLite's quick integrity check found damaged pages.
    case damaged(path: String, findings: [String])
    /// The file opens but takes no write (read-only file or folder, full disk).
    case notWritable(path: String, reason: String)
    /// A stored row cannot be read as what its table holds (a NULL where a value belongs, a
    /// state no version wrote): the file was changed outside PolicyDesk or is damaged.
    case unreadableRow(path: String, table: String, id: String, problem: String)
    /// A backup would replace an existing file.
    case backupExists(path: String)
    /// A backup's copy failed `PRAGMA integrity_check`; it was not kept.
    case backupDamaged(path: String, problems: [String])

    /// A one-line message that names the database and says what to do next.
    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            "Cannot open the database \(path): \(reason). Check that its folder exists and that the server "
                + "may read and write there."
        case .notADatabase(let path, let reason):
            "The file \(path) is not a readable SQLite database (\(reason)). Move it aside to start with an "
                + "empty store, or restore it from a backup."
        case .newerSchema(let path, let unknownMigrations):
            "The database \(path) was updated by a newer version (it has migrations "
                + "\(unknownMigrations.joined(separator: ", ")) that this version does not know). Run the newer "
                + "version, or restore a backup taken before the upgrade."
        case .migrationFailed(let path, let reason):
            "Updating the schema of \(path) failed: \(reason). The failed step was rolled back; fix the cause "
                + "and start again."
        case .operationFailed(let path, let operation, let reason):
            "Could not \(operation) in \(path): \(reason)."
        case .damaged(let path, let findings):
            "The database \(path) is damaged (SQLite's quick check says: \(findings.prefix(3).joined(separator: "; "))). "
                + "Stop here: restore the file from a backup (policydesk backup), or move it aside to start with an empty store."
        case .notWritable(let path, let reason):
            "The database \(path) takes no writes (\(reason)). Make the file, its -wal and -shm files and their folder "
                + "writable by the user running policydesk, and check that the disk has room."
        case .missGroupNotFound(let id):
            "No miss group has id \(id). List the misses again to get current ids."
        case .unreadableRow(let path, let table, let id, let problem):
            "The database \(path) holds a row it cannot read: \(table) \(id) (\(problem)). It was changed outside "
                + "PolicyDesk or is damaged; restore it from a backup, or correct that row with sqlite3."
        case .backupExists(let path):
            "\(path) already exists; nothing was written. Give another name, or --force to replace it."
        case .backupDamaged(let path, let problems):
            "The copy for \(path) failed its integrity check and was not kept: \(problems.joined(separator: "; ")). "
                + "Check the source with `sqlite3 FILE 'PRAGMA integrity_check'`."
        }
    }
}
