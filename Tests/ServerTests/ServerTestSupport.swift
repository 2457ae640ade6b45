import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Storage
import TestSupport
import Testing

@testable import Channels
@testable import Server

/// The repository's own `Intents/` and `Templates/`, found from this file so that the tests do
/// not depend on the working directory.
enum Repository {
    /// The package root: `Tests/ServerTests/<this file>` is three levels below it.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// `Intents/`.
    static var intents: String { root.appendingPathComponent("Intents").path }
    /// `Templates/`.
    static var templates: String { root.appendingPathComponent("Templates").path }
}

/// The platforms' vector files, copied into `Fixtures/` and loaded as resources.
enum Vectors {
    /// The whole file `name`.json as a JSON object (empty when missing, which the tests notice).
    static func file(_ name: String) -> [String: Any] {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
            let data = try? Data(contentsOf: url),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        return object
    }

    /// The `config` block of `name`.json.
    static func config(_ name: String) -> [String: Any] {
        file(name)["config"] as? [String: Any] ?? [:]
    }

    /// The vector `id` in `name`.json; fails the test when absent.
    static func vector(_ id: String, in name: String) throws -> [String: Any] {
        let vectors = file(name)["vectors"] as? [[String: Any]] ?? []
        return try #require(vectors.first { $0["id"] as? String == id }, "vector \(id) not found in \(name).json")
    }

    /// `input` of a vector.
    static func input(_ id: String, in name: String) throws -> [String: Any] {
        try #require(try vector(id, in: name)["input"] as? [String: Any])
    }

    /// `expected` of a vector.
    static func expected(_ id: String, in name: String) throws -> [String: Any] {
        try #require(try vector(id, in: name)["expected"] as? [String: Any])
    }
}

/// The platform secrets the vectors were made with.
enum Secrets {
    static var wecomToken: String { Vectors.config("wecom")["token"] as? String ?? "" }
    static var wecomAESKey: String { Vectors.config("wecom")["encoding_aes_key"] as? String ?? "" }
    static var wecomCorpID: String { Vectors.config("wecom")["corp_id"] as? String ?? "" }
    static var dingTalkAppSecret: String { Vectors.config("dingtalk")["app_secret"] as? String ?? "" }
    static var feishuAppID: String { Vectors.config("feishu")["app_id"] as? String ?? "" }
    static var feishuAppSecret: String { Vectors.config("feishu")["app_secret"] as? String ?? "" }
    static var feishuVerificationToken: String { Vectors.config("feishu")["verification_token"] as? String ?? "" }
    static var feishuEncryptKey: String { Vectors.config("feishu")["encrypt_key"] as? String ?? "" }
}

/// Builds the real application (real router, knowledge base, SQLite in memory, curl transport)
/// the way `policydesk serve` does, and runs a test against it.
enum TestServer {
    /// A logger that keeps the test output readable; raise the level to debug a failure.
    static var logger: Logger {
        var logger = Logger(label: "ServerTests")
        logger.logLevel = .critical
        return logger
    }

    /// Every platform on, with the vectors' secrets, and the repository's knowledge base.
    static func configuration() -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.intents = Repository.intents
        configuration.templates = Repository.templates
        configuration.wecom = .init(token: Secrets.wecomToken, aesKey: Secrets.wecomAESKey, corpID: Secrets.wecomCorpID)
        configuration.dingTalkAppSecret = Secrets.dingTalkAppSecret
        configuration.feishu = .init(
            appID: Secrets.feishuAppID, appSecret: Secrets.feishuAppSecret,
            verificationToken: Secrets.feishuVerificationToken, encryptKey: Secrets.feishuEncryptKey)
        // Nothing listens here; tests that expect a Feishu reply point it at a fake.
        configuration.feishuAPIBase = "http://127.0.0.1:9"
        return configuration
    }

    /// Runs `body` against the application through `setup` (the router by default), with a
    /// fresh in-memory SQLite store unless one is given.
    static func run<Value: Sendable>(
        _ setup: TestingSetup = .router,
        configure: (inout ServerConfiguration) -> Void = { _ in },
        store: SQLiteStorage? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        _ body: @Sendable (any TestClientProtocol, ServerParts) async throws -> Value
    ) async throws -> Value {
        var configuration = configuration()
        configure(&configuration)
        let storage = try store ?? SQLiteStorage.inMemory()
        let dependencies = ServerDependencies(store: storage, transport: CurlTransport(), now: now)
        let built = try buildApplication(configuration: configuration, dependencies: dependencies, logger: logger)
        let parts = built.parts
        return try await built.application.test(setup) { client in try await body(client, parts) }
    }
}

extension TestResponse {
    /// The body as UTF-8 text.
    var text: String { String(buffer: body) }

    /// The body parsed as a JSON object (empty when it is not one).
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }
}

extension TestClientProtocol {
    /// POSTs `body` as JSON to `uri`.
    func postJSON(_ uri: String, _ body: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    /// POSTs `{"text": …, "user": …}` to `/v1/ask`.
    func ask(_ text: String, user: String? = nil) async throws -> TestResponse {
        var object: [String: String] = ["text": text]
        if let user { object["user"] = user }
        let data = try JSONSerialization.data(withJSONObject: object)
        return try await postJSON("/v1/ask", String(decoding: data, as: UTF8.self))
    }

    /// `GET /metrics` parsed.
    func metrics() async throws -> PrometheusText {
        let response = try await execute(uri: "/metrics", method: .get)
        #expect(response.status == .ok)
        return PrometheusText(response.text)
    }
}

/// Prometheus text as rendered by `/metrics`, read back for assertions.
struct PrometheusText: Sendable {
    /// One sample line.
    struct Sample: Sendable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    let text: String
    let samples: [Sample]

    init(_ text: String) {
        self.text = text
        samples = text.split(separator: "\n").compactMap { Self.parse(String($0)) }
    }

    /// The sum of every sample named `name` whose labels include all of `labels`.
    func sum(_ name: String, _ labels: [String: String] = [:]) -> Double {
        samples.filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }.reduce(0) { $0 + $1.value }
    }

    private static func parse(_ line: String) -> Sample? {
        guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "),
            let value = Double(line[line.index(after: space)...])
        else { return nil }
        let series = line[..<space]
        guard let brace = series.firstIndex(of: "{") else {
            return Sample(name: String(series), labels: [:], value: value)
        }
        var labels: [String: String] = [:]
        let inner = series[series.index(after: brace)..<(series.lastIndex(of: "}") ?? series.endIndex)]
        for pair in inner.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            labels[String(parts[0])] = String(parts[1]).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return Sample(name: String(series[..<brace]), labels: labels, value: value)
    }
}

/// Builds WeCom callbacks the way WeCom does and reads the server's encrypted replies.
struct WeComPeer {
    var token = Secrets.wecomToken
    var aesKey = Secrets.wecomAESKey
    var corpID = Secrets.wecomCorpID

    /// A decrypted passive reply.
    struct Reply {
        /// The reply's plaintext XML.
        var xml: String
        /// `<Content>` of the reply.
        var content: String
        /// `<ToUserName>` of the reply.
        var toUser: String
    }

    /// The plaintext XML of a text message, as in WeCom's 消息格式.
    func textMessageXML(
        from user: String, content: String, msgID: String, createTime: Int = Int(Date().timeIntervalSince1970)
    )
        -> String
    {
        "<xml><ToUserName><![CDATA[\(corpID)]]></ToUserName><FromUserName><![CDATA[\(user)]]></FromUserName>"
            + "<CreateTime>\(createTime)</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            + "<Content><![CDATA[\(content)]]></Content><MsgId>\(msgID)</MsgId><AgentID>1000002</AgentID></xml>"
    }

    /// The plaintext XML of an image message.
    func imageMessageXML(from user: String, msgID: String) -> String {
        "<xml><ToUserName><![CDATA[\(corpID)]]></ToUserName><FromUserName><![CDATA[\(user)]]></FromUserName>"
            + "<CreateTime>\(Int(Date().timeIntervalSince1970))</CreateTime><MsgType><![CDATA[image]]></MsgType>"
            + "<PicUrl><![CDATA[http://127.0.0.1/p.jpg]]></PicUrl><MediaId><![CDATA[media0001]]></MediaId>"
            + "<MsgId>\(msgID)</MsgId><AgentID>1000002</AgentID></xml>"
    }

    /// The URI and body of the POST WeCom sends for `plaintextXML`: encrypted for
    /// `receiveID` (the CorpID unless told otherwise) with a fresh timestamp and nonce, and signed.
    func post(_ plaintextXML: String, receiveID: String? = nil, signatureOverride: String? = nil) throws
        -> (uri: String, body: String)
    {
        let crypto = try WeComCrypto(encodingAESKey: aesKey)
        let encrypted = try crypto.encrypt(
            Array(plaintextXML.utf8), receiveID: receiveID ?? corpID, random16: WeComCrypto.randomPrefix())
        let timestamp = String(Int(Date().timeIntervalSince1970))
        let nonce = String(UInt32.random(in: 100_000_000...999_999_999))
        let signature =
            signatureOverride
            ?? WeComCrypto.signature(token: token, timestamp: timestamp, nonce: nonce, encrypted: encrypted)
        let body =
            "<xml><ToUserName><![CDATA[\(corpID)]]></ToUserName><Encrypt><![CDATA[\(encrypted)]]></Encrypt>"
            + "<AgentID><![CDATA[1000002]]></AgentID></xml>"
        return ("/webhooks/wecom?msg_signature=\(signature)&timestamp=\(timestamp)&nonce=\(nonce)", body)
    }

    /// Checks the reply's signature and decrypts it as WeCom would.
    func open(_ replyXML: String) throws -> Reply {
        let encrypted = try #require(Self.element("Encrypt", in: replyXML), "the reply has no <Encrypt>")
        let signature = try #require(Self.element("MsgSignature", in: replyXML))
        let timestamp = try #require(Self.element("TimeStamp", in: replyXML))
        let nonce = try #require(Self.element("Nonce", in: replyXML))
        #expect(
            WeComCrypto.signature(token: token, timestamp: timestamp, nonce: nonce, encrypted: encrypted) == signature,
            "the reply's MsgSignature does not verify")
        let plaintext = try WeComCrypto(encodingAESKey: aesKey).decrypt(encrypted)
        #expect(plaintext.receiveID == corpID, "the reply is not addressed to our CorpID")
        let xml = String(decoding: plaintext.message, as: UTF8.self)
        return Reply(
            xml: xml, content: Self.element("Content", in: xml) ?? "", toUser: Self.element("ToUserName", in: xml) ?? ""
        )
    }

    /// The text of `<name>` (CDATA unwrapped), or `nil`.
    static func element(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)>"),
            let close = xml.range(of: "</\(name)>", range: open.upperBound..<xml.endIndex)
        else { return nil }
        var value = String(xml[open.upperBound..<close.lowerBound])
        if value.hasPrefix("<![CDATA["), value.hasSuffix("]]>") {
            value = String(value.dropFirst(9).dropLast(3))
        }
        return value
    }
}

/// Builds DingTalk outgoing-robot callbacks.
struct DingTalkPeer {
    var secret = Secrets.dingTalkAppSecret

    /// Signed headers for `timestampMs` (now unless given).
    func headers(timestampMs: Int64 = Int64(Date().timeIntervalSince1970 * 1000), sign: String? = nil) -> HTTPFields {
        let timestamp = String(timestampMs)
        var headers = HTTPFields()
        headers[HTTPField.Name("timestamp")!] = timestamp
        headers[HTTPField.Name("sign")!] =
            sign ?? DingTalkVerifier(appSecret: secret).expectedSign(timestamp: timestamp)
        return headers
    }

    /// A group text message body as DingTalk posts it.
    static func body(
        text: String, msgID: String, conversation: String = "cidServerTests0001==", sender: String = "zhangsan"
    )
        -> String
    {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let object: [String: Any] = [
            "conversationId": conversation, "chatbotCorpId": "ding1234567890abcdef",
            "chatbotUserId": "$:LWCP_v1:$PolicyBot", "msgId": msgID, "senderNick": "张三", "isAdmin": false,
            "senderStaffId": sender, "sessionWebhookExpiredTime": now + 5_400_000, "createAt": now,
            "senderCorpId": "ding1234567890abcdef", "conversationType": "2", "senderId": "$:LWCP_v1:$\(sender)",
            "conversationTitle": "政策咨询群", "isInAtList": true,
            "sessionWebhook": "http://127.0.0.1:9/robot/sendBySession?session=x", "robotCode": "dingPolicyBot",
            "text": ["content": " \(text)"], "msgtype": "text",
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}

/// Builds Feishu event callbacks: encrypted with the Encrypt Key and signed over the raw body.
struct FeishuPeer {
    var encryptKey = Secrets.feishuEncryptKey
    var verificationToken = Secrets.feishuVerificationToken

    /// The plaintext JSON of an `im.message.receive_v1` event.
    func messageEvent(
        text: String, eventID: String, messageID: String, openID: String = "ou_servertests0001", token: String? = nil
    )
        -> String
    {
        let nowMs = String(Int64(Date().timeIntervalSince1970 * 1000))
        let content = String(
            decoding: try! JSONSerialization.data(withJSONObject: ["text": "@_user_1 \(text)"]), as: UTF8.self)
        let object: [String: Any] = [
            "schema": "2.0",
            "header": [
                "event_id": eventID, "event_type": "im.message.receive_v1", "create_time": nowMs,
                "token": token ?? verificationToken, "app_id": Secrets.feishuAppID, "tenant_key": "2ca1d211f64f6438",
            ],
            "event": [
                "sender": [
                    "sender_id": ["union_id": "on_servertests", "user_id": "zhangsan", "open_id": openID],
                    "sender_type": "user", "tenant_key": "2ca1d211f64f6438",
                ],
                "message": [
                    "message_id": messageID, "root_id": "", "parent_id": "", "create_time": nowMs, "update_time": nowMs,
                    "chat_id": "oc_servertests0001", "chat_type": "group", "message_type": "text", "content": content,
                    "mentions": [
                        [
                            "key": "@_user_1", "id": ["union_id": "on_bot", "user_id": "", "open_id": "ou_bot"],
                            "name": "政策小助手", "tenant_key": "2ca1d211f64f6438",
                        ]
                    ],
                ],
            ],
        ]
        return String(
            decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// `{"encrypt": …}` for `plaintext`, with a random IV as Feishu does.
    func envelope(_ plaintext: String) throws -> String {
        let iv = (0..<16).map { _ in UInt8.random(in: .min ... .max) }
        let encrypted = try FeishuCrypto.encrypt(Array(plaintext.utf8), encryptKey: encryptKey, iv: iv)
        return "{\"encrypt\":\"\(encrypted)\"}"
    }

    /// The signature headers over `body` with a fresh timestamp (or the one given).
    func headers(for body: String, timestamp: Int64 = Int64(Date().timeIntervalSince1970), signature: String? = nil)
        -> HTTPFields
    {
        let nonce = String(UInt32.random(in: 1...UInt32.max))
        var headers = HTTPFields()
        headers[HTTPField.Name("X-Lark-Request-Timestamp")!] = String(timestamp)
        headers[HTTPField.Name("X-Lark-Request-Nonce")!] = nonce
        headers[HTTPField.Name("X-Lark-Signature")!] =
            signature
            ?? FeishuCrypto.signature(
                timestamp: String(timestamp), nonce: nonce, encryptKey: encryptKey, body: Data(body.utf8))
        return headers
    }
}

/// Headers of a vector's `input.headers`.
func httpFields(_ headers: [String: Any]?) -> HTTPFields {
    var fields = HTTPFields()
    for (name, value) in headers ?? [:] {
        if let name = HTTPField.Name(name), let value = value as? String { fields[name] = value }
    }
    return fields
}
