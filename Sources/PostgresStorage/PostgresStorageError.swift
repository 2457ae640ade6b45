/// What is wrong with a `postgres://` database address, and how to write it (the password is never repeated),
/// or with a row read from the database.
public enum PostgresStorageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The `postgres://` URL cannot be read.
    case badAddress(String)
    /// A stored row cannot be read as what its table holds (a state no version wrote, a missing id).
    case unreadableRow(table: String, id: String, problem: String)

    /// One line that says what failed and what to do next.
    public var description: String {
        switch self {
        case .badAddress(let why):
            "\(why). Write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE "
                + "(optionally ?sslmode=disable|prefer|require)."
        case .unreadableRow(let table, let id, let problem):
            "\(table) row \(id): \(problem)"
        }
    }
}
