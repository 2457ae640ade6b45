import Foundation
import PostgresNIO

/// Where the shared PostgreSQL database is, read from a `postgres://user:password@host:port/database` URL.
///
/// The password is kept for connecting only: ``description`` (what logs and errors print) shows the
/// address with the password replaced by `***`.
public struct PostgresAddress: Sendable, Hashable, CustomStringConvertible {
    /// The host name or address, or the folder of the server's unix socket (`?host=/run/postgresql`).
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    /// `disable`, `prefer` (the default, as libpq) or `require`.
    public var sslMode: String
    /// The schema the tables live in (`?schema=district_a`), so that several deployments or test
    /// runs can share one database; nil for the server's default search path.
    public var schema: String?

    /// Whether `value` (a `POLICYDESK_DB` value or the YAML `database` setting) names PostgreSQL
    /// rather than an SQLite file.
    public static func isPostgresURL(_ value: String) -> Bool {
        value.hasPrefix("postgres://") || value.hasPrefix("postgresql://")
    }

    /// Reads `url`; throws ``PostgresStorageError/badAddress(_:)`` saying which part is wrong.
    public init(url: String) throws(PostgresStorageError) {
        guard Self.isPostgresURL(url), let schemeEnd = url.range(of: "://") else {
            throw .badAddress("the database URL must start with postgres:// (got \(Self.redacted(url)))")
        }
        var rest = Substring(url[schemeEnd.upperBound...])
        var query: [String: String] = [:]
        if let mark = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: mark)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                query[String(parts[0])] = parts.count > 1 ? Self.percentDecoded(parts[1]) : ""
            }
            rest = rest[..<mark]
        }
        var userInfo: Substring = ""
        if let at = rest.lastIndex(of: "@") {
            userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
        }
        let hostPort: Substring
        if let slash = rest.firstIndex(of: "/") {
            hostPort = rest[..<slash]
            database = Self.percentDecoded(rest[rest.index(after: slash)...])
        } else {
            hostPort = rest
            database = ""
        }
        if let colon = userInfo.firstIndex(of: ":") {
            user = Self.percentDecoded(userInfo[..<colon])
            password = Self.percentDecoded(userInfo[userInfo.index(after: colon)...])
        } else {
            user = Self.percentDecoded(userInfo)
            password = nil
        }
        if let colon = hostPort.lastIndex(of: ":") {
            host = String(hostPort[..<colon])
            guard let number = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(number) else {
                throw .badAddress("the port in the database URL \(Self.redacted(url)) is not a number from 1 to 65535")
            }
            port = number
        } else {
            host = String(hostPort)
            port = 5432
        }
        if let socketFolder = query["host"], !socketFolder.isEmpty { host = socketFolder }
        sslMode = query["sslmode"] ?? "prefer"
        schema = query["schema"].flatMap { $0.isEmpty ? nil : $0 }
        if let schema, !schema.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
            throw .badAddress("schema=\(schema) in the database URL: use letters, digits and _ only")
        }
        guard !host.isEmpty else { throw .badAddress("the database URL \(Self.redacted(url)) names no host") }
        guard !user.isEmpty else { throw .badAddress("the database URL \(Self.redacted(url)) names no user") }
        guard !database.isEmpty else { throw .badAddress("the database URL \(Self.redacted(url)) names no database") }
        guard ["disable", "prefer", "require"].contains(sslMode) else {
            throw .badAddress("sslmode=\(sslMode) in the database URL: use disable, prefer or require")
        }
    }

    /// The address with the password hidden.
    public var description: String {
        let credentials = password == nil ? user : "\(user):***"
        let base =
            host.hasPrefix("/")
            ? "postgres://\(credentials)@/\(database)?host=\(host)"
            : "postgres://\(credentials)@\(host):\(port)/\(database)"
        guard let schema else { return base }
        return base + (base.contains("?") ? "&" : "?") + "schema=\(schema)"
    }

    /// The client configuration for this address, with the pool's bounds.
    func clientConfiguration(maximumConnections: Int, connectTimeout: Duration) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if host.hasPrefix("/") {
            let socket = host.hasSuffix(".s.PGSQL.\(port)") ? host : "\(host)/.s.PGSQL.\(port)"
            configuration = .init(unixSocketPath: socket, username: user, password: password, database: database)
        } else {
            let tls: PostgresClient.Configuration.TLS =
                switch sslMode {
                case "disable": .disable
                case "require": .require(.makeClientConfiguration())
                default: .prefer(.makeClientConfiguration())
                }
            configuration = .init(
                host: host, port: port, username: user, password: password, database: database, tls: tls)
        }
        if let schema { configuration.options.additionalStartupParameters = [("search_path", schema)] }
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 1
        configuration.options.connectTimeout = connectTimeout
        configuration.options.connectionIdleTimeout = .seconds(60)
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(15))
        return configuration
    }

    /// `url` with anything between `:` and `@` of its user part replaced, for error messages.
    static func redacted(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://"), let at = url[schemeEnd.upperBound...].lastIndex(of: "@") else {
            return url
        }
        let userInfo = url[schemeEnd.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }

    private static func percentDecoded(_ text: Substring) -> String {
        String(text).removingPercentEncoding ?? String(text)
    }
}
