/// What went wrong with the shared PostgreSQL store, naming the database (password hidden) and what to do.
public enum PostgresStorageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The `postgres://` URL cannot be read.
    case badAddress(String)
    /// The database did not answer within the time given.
    case timedOut(address: String, operation: String, after: Duration)
    /// Another instance edited the same Intents file since this one read it.
    case intentsConflict(file: String)

    /// One line that says what failed and what to do next.
    public var description: String {
        switch self {
        case .badAddress(let why):
            "\(why). Write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE "
                + "(optionally ?sslmode=disable|prefer|require)."
        case .timedOut(let address, let operation, let after):
            "Could not \(operation) in \(address): no answer within \(after). "
                + "Check that PostgreSQL is running and reachable."
        case .intentsConflict(let file):
            "Intents/\(file) was edited through another instance a moment ago; nothing was changed. "
                + "Read it again and retry."
        }
    }
}
