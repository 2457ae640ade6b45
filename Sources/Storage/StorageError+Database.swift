import GRDB

extension StorageError {
    /// Maps a failure to open `path` to the case that tells the operator what to fix.
    static func opening(_ error: any Error, path: String) -> StorageError {
        if let corrupt = notADatabase(error, path: path) {
            return corrupt
        }
        return .cannotOpen(path: path, reason: reason(error))
    }

    /// Maps a failure while migrating `path`; damage found only now is still reported as such.
    static func migrating(_ error: any Error, path: String) -> StorageError {
        notADatabase(error, path: path) ?? .migrationFailed(path: path, reason: reason(error))
    }

    /// Maps a failure of `operation` on `path`, passing cancellation through untouched.
    static func wrapping(_ error: any Error, path: String, operation: String) -> any Error {
        if error is CancellationError || error is StorageError {
            return error
        }
        if let row = error as? UnreadableRow {
            return StorageError.unreadableRow(path: path, table: row.table, id: row.id, problem: row.problem)
        }
        return notADatabase(error, path: path)
            ?? .operationFailed(path: path, operation: operation, reason: reason(error))
    }

    private static func notADatabase(_ error: any Error, path: String) -> StorageError? {
        guard let error = error as? DatabaseError,
            error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT
        else {
            return nil
        }
        return .notADatabase(path: path, reason: reason(error))
    }

    /// SQLite's own message: it says what failed without the statement's arguments, which may hold user text.
    private static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return error.message ?? "SQLite error \(error.extendedResultCode.rawValue)"
        }
        return String(describing: error)
    }
}
