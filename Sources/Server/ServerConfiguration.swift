import Desk
import Foundation
import Logging
import Matching
import PolicyKit
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
    public var adminToken: String?
    public var wecom: WeCom?
    public var dingTalkAppSecret: String?
    public var feishu: Feishu?
    public var wecomAPIBase = "https://qyapi.weixin.qq.com"
    public var dingTalkAPIBase = "https://oapi.dingtalk.com"
    public var feishuAPIBase = "https://open.feishu.cn"
    /// The largest request body accepted, in bytes.
    public var bodyLimit = 64 * 1024
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

    public init() {}

    /// The variable names of the interface.
    public enum Variable {
        public static let host = "POLICYDESK_HOST", port = "POLICYDESK_PORT", db = "POLICYDESK_DB"
        public static let intents = "POLICYDESK_INTENTS", templates = "POLICYDESK_TEMPLATES"
        public static let adminToken = "POLICYDESK_ADMIN_TOKEN"
        public static let wecomToken = "WECOM_TOKEN", wecomAESKey = "WECOM_AES_KEY", wecomCorpID = "WECOM_CORP_ID"
        public static let dingTalkSecret = "DINGTALK_APP_SECRET"
        public static let feishuAppID = "FEISHU_APP_ID", feishuAppSecret = "FEISHU_APP_SECRET"
        public static let feishuToken = "FEISHU_VERIFICATION_TOKEN", feishuEncryptKey = "FEISHU_ENCRYPT_KEY"
        public static let wecomBase = "WECOM_API_BASE", dingTalkBase = "DINGTALK_API_BASE", feishuBase = "FEISHU_API_BASE"
    }

    /// Reads the YAML file (keys are the variable names, or their lower-case forms without the
    /// prefix such as `port`) and then the environment.
    public static func load(file: String?, environment: [String: String]) throws(ConfigurationError) -> ServerConfiguration {
        var values: [String: String] = [:]
        if let file {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw .unreadable(file)
            }
            let node: Node?
            do {
                node = try Yams.compose(yaml: text)
            } catch {
                throw .invalid(file, "\(error)")
            }
            guard case .mapping(let map)? = node else { throw .invalid(file, "the file must be a mapping of keys to values") }
            for (k, v) in map {
                guard let key = k.string, let value = v.string else { continue }
                values[Self.canonical(key)] = value
            }
        }
        for (k, v) in environment where k.hasPrefix("POLICYDESK_") || k.hasPrefix("WECOM_") || k.hasPrefix("DINGTALK_") || k.hasPrefix("FEISHU_") {
            values[k] = v
        }
        return try from(values, source: file ?? "the environment")
    }

    /// Maps `port` to `POLICYDESK_PORT`, `wecom_token` to `WECOM_TOKEN`, and keeps full names.
    static func canonical(_ key: String) -> String {
        let upper = key.uppercased().replacingOccurrences(of: "-", with: "_").replacingOccurrences(of: ".", with: "_")
        if upper.hasPrefix("POLICYDESK_") || upper.hasPrefix("WECOM_") || upper.hasPrefix("DINGTALK_") || upper.hasPrefix("FEISHU_") {
            return upper
        }
        return "POLICYDESK_" + upper
    }

    static func from(_ v: [String: String], source: String) throws(ConfigurationError) -> ServerConfiguration {
        var c = ServerConfiguration()
        func nonEmpty(_ key: String) -> String? { v[key].flatMap { $0.isEmpty ? nil : $0 } }
        if let host = nonEmpty(Variable.host) { c.host = host }
        if let port = nonEmpty(Variable.port) {
            guard let n = Int(port), (1...65535).contains(n) else { throw .badValue(Variable.port, "a port number from 1 to 65535", source) }
            c.port = n
        }
        if let db = nonEmpty(Variable.db) { c.databasePath = db }
        if let i = nonEmpty(Variable.intents) { c.intents = i }
        if let t = nonEmpty(Variable.templates) { c.templates = t }
        c.adminToken = nonEmpty(Variable.adminToken)
        if let limit = nonEmpty("POLICYDESK_BODY_LIMIT") {
            guard let n = Int(limit), n > 0 else { throw .badValue("POLICYDESK_BODY_LIMIT", "a positive number of bytes", source) }
            c.bodyLimit = n
        }
        if let rate = nonEmpty("POLICYDESK_QUESTIONS_PER_MINUTE") {
            guard let n = Int(rate), n > 0 else { throw .badValue("POLICYDESK_QUESTIONS_PER_MINUTE", "a positive whole number", source) }
            c.questionsPerMinute = n
        }
        func seconds(_ key: String) throws(ConfigurationError) -> Duration? {
            guard let text = nonEmpty(key) else { return nil }
            guard let seconds = Double(text), seconds > 0, seconds <= 86_400 else {
                throw .badValue(key, "a number of seconds above 0 and at most 86400", source)
            }
            return .milliseconds(Int64(seconds * 1000))
        }
        if let idle = try seconds("POLICYDESK_IDLE_TIMEOUT") { c.idleTimeout = idle }
        if let body = try seconds("POLICYDESK_BODY_TIMEOUT") { c.bodyTimeout = body }
        if let text = nonEmpty("POLICYDESK_MAX_CONNECTIONS") {
            guard let n = Int(text), n > 0 else { throw .badValue("POLICYDESK_MAX_CONNECTIONS", "a positive whole number", source) }
            c.maxConnections = n
        }
        func positive(_ key: String) throws(ConfigurationError) -> Int? {
            guard let text = nonEmpty(key) else { return nil }
            guard let n = Int(text), n > 0 else { throw .badValue(key, "a positive whole number", source) }
            return n
        }
        if let n = try positive("POLICYDESK_REVIEW_TEXT_LIMIT") { c.missLimits.maxTextLength = n }
        if let n = try positive("POLICYDESK_REVIEW_PER_USER") { c.missLimits.rowsPerUser = n }
        if let n = try positive("POLICYDESK_REVIEW_MAX_GROUPS") { c.missLimits.openGroups = n }
        if let n = try positive("POLICYDESK_REVIEW_RETENTION_DAYS") { c.missLimits.retention = .seconds(n * 86_400) }
        let wecom = [Variable.wecomToken, Variable.wecomAESKey, Variable.wecomCorpID].map(nonEmpty)
        if wecom.allSatisfy({ $0 != nil }) {
            c.wecom = WeCom(token: wecom[0]!, aesKey: wecom[1]!, corpID: wecom[2]!)
        } else if wecom.contains(where: { $0 != nil }) {
            throw .incomplete("WeCom", "\(Variable.wecomToken), \(Variable.wecomAESKey) and \(Variable.wecomCorpID)", source)
        }
        c.dingTalkAppSecret = nonEmpty(Variable.dingTalkSecret)
        let feishu = [Variable.feishuAppID, Variable.feishuAppSecret, Variable.feishuToken].map(nonEmpty)
        if feishu.allSatisfy({ $0 != nil }) {
            c.feishu = Feishu(appID: feishu[0]!, appSecret: feishu[1]!, verificationToken: feishu[2]!, encryptKey: nonEmpty(Variable.feishuEncryptKey))
        } else if feishu.contains(where: { $0 != nil }) {
            throw .incomplete("Feishu", "\(Variable.feishuAppID), \(Variable.feishuAppSecret) and \(Variable.feishuToken)", source)
        }
        if let b = nonEmpty(Variable.wecomBase) { c.wecomAPIBase = b }
        if let b = nonEmpty(Variable.dingTalkBase) { c.dingTalkAPIBase = b }
        if let b = nonEmpty(Variable.feishuBase) { c.feishuAPIBase = b }
        return c
    }
}

/// Why the configuration could not be read.
public enum ConfigurationError: Error, Sendable, CustomStringConvertible {
    case unreadable(String)
    case invalid(String, String)
    case badValue(String, String, String)
    case incomplete(String, String, String)

    public var description: String {
        switch self {
        case .unreadable(let file): "\(file): configuration file not found or not UTF-8 text"
        case .invalid(let file, let why): "\(file): not a valid configuration: \(why)"
        case .badValue(let key, let expected, let source): "\(key) in \(source) must be \(expected)"
        case .incomplete(let platform, let keys, let source): "\(platform) is half configured in \(source): set all of \(keys), or none to turn it off"
        }
    }
}
