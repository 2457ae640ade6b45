import Foundation
import Logging
import Testing

@testable import Server

/// The YAML configuration says when it ignores something, and never prints a value from the file.
struct ConfigurationFileTests {
    /// A secret that must never show up in an error.
    static let secret = "s3cret-ADMIN-token-9f8e7d"

    /// Writes `text` to a temporary file, loads it, and returns the error's text (nil when it loads).
    static func error(loading text: String, environment: [String: String] = [:]) throws -> String? {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("policydesk-\(UUID().uuidString).yaml")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try ServerConfiguration.load(file: url.path, environment: environment)
            return nil
        } catch {
            return error.description.replacingOccurrences(of: url.path, with: "FILE")
        }
    }

    static func load(_ text: String, environment: [String: String] = [:]) throws -> ServerConfiguration {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("policydesk-\(UUID().uuidString).yaml")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try ServerConfiguration.load(file: url.path, environment: environment)
    }

    @Test func anUnknownKeyIsNamedWithItsLineAndTheClosestKnownKey() throws {
        let message = try #require(try Self.error(loading: "port: 8081\nadmin_tokn: \(Self.secret)\n"))
        #expect(message == "FILE:2: unknown key `admin_tokn`; did you mean `admin_token`?")
        let full = try #require(try Self.error(loading: "# comment\n\nWECOM_TOKN: abc\n"))
        #expect(full == "FILE:3: unknown key `WECOM_TOKN`; did you mean `WECOM_TOKEN`?")
        let far = try #require(try Self.error(loading: "colour: blue\n"))
        #expect(far.hasPrefix("FILE:1: unknown key `colour`"))
        #expect(!far.contains("blue"))
    }

    @Test(arguments: [
        ("port: 1\nhost: 127.0.0.1\nport: 2\n", "FILE:3: `port` is given twice (first as `port` on line 1); keep one"),
        (
            "port: 1\nPOLICYDESK_PORT: 2\n",
            "FILE:2: `POLICYDESK_PORT` is given twice (first as `port` on line 1); keep one"
        ),
    ])
    func aDuplicatedKeyIsNamedWithItsLine(text: String, expected: String) throws {
        #expect(try Self.error(loading: text) == expected)
    }

    @Test func errorsNeverQuoteAValueFromTheFile() throws {
        let files = [
            // A syntax error on the secret's own line (an unclosed quote) and just after it.
            "port: 8080\nadmin_token: \"\(Self.secret)\nhost: x\n",
            "admin_token: \(Self.secret)\n  - broken: [\n",
            "admin_token: \(Self.secret)\nadmin_token: \(Self.secret)\n",
            "admin_token: \(Self.secret)\nunknown_thing: \(Self.secret)\n",
            "admin_token: [\(Self.secret)]\n",
            "admin_token: \(Self.secret)\nport: \(Self.secret)\n",
            "admin_token: \(Self.secret)\nlog_level: \(Self.secret)\n",
            "- \(Self.secret)\n",
            "wecom_token: \(Self.secret)\n",
        ]
        for text in files {
            let message = try #require(try Self.error(loading: text), "\(text) loaded")
            #expect(!message.contains(Self.secret), "\(message)")
            #expect(!message.contains("s3cret"), "\(message)")
        }
        let syntax = try #require(try Self.error(loading: files[0]))
        #expect(syntax.hasPrefix("FILE:"), "gives the line and column: \(syntax)")
        #expect(syntax.contains("not valid YAML"))
    }

    @Test func aListOrMappingValueIsAnError() throws {
        #expect(
            try Self.error(loading: "port:\n  - 1\n")
                == "FILE:2: `port` must be a single value, not a list or a mapping")
    }

    @Test func logLevelWorksFromTheFileAndTheEnvironmentWins() throws {
        #expect(try Self.load("log_level: debug\n").logLevel == .debug)
        #expect(try Self.load("LOG_LEVEL: warning\n").logLevel == .warning)
        #expect(try Self.load("log_level: debug\n", environment: ["LOG_LEVEL": "error"]).logLevel == .error)
        #expect(try Self.load("port: 9000\n").logLevel == .info)
        let bad = try #require(try Self.error(loading: "log_level: loud\n"))
        #expect(bad.hasPrefix("LOG_LEVEL in FILE must be one of trace, debug"))
        #expect(!bad.contains("loud"))
    }

    @Test func emptyValuesAndCommentsAreAccepted() throws {
        let configuration = try Self.load("# all commented\n# port: 1\nadmin_token:\nport: 9000\n")
        #expect(configuration.port == 9000)
        #expect(configuration.adminToken == nil)
        #expect(try Self.load("# nothing but comments\n").port == 8080)
    }

    @Test func thePidFileDefaultsToTheDatabaseFolder() throws {
        #expect(
            try Self.load("db: /var/lib/policydesk/policydesk.sqlite\n").pidFilePath
                == "/var/lib/policydesk/policydesk.pid")
        #expect(
            try Self.load("pid_file: /run/policydesk/policydesk.pid\n").pidFilePath == "/run/policydesk/policydesk.pid")
        #expect(
            try ServerConfiguration.load(file: nil, environment: ["POLICYDESK_PID_FILE": "/tmp/x.pid"]).pidFilePath
                == "/tmp/x.pid")
    }

    /// The sample configuration shipped in the tarball loads (with its placeholders) and sets every key.
    @Test func theShippedSampleLoads() throws {
        let sample = Repository.root.appendingPathComponent("deploy/policydesk.yaml")
        let text = try String(contentsOf: sample, encoding: .utf8)
        // As shipped, its placeholders stop the server, naming the first key but not its value.
        let refused = try #require(try Self.error(loading: text))
        #expect(
            refused
                == "POLICYDESK_ADMIN_TOKEN in FILE still holds the sample's CHANGE-ME placeholder: set the real value, or leave it empty to turn that part off"
        )
        // With the secrets set (here from the environment, which wins), it loads.
        let configuration = try Self.load(
            text,
            environment: [
                "POLICYDESK_ADMIN_TOKEN": "a-real-token", "WECOM_TOKEN": "", "WECOM_AES_KEY": "", "WECOM_CORP_ID": "",
            ])
        #expect(configuration.databasePath == "/var/lib/policydesk/policydesk.sqlite")
        #expect(configuration.pidFilePath == "/run/policydesk/policydesk.pid")
        #expect(configuration.wecom == nil && configuration.feishu == nil && configuration.dingTalkAppSecret == nil)
        // Every known key is mentioned (commented out or set), so the sample documents them all.
        for key in ServerConfiguration.knownKeys {
            let short =
                key.hasPrefix("POLICYDESK_")
                ? String(key.dropFirst("POLICYDESK_".count)).lowercased() : key.lowercased()
            #expect(text.contains("\(short):"), "the sample does not mention \(short)")
        }
    }

    @Test("a postgres:// database is read from the file, and a malformed one is refused without its password")
    func postgresDatabase() throws {
        let configuration = try Self.load("db: postgres://desk:pw@db.internal:5432/policydesk\n")
        #expect(configuration.usesPostgres)
        #expect(configuration.pidFilePath == "policydesk.pid", "a URL names no folder of this machine")
        let message = try #require(
            try Self.error(loading: "db: postgres://desk:\(Self.secret)@db.internal:99999/policydesk\n"))
        #expect(message.contains("POLICYDESK_DB"))
        #expect(message.contains("port"))
        #expect(!message.contains(Self.secret))
    }
}
