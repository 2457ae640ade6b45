/// What is wrong with a `postgres://` database address, and how to write it (the password is never repeated).
public enum PostgresStorageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The `postgres://` URL cannot be read.
    case badAddress(String)

    /// One line that says what failed and what to do next.
    public var description: String {
        switch self {
        case .badAddress(let why):
            "\(why). Write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE "
                + "(optionally ?sslmode=disable|prefer|require)."
        }
    }
}
