import Foundation
import Testing

@testable import Channels

/// Every vector of `feishu.json`, plus cases the vectors do not cover.
struct FeishuTests {
    static let file = Fixtures.feishu
    static let config = file["config"]
    static let token = config["verification_token"].string ?? ""
    static let encryptKey = config["encrypt_key"].string ?? ""
    static let encrypted = FeishuEventDecoder(verificationToken: token, encryptKey: encryptKey)
    static let plain = FeishuEventDecoder(verificationToken: token)
    static let messageVector = Fixtures.vector("feishu.event.im_message_receive_v1.encrypted.ok", in: file)

    @Test func vectorFileIsComplete() {
        #expect(Fixtures.ids(Self.file).count == 16)
        #expect(Self.file["vectors"].array.filter { $0["kind"].string == "negative" }.count == 9)
    }

    @Test(arguments: Fixtures.ids(Fixtures.feishu))
    func vector(_ id: String) throws {
        let vector = Fixtures.vector(id, in: Self.file)
        if vector["kind"].string == "negative" {
            try checkNegative(vector)
            return
        }
        switch id {
        case "feishu.official_doc.decrypt_known_answer": try checkKnownAnswer(vector)
        case "feishu.url_verification.plain.ok":
            try checkURLVerification(vector, decoders: [Self.plain, Self.encrypted])
        case "feishu.url_verification.encrypted.ok": try checkURLVerification(vector, decoders: [Self.encrypted])
        case "feishu.event.im_message_receive_v1.encrypted.ok": try checkEncryptedMessage(vector)
        case "feishu.event.im_message_receive_v1.plain.ok": try checkPlainMessage(vector)
        case "feishu.api.reply_and_token_requests": try checkReplyRequest(vector)
        case "feishu.custom_bot.sign": try checkCustomBot(vector)
        default: Issue.record("no check for positive vector \(id)")
        }
    }

    private func checkKnownAnswer(_ vector: JSON) throws {
        let input = vector["input"], expected = vector["expected"]
        let key = input["encrypt_key"].string ?? ""
        #expect(TestSupport.hex(FeishuCrypto.aesKey(encryptKey: key)) == expected["aes_key_hex"].string)
        let plaintext = try FeishuCrypto.decrypt(input["encrypt"].string ?? "", encryptKey: key)
        #expect(String(decoding: plaintext, as: UTF8.self) == expected["plaintext"].string)
    }

    private func checkURLVerification(_ vector: JSON, decoders: [FeishuEventDecoder]) throws {
        let input = vector["input"], expected = vector["expected"]
        let body = Data((input["body"].string ?? "").utf8)
        let headers = Self.lowercased(input["headers"])
        if let decrypted = expected["decrypted"].string {
            let envelope = try JSON.parse(input["body"].string ?? "")
            let encrypted = try #require(envelope["encrypt"].string)
            let plaintext = try FeishuCrypto.decrypt(encrypted, encryptKey: Self.encryptKey)
            #expect(String(decoding: plaintext, as: UTF8.self) == decrypted)
            #expect(TestSupport.hex((LenientBase64.decode(encrypted) ?? []).prefix(16)) == expected["iv_hex"].string)
        }
        for decoder in decoders {
            let event = try decoder.decode(headers: headers, body: body, nowSeconds: 1_732_500_000)
            #expect(event == .urlVerification(challenge: "ajls384kdjx98XXPolicy"))
            #expect(try JSON.parse(event.responseBody) == expected["response_json"])
        }
        #expect(expected["http_status"].int == 200)
    }

    private func checkEncryptedMessage(_ vector: JSON) throws {
        let input = vector["input"], expected = vector["expected"]
        let headers = Self.lowercased(input["headers"])
        let body = Data((input["body"].string ?? "").utf8)
        let timestamp = headers["x-lark-request-timestamp"] ?? "", nonce = headers["x-lark-request-nonce"] ?? ""
        #expect(timestamp + nonce + Self.encryptKey == expected["signature_input_prefix"].string)
        #expect(
            FeishuCrypto.signature(timestamp: timestamp, nonce: nonce, encryptKey: Self.encryptKey, body: body)
                == expected["signature"].string)

        let encrypted = try #require(try JSON.parse(input["body"].string ?? "")["encrypt"].string)
        #expect(TestSupport.hex((LenientBase64.decode(encrypted) ?? []).prefix(16)) == expected["iv_hex"].string)
        let plaintext = try FeishuCrypto.decrypt(encrypted, encryptKey: Self.encryptKey)
        #expect(String(decoding: plaintext, as: UTF8.self) == expected["decrypted"].string)

        let event = try Self.encrypted.decode(headers: headers, body: body, nowSeconds: 1_732_500_000)
        try checkParsedMessage(event, expected: expected)
        // The same request without a clock (window check off) must decode identically.
        #expect(try Self.encrypted.decode(headers: headers, body: body, nowSeconds: nil) == event)
    }

    private func checkPlainMessage(_ vector: JSON) throws {
        let input = vector["input"], expected = vector["expected"]
        let body = Data((input["body"].string ?? "").utf8)
        #expect(expected["token_must_equal"].string == Self.token)
        let event = try Self.plain.decode(headers: Self.lowercased(input["headers"]), body: body, nowSeconds: nil)
        try checkParsedMessage(event, expected: Self.messageVector["expected"])
        guard case .message(let message) = event else { return }
        #expect(message.eventID == expected["dedupe_key"].string)
        #expect(expected["http_status"].int == 200)
    }

    private func checkParsedMessage(_ event: FeishuEvent, expected: JSON) throws {
        guard case .message(let message) = event else {
            Issue.record("expected a message, got \(event)")
            return
        }
        let parsed = expected["parsed"]
        #expect(message.platform == .feishu)
        #expect(message.eventID == parsed["event_id"].string)
        #expect(message.eventID == expected["dedupe_key"].string)
        #expect(message.messageID == parsed["message_id"].string)
        #expect(message.chatID == parsed["chat_id"].string)
        #expect(message.isGroup == (parsed["chat_type"].string == "group"))
        #expect(message.messageType == parsed["message_type"].string)
        #expect(message.text == parsed["question_without_mention"].string)
        #expect(message.userID == parsed["sender_open_id"].string)
        #expect(message.mentionedBot)
        #expect(message.createTime == 1_732_499_999)
        #expect(try JSON.parse(event.responseBody) == expected["response_json_sdk"])
    }

    private func checkReplyRequest(_ vector: JSON) throws {
        let expected = vector["expected"]["reply_request"]
        let eventID = try #require(Self.messageVector["expected"]["parsed"]["event_id"].string)
        let answer = try JSON.parse(expected["body"]["content"].string ?? "")["text"].string ?? ""
        let reply = FeishuReply(text: answer, uuid: FeishuReply.uuid(forEventID: eventID))
        #expect(try JSON.parse(reply.json) == expected["body"])
        #expect(reply.body == Data(reply.json.utf8))
    }

    private func checkCustomBot(_ vector: JSON) throws {
        let input = vector["input"], expected = vector["expected"]
        let signer = FeishuRobotSigner(secret: input["secret"].string ?? "")
        let timestamp = input["timestamp"].string ?? ""
        #expect(signer.keyString(timestamp: timestamp) == expected["hmac_key_string"].string)
        #expect(expected["hmac_message"].string == "")
        #expect(signer.sign(timestamp: timestamp) == expected["sign"].string)
        let text = expected["request"]["body"]["content"]["text"].string ?? ""
        #expect(try JSON.parse(signer.textMessageBody(text: text, timestamp: timestamp)) == expected["request"]["body"])
    }

    private func checkNegative(_ vector: JSON) throws {
        let id = vector["id"].string ?? ""
        let input = vector["input"], expected = vector["expected"]
        if id == "feishu.custom_bot.neg.dingtalk_style_sign" {
            // The DingTalk construction (secret as key) over the same values gives the wrong sign.
            let secret = input["secret"].string ?? "", timestamp = input["timestamp"].string ?? ""
            let wrong = try #require(expected["wrong_sign"].string)
            #expect(DingTalkRobotSigner(secret: secret).sign(timestampMs: Int64(timestamp) ?? 0) == wrong)
            #expect(FeishuRobotSigner(secret: secret).sign(timestamp: timestamp) != wrong)
            #expect(expected["differs_from_correct"] == .bool(true))
            return
        }
        #expect(expected["reject"] == .bool(true))
        let decoder =
            id == "feishu.event.neg.wrong_encrypt_key"
            ? FeishuEventDecoder(verificationToken: Self.token, encryptKey: "AnotherEncryptKey2024") : Self.encrypted
        let headers = Self.lowercased(input["headers"])
        let body = Data((input["body"].string ?? "").utf8)
        let now = input["now_s"].int ?? 1_732_500_000
        let thrown = try #require(
            thrownError { () throws(ChannelError) in
                try decoder.decode(headers: headers, body: body, nowSeconds: now)
            },
            "vector \(id) was accepted")
        #expect(Int64(thrown.httpStatus) == expected["http_status"].int, "\(id): \(thrown)")
        let expectedError: ChannelError? =
            switch id {
            case "feishu.event.neg.bad_signature", "feishu.event.neg.body_reserialized",
                "feishu.event.neg.wrong_encrypt_key":
                .badSignature(.feishu)
            case "feishu.event.neg.wrong_verification_token": .badVerificationToken
            case "feishu.event.neg.bad_padding": .badPadding
            case "feishu.event.neg.truncated_base64": .badCiphertextLength(1071)
            case "feishu.event.neg.invalid_base64": .badBase64
            case "feishu.event.neg.stale_timestamp": .staleTimestamp(.feishu)
            default: nil
            }
        #expect(expectedError != nil, "no expected error for negative vector \(id)")
        #expect(thrown == expectedError)
    }

    /// The vectors spell headers as they are sent; the decoder is handed lower-cased names.
    static func lowercased(_ headers: JSON) -> [String: String] {
        Dictionary(
            headers.object.compactMapValues(\.string).map { ($0.key.lowercased(), $0.value) },
            uniquingKeysWith: { first, _ in first })
    }

    // MARK: Cases of our own

    /// A plaintext v2 event body around `message`, signed for the encrypted decoder.
    static func eventBody(eventType: String = "im.message.receive_v1", message: String) -> String {
        """
        {"schema":"2.0","header":{"event_id":"ev1","event_type":"\(eventType)","create_time":"1732500000000",\
        "token":"\(token)"},"event":{"sender":{"sender_id":{"open_id":"ou_user"}},"message":\(message)}}
        """
    }

    static func signedHeaders(for body: String, timestamp: String = "1732500000") -> [String: String] {
        [
            "x-lark-request-timestamp": timestamp, "x-lark-request-nonce": "n1",
            "x-lark-signature": FeishuCrypto.signature(
                timestamp: timestamp, nonce: "n1", encryptKey: encryptKey, body: Data(body.utf8)),
        ]
    }

    @Test(arguments: ["", "not json", "[1]", "{\"encrypt\":5}", "{\"schema\":\"1.0\",\"token\":\"x\"}"])
    func malformedBodiesAreRefused(body: String) {
        let error = thrownError { () throws(ChannelError) in
            try Self.plain.decode(headers: [:], body: Data(body.utf8), nowSeconds: nil)
        }
        guard case .malformed = error else {
            Issue.record("expected .malformed, got \(String(describing: error))")
            return
        }
        #expect(error?.httpStatus == 400)
    }

    @Test func unsignedEventIsRefusedWhenAnEncryptKeyIsConfigured() throws {
        let body = Fixtures.vector("feishu.event.im_message_receive_v1.plain.ok", in: Self.file)["input"]["body"]
        let error = thrownError { () throws(ChannelError) in
            try Self.encrypted.decode(headers: [:], body: Data((body.string ?? "").utf8), nowSeconds: nil)
        }
        #expect(error == .missingSignature(.feishu))
        #expect(error?.httpStatus == 401)
    }

    @Test func urlVerificationWithWrongTokenIsRefused() {
        let body = Data("{\"challenge\":\"c\",\"token\":\"wrong\",\"type\":\"url_verification\"}".utf8)
        let error = thrownError { () throws(ChannelError) in
            try Self.plain.decode(headers: [:], body: body, nowSeconds: nil)
        }
        #expect(error == .badVerificationToken)
        #expect(error?.httpStatus == 401)
    }

    /// An encrypted p2p text message from `ou_user` whose text is `text` (JSON-escaped), mentioning
    /// the bot as `@_user_1`, 李四 as `@_user_2` and 王五 as `@_user_10`, decoded as the bot sees it.
    static func decodedP2PMessage(text: String) throws -> InboundMessage? {
        let content = #"{\"text\":\""# + text + #"\"}"#
        let message = """
            {"message_id":"om_2","chat_id":"oc_p2p","chat_type":"p2p","message_type":"text","content":"\(content)",\
            "create_time":"1732500001000","mentions":[{"key":"@_user_1","id":{"open_id":"ou_bot"},"name":"政策小助手"},\
            {"key":"@_user_2","id":{"open_id":"ou_li"},"name":"李四"},{"key":"@_user_10","id":{"open_id":"ou_w"},"name":"王五"}]}
            """
        let inner = Self.eventBody(message: message)
        let encrypted = try FeishuCrypto.encrypt(
            Array(inner.utf8), encryptKey: Self.encryptKey, iv: Array(repeating: 7, count: 16))
        let body = "{\"encrypt\":\"\(encrypted)\"}"
        let decoder = FeishuEventDecoder(
            verificationToken: Self.token, encryptKey: Self.encryptKey, botOpenID: "ou_bot")
        let event = try decoder.decode(
            headers: Self.signedHeaders(for: body), body: Data(body.utf8), nowSeconds: 1_732_500_100)
        guard case .message(let decoded) = event else {
            Issue.record("expected a message, got \(event)")
            return nil
        }
        return decoded
    }

    @Test func encryptedP2PMessageWithOtherMentionDecodes() throws {
        guard let decoded = try Self.decodedP2PMessage(text: "@_user_1 问问 @_user_2 和 @_user_10") else { return }
        #expect(decoded.text == "问问 @李四 和 @王五")
        #expect(!decoded.isGroup)
        #expect(decoded.chatID == "ou_user")
        #expect(decoded.userID == "ou_user")
        #expect(decoded.mentionedBot)
        #expect(decoded.eventID == "ev1")
        #expect(decoded.createTime == 1_732_500_001)
    }

    /// `@_user_2` then U+0301 is one Character to a search by Character, which would leave it in place.
    @Test func aPlaceholderFollowedByACombiningMarkIsStillReplaced() throws {
        let text = #"@_user_1\u0301问问 @_user_2\u0301 和 @_user_10"#
        guard let decoded = try Self.decodedP2PMessage(text: text) else { return }
        #expect(decoded.text == "\u{301}问问 @李四\u{301} 和 @王五")
        #expect(!decoded.isGroup)
        #expect(decoded.chatID == "ou_user")
        #expect(decoded.userID == "ou_user")
        #expect(decoded.mentionedBot)
        #expect(decoded.eventID == "ev1")
        #expect(decoded.createTime == 1_732_500_001)
    }

    @Test func nonTextMessagesAndOtherEventsAreReported() throws {
        let image = Self.eventBody(
            message:
                #"{"message_id":"om_3","chat_id":"oc_g","chat_type":"group","message_type":"image","content":"{\"image_key\":\"k\"}"}"#
        )
        let event = try Self.encrypted.decode(
            headers: Self.signedHeaders(for: image), body: Data(image.utf8), nowSeconds: 1_732_500_000)
        guard case .message(let message) = event else {
            Issue.record("expected a message, got \(event)")
            return
        }
        #expect(message.messageType == "image")
        #expect(message.text == nil)
        #expect(message.createTime == 1_732_500_000)
        #expect(!message.mentionedBot)

        let other = Self.eventBody(eventType: "im.chat.member.bot.added_v1", message: "{}")
        #expect(
            try Self.encrypted.decode(headers: Self.signedHeaders(for: other), body: Data(other.utf8), nowSeconds: nil)
                == .other(eventType: "im.chat.member.bot.added_v1", eventID: "ev1"))
    }

    @Test func mixedCaseHeaderNamesAreAccepted() throws {
        let input = Self.messageVector["input"]
        let headers = input["headers"].object.compactMapValues(\.string)
        let event = try Self.encrypted.decode(
            headers: headers, body: Data((input["body"].string ?? "").utf8), nowSeconds: 1_732_500_000)
        guard case .message = event else {
            Issue.record("expected a message, got \(event)")
            return
        }
    }

    @Test func timestampWindowIsConfigurable() throws {
        let body = Self.eventBody(
            message: #"{"message_id":"om_4","chat_id":"oc","chat_type":"group","message_type":"file"}"#)
        let headers = Self.signedHeaders(for: body, timestamp: "1732500000")
        let strict = FeishuEventDecoder(
            verificationToken: Self.token, encryptKey: Self.encryptKey, maxClockSkewSeconds: 60)
        let late = thrownError { () throws(ChannelError) in
            try strict.decode(headers: headers, body: Data(body.utf8), nowSeconds: 1_732_500_061)
        }
        #expect(late == .staleTimestamp(.feishu))
        _ = try strict.decode(headers: headers, body: Data(body.utf8), nowSeconds: 1_732_500_060)
    }

    @Test func replyBodyEscapesTheNestedJSON() throws {
        let reply = FeishuReply(text: "第一行\n\"引用\"")
        #expect(
            reply.json == #"{"msg_type":"text","content":"{\"text\":\"第一行\\n\\\"引用\\\"\"}","reply_in_thread":false}"#)
        let content = try JSON.parse(try JSON.parse(reply.json)["content"].string ?? "")
        #expect(content["text"].string == "第一行\n\"引用\"")
    }

    @Test func secretsStayOutOfDescriptions() {
        var dumped = ""
        dump(Self.encrypted, to: &dumped)
        for text in ["\(Self.encrypted)", String(reflecting: Self.encrypted), dumped] {
            #expect(!text.contains(Self.token))
            #expect(!text.contains(Self.encryptKey))
        }
    }
}
