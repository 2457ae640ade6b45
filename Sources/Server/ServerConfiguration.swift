import Desk
import Foundation
public import Logging
import Matching
import PolicyKit
import PostgresStorage
public import Storage
import Yams

/// Everything `policydesk serve` is configured with: an optional YAML file, then the
/// environment, which wins. Secrets come only from these two places.
public struct ServerConfiguration: Sendable {
    /// WeCom callback credentials.
    public struct WeCom: Sendable {
        public var token: String
        public var aesKey: String
        public var corpID: String

        public init(token: String, aesKey: String, corpID: String) {
            self.token = token
            self.aesKey = aesKey
            self.corpID = corpID
        }
    }

    /// Feishu app credentials.
    public struct Feishu: Sendable {
        public var appID: String
        public var appSecret: String
        public var verificationToken: String
        public var encryptKey: String?

        public init(appID: String, appSecret: String, verificationToken: String, encryptKey: String?) {
            self.appID = appID
            self.appSecret = appSecret
            self.verificationToken = verificationToken
            self.encryptKey = encryptKey
        }
    }

    public var host = "127.0.0.1"
    public var port = 8080
    public var databasePath = "policydesk.sqlite"
    public var intents = "Intents"
    public var templates = "Templates"
    /// Whether a draft knowledge base (rules still marked `review: true`) may be served; every
    /// answer then says it is a draft.
    public var allowDraft = false
    public var adminToken: String?
    /// The secret staff session cookies are signed with (through HKDF); nil signs them with a key
    /// derived from ``adminToken``. Changing it ends every session.
    public var sessionKey: String?
    /// How long a staff page session lasts after signing in.
    public var sessionLifetime: Duration = .seconds(8 * 3600)
    public var wecom: WeCom?
    public var dingTalkAppSecret: String?
    public var feishu: Feishu?
    public var feishuAPIBase = "https://open.feishu.cn"
    /// The largest request body accepted, in bytes.
    public var bodyLimit = 64 * 1024
    /// The largest roster a staff page accepts as an upload, in bytes: rosters of a few thousand
    /// enterprises are larger than any webhook body, and only a signed-in person can send one.
    public var uploadLimit = 2 * 1024 * 1024
    /// Questions a user may ask per minute before the bot asks them to slow down.
    public var questionsPerMinute = 20
    /// How long a message id is remembered for dedupe.
    public var dedupeWindow: Duration = .seconds(24 * 3600)
    /// Below this confidence an answered question is logged for staff review.
    public var reviewBelowConfidence = 0.5
    /// How often expired dedupe records and conversations are deleted.
    public var sweepInterval: Duration = .seconds(600)
    /// How long a connection may send nothing before it is closed: between requests (keep-alive), before
    /// its request head is whole, and in a stalled body.
    public var idleTimeout: Duration = .seconds(30)
    /// How long a request body may take, from the end of its head to its last byte.
    public var bodyTimeout: Duration = .seconds(30)
    /// The most connections served at once; past it new connections wait in the listen queue.
    public var maxConnections = 1000
    /// How much of the review log of unanswered questions is kept.
    public var missLimits = MissLogLimits()
    /// Where `serve` writes its process id; nil means `policydesk.pid` next to the database.
    public var pidFile: String?
    /// How much the server logs.
    public var logLevel: Logger.Level = .info

    /// The pid file `serve` writes and `reload` reads: ``pidFile``, or `policydesk.pid` in the
    /// database's folder.
    public var pidFilePath: String {
        if let pidFile { return pidFile }
        // A PostgreSQL URL names no folder of this machine: the working folder, then.
        if usesPostgres { return "policydesk.pid" }
        let folder = URL(fileURLWithPath: databasePath).deletingLastPathComponent()
        return folder.appendingPathComponent("policydesk.pid").path
    }

    /// Whether ``databasePath`` is a `postgres://` URL: several instances share that database.
    public var usesPostgres: Bool { PostgresAddress.isPostgresURL(databasePath) }

    public init() {}

    /// The variable names of the interface.
    public enum Variable {
        public static let host = "POLICYDESK_HOST", port = "POLICYDESK_PORT", db = "POLICYDESK_DB"
        public static let intents = "POLICYDESK_INTENTS", templates = "POLICYDESK_TEMPLATES"
        public static let allowDraft = "POLICYDESK_ALLOW_DRAFT"
        public static let adminToken = "POLICYDESK_ADMIN_TOKEN"
        public static let sessionKey = "POLICYDESK_SESSION_KEY", sessionHours = "POLICYDESK_SESSION_HOURS"
        public static let wecomToken = "WECOM_TOKEN", wecomAESKey = "WECOM_AES_KEY", wecomCorpID = "WECOM_CORP_ID"
        public static let dingTalkSecret = "DINGTALK_APP_SECRET"
        public static let feishuAppID = "FEISHU_APP_ID", feishuAppSecret = "FEISHU_APP_SECRET"
        public static let feishuToken = "FEISHU_VERIFICATION_TOKEN", feishuEncryptKey = "FEISHU_ENCRYPT_KEY"
        public static let feishuBase = "FEISHU_API_BASE"
        /// Accepted so that configuration files written for earlier versions still load, and
        /// read by nothing: WeCom and DingTalk get their answers in the callback's response.
        public static let wecomBase = "WECOM_API_BASE", dingTalkBase = "DINGTALK_API_BASE"
        public static let uploadLimit = "POLICYDESK_UPLOAD_LIMIT"
        public static let bodyLimit = "POLICYDESK_BODY_LIMIT", questionsPerMinute = "POLICYDESK_QUESTIONS_PER_MINUTE"
        public static let pidFile = "POLICYDESK_PID_FILE", logLevel = "LOG_LEVEL"
        public static let idleTimeout = "POLICYDESK_IDLE_TIMEOUT", bodyTimeout = "POLICYDESK_BODY_TIMEOUT"
        public static let maxConnections = "POLICYDESK_MAX_CONNECTIONS"
        public static let reviewTextLimit = "POLICYDESK_REVIEW_TEXT_LIMIT", reviewPerUser = "POLICYDESK_REVIEW_PER_USER"
        public static let reviewMaxGroups = "POLICYDESK_REVIEW_MAX_GROUPS"
        public static let reviewRetentionDays = "POLICYDESK_REVIEW_RETENTION_DAYS"
    }

    /// Reads the YAML file (keys are the variable names, or their lower-case forms without the
    /// prefix such as `port`) and then the environment.
    ///
    /// The file is read strictly: a key that is not one of ``knownKeys`` (in either form), a key
    /// given twice (`port` and `POLICYDESK_PORT` count as the same), a value that is not a single
    /// scalar, and a YAML syntax error each stop the start with the file, line and key. No error
    /// ever quotes a value or a line of the file, since the file holds the secrets.
    public static func load(file: String?, environment: [String: String]) throws(ConfigurationError)
        -> ServerConfiguration
    {
        var values: [String: String] = [:]
        if let file {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
            else {
                throw .unreadable(file)
            }
            values = try readFile(text, name: file)
        }
        for (k, v) in environment
        where k.hasPrefix("POLICYDESK_") || k.hasPrefix("WECOM_") || k.hasPrefix("DINGTALK_") || k.hasPrefix("FEISHU_")
        {
            values[k] = v
        }
        if let level = environment[Variable.logLevel] { values[Variable.logLevel] = level }
        return try from(values, source: file ?? "the environment")
    }

    /// How the sample configuration's placeholders start.
    public static let placeholderPrefix = "CHANGE-ME"

    /// The keys of the configuration, in their full (environment) form.
    public static let knownKeys: [String] = [
        Variable.host, Variable.port, Variable.db, Variable.intents, Variable.templates, Variable.allowDraft,
        Variable.adminToken,
        Variable.bodyLimit, Variable.uploadLimit, Variable.questionsPerMinute, Variable.pidFile, Variable.logLevel,
        Variable.wecomToken, Variable.wecomAESKey, Variable.wecomCorpID, Variable.dingTalkSecret,
        Variable.feishuAppID, Variable.feishuAppSecret, Variable.feishuToken, Variable.feishuEncryptKey,
        Variable.feishuBase, Variable.wecomBase, Variable.dingTalkBase,
        Variable.idleTimeout, Variable.bodyTimeout, Variable.maxConnections,
        Variable.reviewTextLimit, Variable.reviewPerUser, Variable.reviewMaxGroups, Variable.reviewRetentionDays,
        Variable.sessionKey, Variable.sessionHours,
    ]

    /// The key/value pairs of a configuration file, by full key name; throws on anything the
    /// server would otherwise ignore or misread.
    static func readFile(_ text: String, name file: String) throws(ConfigurationError) -> [String: String] {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.syntaxError(error, text: text, file: file)
        } catch {
            throw .syntax(file, line: nil, column: nil, problem: nil)
        }
        guard let node else { return [:] }  // an empty file, or only comments
        guard case .mapping(let map) = node else {
            throw .notAMapping(file, line: node.mark?.line)
        }
        var values: [String: String] = [:]
        var seen: [String: (key: String, line: Int?)] = [:]
        for (k, v) in map {
            let line = k.mark?.line
            guard let key = k.scalar?.string else { throw .badKey(file, line: line) }
            let canonical = Self.canonical(key)
            guard knownKeys.contains(canonical) else {
                throw .unknownKey(file, key: key, line: line, suggestion: suggestion(for: key))
            }
            if let earlier = seen[canonical] {
                throw .duplicateKey(file, key: key, line: line, earlierKey: earlier.key, earlierLine: earlier.line)
            }
            seen[canonical] = (key, line)
            switch v {
            case .scalar(let scalar):
                // `key:` with nothing after it is null: the same as leaving the key out.
                if scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string) { continue }
                values[canonical] = scalar.string
            default:
                throw .notAScalar(file, key: key, line: v.mark?.line ?? line)
            }
        }
        return values
    }

    /// A message of our own for a YAML error: Yams' own quotes the lines around the problem, which
    /// may hold a secret. libyaml's problem texts are fixed phrases and carry no input.
    private static func syntaxError(_ error: YamlError, text: String, file: String) -> ConfigurationError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return .syntax(file, line: mark.line, column: mark.column, problem: problem)
        case .duplicatedKeysInMapping(let duplicates, _):
            // Find the lines ourselves: a top-level key at the start of a line, bare or quoted.
            let key = duplicates.sorted().first ?? ""
            var lines: [Int] = []
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                for form in [key, "\"\(key)\"", "'\(key)'"] where line.hasPrefix(form) {
                    let rest = line.dropFirst(form.count).drop { $0 == " " || $0 == "\t" }
                    if rest.hasPrefix(":") { lines.append(index + 1) }
                }
            }
            return .duplicateKey(
                file, key: key, line: lines.dropFirst().first, earlierKey: key, earlierLine: lines.first)
        default:
            return .syntax(file, line: nil, column: nil, problem: nil)
        }
    }

    /// The known key closest to `key` in the style it was written in (`admin_token` for
    /// `admin_tokn`, `WECOM_TOKEN` for `WECOM_TOKN`), if one is close enough to be a typo.
    static func suggestion(for key: String) -> String? {
        let canonical = Self.canonical(key)
        var best: (key: String, distance: Int)?
        for known in knownKeys {
            let distance = EditDistance.between(canonical, known)
            if distance < (best?.distance ?? Int.max) { best = (known, distance) }
        }
        guard let best, best.distance <= max(2, canonical.count / 4) else { return nil }
        let written = key.uppercased().replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_")
        if written == canonical || !best.key.hasPrefix("POLICYDESK_") {
            return key == key.lowercased() ? best.key.lowercased() : best.key
        }
        let short = String(best.key.dropFirst("POLICYDESK_".count))
        return key == key.uppercased() ? short : short.lowercased()
    }

    /// Maps `port` to `POLICYDESK_PORT`, `wecom_token` to `WECOM_TOKEN`, and keeps full names;
    /// `log_level` is `LOG_LEVEL`, as in the environment.
    static func canonical(_ key: String) -> String {
        let upper = key.uppercased().replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_")
        if upper == Variable.logLevel || upper == "POLICYDESK_LOG_LEVEL" { return Variable.logLevel }
        if upper.hasPrefix("POLICYDESK_") || upper.hasPrefix("WECOM_") || upper.hasPrefix("DINGTALK_")
            || upper.hasPrefix("FEISHU_")
        {
            return upper
        }
        return "POLICYDESK_" + upper
    }

    static func from(_ v: [String: String], source: String) throws(ConfigurationError) -> ServerConfiguration {
        var c = ServerConfiguration()
        // The sample configuration's secrets start with CHANGE-ME: never run with one of them.
        if let key = v.filter({ $0.value.hasPrefix(Self.placeholderPrefix) }).keys.sorted().first {
            throw .placeholder(key, source)
        }
        func nonEmpty(_ key: String) -> String? { v[key].flatMap { $0.isEmpty ? nil : $0 } }
        if let host = nonEmpty(Variable.host) { c.host = host }
        if let port = nonEmpty(Variable.port) {
            guard let n = Int(port), (1...65535).contains(n) else {
                throw .badValue(Variable.port, "a port number from 1 to 65535", source)
            }
            c.port = n
        }
        if let db = nonEmpty(Variable.db) {
            if PostgresAddress.isPostgresURL(db) {
                do {
                    _ = try PostgresAddress(url: db)
                } catch {
                    throw .badValue(Variable.db, "an SQLite file path or a readable postgres:// URL (\(error))", source)
                }
            }
            c.databasePath = db
        }
        if let i = nonEmpty(Variable.intents) { c.intents = i }
        if let t = nonEmpty(Variable.templates) { c.templates = t }
        if let draft = nonEmpty(Variable.allowDraft) {
            switch draft.lowercased() {
            case "true", "yes", "1", "on": c.allowDraft = true
            case "false", "no", "0", "off": c.allowDraft = false
            default: throw .badValue(Variable.allowDraft, "true or false", source)
            }
        }
        c.adminToken = nonEmpty(Variable.adminToken)
        c.sessionKey = nonEmpty(Variable.sessionKey)
        if let hours = nonEmpty(Variable.sessionHours) {
            guard let h = Double(hours), h > 0, h <= 24 * 30 else {
                throw .badValue(Variable.sessionHours, "a number of hours above 0 and at most 720", source)
            }
            c.sessionLifetime = .seconds(Int64(h * 3600))
        }
        if let limit = nonEmpty(Variable.bodyLimit) {
            guard let n = Int(limit), n > 0 else {
                throw .badValue(Variable.bodyLimit, "a positive number of bytes", source)
            }
            c.bodyLimit = n
        }
        if let limit = nonEmpty(Variable.uploadLimit) {
            guard let n = Int(limit), n > 0 else {
                throw .badValue(Variable.uploadLimit, "a positive number of bytes", source)
            }
            c.uploadLimit = n
        }
        if let rate = nonEmpty(Variable.questionsPerMinute) {
            guard let n = Int(rate), n > 0 else {
                throw .badValue(Variable.questionsPerMinute, "a positive whole number", source)
            }
            c.questionsPerMinute = n
        }
        func seconds(_ key: String) throws(ConfigurationError) -> Duration? {
            guard let text = nonEmpty(key) else { return nil }
            guard let seconds = Double(text), seconds > 0, seconds <= 86_400 else {
                throw .badValue(key, "a number of seconds above 0 and at most 86400", source)
            }
            return .milliseconds(Int64(seconds * 1000))
        }
        if let idle = try seconds(Variable.idleTimeout) { c.idleTimeout = idle }
        if let body = try seconds(Variable.bodyTimeout) { c.bodyTimeout = body }
        if let text = nonEmpty(Variable.maxConnections) {
            guard let n = Int(text), n > 0 else {
                throw .badValue(Variable.maxConnections, "a positive whole number", source)
            }
            c.maxConnections = n
        }
        func positive(_ key: String) throws(ConfigurationError) -> Int? {
            guard let text = nonEmpty(key) else { return nil }
            guard let n = Int(text), n > 0 else { throw .badValue(key, "a positive whole number", source) }
            return n
        }
        if let n = try positive(Variable.reviewTextLimit) { c.missLimits.maxTextLength = n }
        if let n = try positive(Variable.reviewPerUser) { c.missLimits.rowsPerUser = n }
        if let n = try positive(Variable.reviewMaxGroups) { c.missLimits.openGroups = n }
        if let n = try positive(Variable.reviewRetentionDays) { c.missLimits.retention = .seconds(n * 86_400) }
        c.pidFile = nonEmpty(Variable.pidFile)
        if let level = nonEmpty(Variable.logLevel) {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                throw .badValue(Variable.logLevel, "one of \(levels)", source)
            }
            c.logLevel = parsed
        }
        let wecom = [Variable.wecomToken, Variable.wecomAESKey, Variable.wecomCorpID].map(nonEmpty)
        if wecom.allSatisfy({ $0 != nil }) {
            c.wecom = WeCom(token: wecom[0]!, aesKey: wecom[1]!, corpID: wecom[2]!)
        } else if wecom.contains(where: { $0 != nil }) {
            throw .incomplete(
                "WeCom", "\(Variable.wecomToken), \(Variable.wecomAESKey) and \(Variable.wecomCorpID)", source)
        }
        c.dingTalkAppSecret = nonEmpty(Variable.dingTalkSecret)
        let feishu = [Variable.feishuAppID, Variable.feishuAppSecret, Variable.feishuToken].map(nonEmpty)
        if feishu.allSatisfy({ $0 != nil }) {
            c.feishu = Feishu(
                appID: feishu[0]!, appSecret: feishu[1]!, verificationToken: feishu[2]!,
                encryptKey: nonEmpty(Variable.feishuEncryptKey))
        } else if feishu.contains(where: { $0 != nil }) {
            throw .incomplete(
                "Feishu", "\(Variable.feishuAppID), \(Variable.feishuAppSecret) and \(Variable.feishuToken)", source)
        }
        if let b = nonEmpty(Variable.feishuBase) { c.feishuAPIBase = b }
        return c
    }
}

/// Why the configuration could not be read. No case carries a value from the file or the
/// environment, only file names, lines and key names, so an error can be printed as it is.
public enum ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The file is missing or not UTF-8.
    case unreadable(String)
    /// A YAML syntax error, where libyaml found it, with libyaml's fixed description of the problem.
    case syntax(String, line: Int?, column: Int?, problem: String?)
    /// The document is not a mapping.
    case notAMapping(String, line: Int?)
    /// A key that is not a plain scalar.
    case badKey(String, line: Int?)
    /// A key the server does not know, with the closest known key when one is near.
    case unknownKey(String, key: String, line: Int?, suggestion: String?)
    /// A key given twice, in the same or another form (`port`, `POLICYDESK_PORT`).
    case duplicateKey(String, key: String, line: Int?, earlierKey: String, earlierLine: Int?)
    /// A list or mapping where one value belongs.
    case notAScalar(String, key: String, line: Int?)
    /// A value of the wrong kind: key, what it must be, where it came from.
    case badValue(String, String, String)
    /// Some but not all of a platform's secrets.
    case incomplete(String, String, String)
    /// A value still holding the sample's CHANGE-ME placeholder: key, where it came from.
    case placeholder(String, String)

    public var description: String {
        switch self {
        case .unreadable(let file):
            "\(file): configuration file not found or not UTF-8 text"
        case .syntax(let file, let line, let column, let problem):
            "\(Self.place(file, line, column)): not valid YAML" + (problem.map { " (\($0))" } ?? "")
        case .notAMapping(let file, let line):
            "\(Self.place(file, line)): the file must be a mapping of keys to values, such as `port: 8080`"
        case .badKey(let file, let line):
            "\(Self.place(file, line)): a key must be a plain name, such as `port`"
        case .unknownKey(let file, let key, let line, let suggestion):
            "\(Self.place(file, line)): unknown key `\(key)`"
                + (suggestion.map { "; did you mean `\($0)`?" }
                    ?? "; see the variables in README's \"Running the server\"")
        case .duplicateKey(let file, let key, let line, let earlierKey, let earlierLine):
            "\(Self.place(file, line)): `\(key)` is given twice"
                + (earlierLine.map { " (first as `\(earlierKey)` on line \($0))" } ?? "") + "; keep one"
        case .notAScalar(let file, let key, let line):
            "\(Self.place(file, line)): `\(key)` must be a single value, not a list or a mapping"
        case .badValue(let key, let expected, let source):
            "\(key) in \(source) must be \(expected)"
        case .incomplete(let platform, let keys, let source):
            "\(platform) is half configured in \(source): set all of \(keys), or none to turn it off"
        case .placeholder(let key, let source):
            "\(key) in \(source) still holds the sample's CHANGE-ME placeholder: set the real value, or leave it empty "
                + "to turn that part off"
        }
    }

    /// `FILE:LINE:COLUMN`, with what is known.
    private static func place(_ file: String, _ line: Int?, _ column: Int? = nil) -> String {
        guard let line else { return file }
        return column.map { "\(file):\(line):\($0)" } ?? "\(file):\(line)"
    }
}
