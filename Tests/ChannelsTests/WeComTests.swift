import Foundation
import Testing

@testable import Channels

/// Runs `body` and returns the error it threw, or `nil` when it succeeded.
func thrownError<T>(_ body: () throws(ChannelError) -> T) -> ChannelError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

/// Every vector of `wecom.json`, plus cases the vectors do not cover.
struct WeComTests {
    static let file = Fixtures.wecom
    static let config = file["config"]
    static let token = config["token"].string ?? ""
    static let aesKey = config["encoding_aes_key"].string ?? ""
    static let corpID = config["corp_id"].string ?? ""

    static func callback(receiveID: String = corpID) throws(ChannelError) -> WeComCallback {
        try WeComCallback(token: token, encodingAESKey: aesKey, receiveID: receiveID)
    }

    static func crypto() throws(ChannelError) -> WeComCrypto {
        try WeComCrypto(encodingAESKey: aesKey)
    }

    @Test func vectorFileIsComplete() {
        #expect(Fixtures.ids(Self.file).count == 16)
        #expect(Self.file["vectors"].array.filter { $0["kind"].string == "negative" }.count == 8)
    }

    @Test(arguments: Fixtures.ids(Fixtures.wecom))
    func vector(_ id: String) throws {
        let vector = Fixtures.vector(id, in: Self.file)
        if vector["kind"].string == "negative" {
            try checkNegative(vector)
            return
        }
        switch id {
        case "wecom.xml.url_verification.ok": try checkURLVerification(vector, receiveID: Self.corpID)
        case "wecom.aibot.url_verification.ok": try checkURLVerification(vector, receiveID: "")
        case "wecom.xml.inbound_text.ok": try checkInboundText(vector)
        case "wecom.xml.passive_reply.ok": try checkPassiveReply(vector)
        case "wecom.xml.ack_empty.ok": try checkAcknowledgement(vector)
        case "wecom.official_sample.known_answer": try checkOfficialSample(vector)
        case "wecom.aibot.inbound_text.ok": try checkBotInbound(vector)
        case "wecom.aibot.passive_reply_stream.ok": try checkStreamReply(vector)
        default: Issue.record("no check for positive vector \(id)")
        }
    }

    // MARK: Positive vectors

    private func checkURLVerification(_ vector: JSON, receiveID: String) throws {
        let input = vector["input"], expected = vector["expected"]
        let query = try WeComQueryString.parse(input["query_string"].string ?? "")
        if case .object(let decoded) = input["params_decoded"] {
            #expect(query == decoded.compactMapValues(\.string))
        }
        let echo = try #require(query["echostr"])
        if let concat = expected["signature_string_sorted_concat"].string {
            let input = WeComCrypto.signatureInput(
                token: Self.token, timestamp: query["timestamp"] ?? "", nonce: query["nonce"] ?? "", encrypted: echo)
            #expect(input == concat)
        }
        #expect(
            WeComCrypto.signature(
                token: Self.token, timestamp: query["timestamp"] ?? "", nonce: query["nonce"] ?? "", encrypted: echo)
                == expected["msg_signature"].string)
        #expect(expected["http_status"].int == 200)
        let body = try Self.callback(receiveID: receiveID).verifyURL(query: query)
        #expect(body == expected["response_body"].string)
        try checkLayout(of: echo, against: expected["decrypted_layout"])
    }

    private func checkInboundText(_ vector: JSON) throws {
        let input = vector["input"], expected = vector["expected"]
        let query = try WeComQueryString.parse(input["query_string"].string ?? "")
        let body = Data((input["body"].string ?? "").utf8)
        let message = try Self.callback().decodeMessage(query: query, body: body)
        let parsed = expected["parsed"]
        #expect(message.platform == .wecom)
        #expect(message.messageID == parsed["MsgId"].string)
        #expect(message.messageID == expected["dedupe_key"].string)
        #expect(message.userID == parsed["FromUserName"].string)
        #expect(message.chatID == parsed["FromUserName"].string)
        #expect(message.messageType == parsed["MsgType"].string)
        #expect(message.text == parsed["Content"].string)
        #expect(message.createTime == parsed["CreateTime"].int)
        #expect(!message.isGroup)

        let encrypted = try #require(expected["encrypt"].string)
        #expect(
            WeComCrypto.signature(
                token: Self.token, timestamp: query["timestamp"] ?? "", nonce: query["nonce"] ?? "",
                encrypted: encrypted) == expected["msg_signature"].string)
        let plaintext = try Self.crypto().decrypt(encrypted)
        #expect(String(decoding: plaintext.message, as: UTF8.self) == expected["decrypted_xml"].string)
        try checkLayout(of: encrypted, against: expected["decrypted_layout"])
    }

    private func checkPassiveReply(_ vector: JSON) throws {
        let input = vector["input"], expected = vector["expected"]
        let plainXML = try #require(input["reply_plaintext_xml"].string)
        let text = try #require(Self.between(plainXML, "<Content><![CDATA[", "]]></Content>"))
        let random = Array((input["random16_ascii"].string ?? "").utf8)
        let timestamp = input["timestamp"].string ?? "", nonce = input["nonce"].string ?? ""
        let asker = InboundMessage(
            platform: .wecom, messageID: "7441234567890123456", chatID: "zhangsan", userID: "zhangsan",
            messageType: "text", text: "新认定的高新技术企业能拿多少钱", isGroup: false, mentionedBot: false,
            createTime: 1_732_500_001)
        let callback = try Self.callback()

        #expect(try callback.replyPlaintext(to: asker, text: text, timestamp: timestamp) == plainXML)
        let reply = try callback.encodeReply(
            to: asker, text: text, timestamp: timestamp, nonce: nonce, random16: random)
        #expect(reply == expected["response_body"].string)
        #expect(expected["http_status"].int == 200)
        let encrypted = try #require(expected["encrypt"].string)
        #expect(
            WeComCrypto.signature(token: Self.token, timestamp: timestamp, nonce: nonce, encrypted: encrypted)
                == expected["msg_signature"].string)
        try checkLayout(of: encrypted, against: expected["decrypted_layout"])
    }

    private func checkAcknowledgement(_ vector: JSON) throws {
        // The note says "any valid inbound message": acknowledging needs one that decodes.
        let inbound = Fixtures.vector("wecom.xml.inbound_text.ok", in: Self.file)["input"]
        let query = try WeComQueryString.parse(inbound["query_string"].string ?? "")
        let message = try Self.callback().decodeMessage(
            query: query, body: Data((inbound["body"].string ?? "").utf8))
        #expect(!message.messageID.isEmpty)
        #expect(WeComCallback.acknowledgementBody == vector["expected"]["response_body"].string)
        #expect(vector["expected"]["http_status"].int == 200)
    }

    private func checkOfficialSample(_ vector: JSON) throws {
        let input = vector["input"], expected = vector["expected"]
        let key = try #require(input["encoding_aes_key"].string)
        // The key's last character carries set low bits that a decoder must ignore: it has to
        // decode exactly like the canonical spelling with those bits cleared ("t" -> "s").
        #expect(expected["key_last_char_low_bits"].int == 1)
        #expect(key.hasSuffix("t"))
        let canonical = String(key.dropLast()) + "s="
        #expect(LenientBase64.decode(key + "=") == LenientBase64.decode(canonical))
        #expect(LenientBase64.decode(canonical).map { Data($0) } == Data(base64Encoded: canonical))
        #expect(TestSupport.hex(try WeComCrypto(encodingAESKey: key).keyBytes) == expected["aes_key_hex"].string)

        let callback = try WeComCallback(
            token: input["token"].string ?? "", encodingAESKey: key, receiveID: input["corp_id"].string ?? "")
        let check = input["url_verification"]
        let echo = try callback.verifyURL(query: check.object.compactMapValues(\.string))
        #expect(echo == expected["echostr_plaintext"].string)

        let inbound = input["inbound"]
        var query = inbound.object.compactMapValues(\.string)
        query["body"] = nil
        let message = try callback.decodeMessage(query: query, body: Data((inbound["body"].string ?? "").utf8))
        #expect(message.userID == "ChenJiaShun")
        #expect(message.text == "你好")
        #expect(message.messageID == "1456453720")
        #expect(message.createTime == 1_476_422_779)

        let encrypted = try #require(Self.between(inbound["body"].string ?? "", "<Encrypt><![CDATA[", "]]></Encrypt>"))
        let plaintext = try WeComCrypto(encodingAESKey: key).decrypt(encrypted)
        #expect(String(decoding: plaintext.message, as: UTF8.self) == expected["decrypted_xml"].string)
    }

    private func checkBotInbound(_ vector: JSON) throws {
        let input = vector["input"], expected = vector["expected"]
        let query = try WeComQueryString.parse(input["query_string"].string ?? "")
        let message = try Self.callback(receiveID: "").decodeMessage(
            query: query, body: Data((input["body"].string ?? "").utf8))
        let decrypted = try JSON.parse(expected["decrypted_json"].string ?? "")
        #expect(message.messageID == expected["dedupe_key"].string)
        #expect(message.chatID == decrypted["chatid"].string)
        #expect(message.userID == decrypted["from"]["userid"].string)
        #expect(message.isGroup)
        #expect(message.mentionedBot)
        #expect(message.messageType == "text")
        #expect(message.text == "新认定的高新技术企业能拿多少钱")
        #expect(message.createTime == 1_732_500_101)

        let encrypted = try #require(try JSON.parse(input["body"].string ?? "")["encrypt"].string)
        #expect(
            WeComCrypto.signature(
                token: Self.token, timestamp: query["timestamp"] ?? "", nonce: query["nonce"] ?? "",
                encrypted: encrypted) == expected["msg_signature"].string)
        let plaintext = try Self.crypto().decrypt(encrypted)
        #expect(String(decoding: plaintext.message, as: UTF8.self) == expected["decrypted_json"].string)
        try checkLayout(of: encrypted, against: expected["decrypted_layout"])
    }

    private func checkStreamReply(_ vector: JSON) throws {
        let input = vector["input"], expected = vector["expected"]
        let plaintext = try JSON.parse(input["reply_plaintext_json"].string ?? "")
        let stream = plaintext["stream"]
        let reply = try Self.callback(receiveID: "").encodeStreamReply(
            streamID: stream["id"].string ?? "", content: stream["content"].string ?? "",
            finish: stream["finish"] == .bool(true), timestamp: input["timestamp"].string ?? "",
            nonce: input["nonce"].string ?? "", random16: Array((input["random16_ascii"].string ?? "").utf8))
        #expect(reply == expected["response_body"].string)
        let envelope = try JSON.parse(reply)
        #expect(envelope["msgsignature"].string == expected["msgsignature"].string)
        let encrypted = try #require(envelope["encrypt"].string)
        #expect(
            String(decoding: try Self.crypto().decrypt(encrypted).message, as: UTF8.self)
                == input["reply_plaintext_json"].string)
        try checkLayout(of: encrypted, against: expected["decrypted_layout"])
    }

    /// Decrypts `encrypted` and compares every layout field, then rebuilds the padded
    /// plaintext and the ciphertext from those fields and compares them byte for byte.
    private func checkLayout(of encrypted: String, against layout: JSON) throws {
        let crypto = try Self.crypto()
        let plaintext = try crypto.decrypt(encrypted)
        #expect(TestSupport.hex(plaintext.random) == layout["random16_hex"].string)
        #expect(Int64(plaintext.messageLength) == layout["msg_len"].int)
        #expect(String(format: "%08x", plaintext.messageLength) == layout["msg_len_be32_hex"].string)
        #expect(plaintext.receiveID == layout["receive_id"].string)
        #expect(Int64(plaintext.unpaddedLength) == layout["unpadded_len"].int)
        #expect(Int64(plaintext.padByte) == layout["pad_byte"].int)
        #expect(Int64(plaintext.paddedLength) == layout["padded_len"].int)
        let rebuilt = try WeComCrypto.paddedPlaintext(
            plaintext.message, receiveID: plaintext.receiveID, random16: plaintext.random)
        #expect(TestSupport.hex(rebuilt) == layout["padded_plaintext_hex"].string)
        #expect(
            try crypto.encrypt(plaintext.message, receiveID: plaintext.receiveID, random16: plaintext.random)
                == encrypted)
    }

    // MARK: Negative vectors

    private func checkNegative(_ vector: JSON) throws {
        let id = vector["id"].string ?? ""
        let input = vector["input"], expected = vector["expected"]
        #expect(expected["reject"] == .bool(true))
        let query = try WeComQueryString.parse(input["query_string"].string ?? "")
        let callback = try Self.callback()
        let error: ChannelError?
        if input["method"].string == "GET" {
            error = thrownError { () throws(ChannelError) in try callback.verifyURL(query: query) }
        } else {
            let body = Data((input["body"].string ?? "").utf8)
            error = thrownError { () throws(ChannelError) in try callback.decodeMessage(query: query, body: body) }
        }
        let thrown = try #require(error, "vector \(id) was accepted")
        #expect(Int64(thrown.httpStatus) == expected["http_status"].int, "\(id): \(thrown)")
        let matches: Bool
        switch id {
        case "wecom.xml.neg.bad_signature", "wecom.xml.neg.url_verification_bad_signature":
            matches = thrown == .badSignature(.wecom)
        case "wecom.xml.neg.wrong_receive_id": matches = thrown == .wrongReceiver
        case "wecom.xml.neg.bad_padding_pad_zero", "wecom.xml.neg.bad_padding_pad_33": matches = thrown == .badPadding
        case "wecom.xml.neg.msg_len_overflow":
            if case .badLayout = thrown { matches = true } else { matches = false }
        case "wecom.xml.neg.truncated_ciphertext": matches = thrown == .badCiphertextLength(381)
        case "wecom.xml.neg.invalid_base64": matches = thrown == .badBase64
        default:
            Issue.record("no expected error for negative vector \(id)")
            matches = false
        }
        #expect(matches, "\(id) threw \(thrown)")
    }

    // MARK: Cases of our own

    /// A signed query for `encrypted`, as WeCom would send it.
    static func signedQuery(_ encrypted: String, echo: Bool) -> [String: String] {
        var query = [
            "msg_signature": WeComCrypto.signature(
                token: token, timestamp: "1732500000", nonce: "42", encrypted: encrypted),
            "timestamp": "1732500000", "nonce": "42",
        ]
        if echo { query["echostr"] = encrypted }
        return query
    }

    /// A POST body carrying `plaintextXML` encrypted for `receiveID`, with its signed query.
    static func signedMessage(_ plaintextXML: String, receiveID: String = corpID) throws(ChannelError)
        -> ([String: String], Data)
    {
        let encrypted = try crypto().encrypt(
            Array(plaintextXML.utf8), receiveID: receiveID, random16: WeComCrypto.randomPrefix())
        let body =
            "<xml><ToUserName><![CDATA[\(corpID)]]></ToUserName><Encrypt><![CDATA[\(encrypted)]]></Encrypt></xml>"
        return (signedQuery(encrypted, echo: false), Data(body.utf8))
    }

    @Test(arguments: [
        ("abc", ChannelError.badBase64), ("QUJD", .badCiphertextLength(3)), ("", .badCiphertextLength(0)),
    ])
    func truncatedEchostrIsRefused(echo: String, expected: ChannelError) throws {
        let error = thrownError { () throws(ChannelError) in
            try Self.callback().verifyURL(query: Self.signedQuery(echo, echo: true))
        }
        #expect(error == expected)
        #expect(error?.httpStatus == 400)
    }

    @Test(arguments: ["", "   ", "not xml", "<xml><ToUserName>x</ToUserName></xml>", "{\"encrypt\":5}"])
    func bodyWithoutCiphertextIsMalformed(body: String) throws {
        let error = thrownError { () throws(ChannelError) in
            try Self.callback().decodeMessage(query: Self.signedQuery("x", echo: false), body: Data(body.utf8))
        }
        guard case .malformed = error else {
            Issue.record("expected .malformed, got \(String(describing: error))")
            return
        }
        #expect(error?.httpStatus == 400)
    }

    @Test func messageForAnotherCorpIsRefused() throws {
        let inbound = Fixtures.vector("wecom.xml.inbound_text.ok", in: Self.file)["input"]
        let query = try WeComQueryString.parse(inbound["query_string"].string ?? "")
        let body = Data((inbound["body"].string ?? "").utf8)
        let other = try Self.callback(receiveID: "wwffffffffffffffff")
        let error = thrownError { () throws(ChannelError) in try other.decodeMessage(query: query, body: body) }
        #expect(error == .wrongReceiver)
        #expect(error?.httpStatus == 403)

        // A 智能机器人 message (receive id "") must not be accepted by an app configured with a CorpID.
        let bot = Fixtures.vector("wecom.aibot.inbound_text.ok", in: Self.file)["input"]
        let botQuery = try WeComQueryString.parse(bot["query_string"].string ?? "")
        let botError = thrownError { () throws(ChannelError) in
            try Self.callback().decodeMessage(query: botQuery, body: Data((bot["body"].string ?? "").utf8))
        }
        #expect(botError == .wrongReceiver)
    }

    @Test func missingParametersAreReported() throws {
        let callback = try Self.callback()
        var query = Self.signedQuery("QUJD", echo: true)
        query["echostr"] = nil
        #expect(
            thrownError { () throws(ChannelError) in try callback.verifyURL(query: query) }
                == .missingParameter("echostr"))
        query["msg_signature"] = nil
        let error = thrownError { () throws(ChannelError) in try callback.decodeMessage(query: query, body: Data()) }
        #expect(error == .missingParameter("msg_signature"))
        #expect(error?.httpStatus == 400)
    }

    @Test(arguments: [("政", 1000, 2046), ("😀", 600, 2045), ("x", 2048, 2048), ("x", 2049, 2048), ("答", 12, 36)])
    func replyContentIsCutOnACharacterBoundary(unit: String, repeats: Int, expectedBytes: Int) throws {
        // A leading "a" shifts the 4-byte emoji so that the 2048-byte limit falls inside one.
        let text = (unit == "😀" ? "a" : "") + String(repeating: unit, count: repeats)
        let callback = try Self.callback()
        let asker = InboundMessage(
            platform: .wecom, messageID: "1", chatID: "lisi", userID: "lisi", messageType: "text", text: "?",
            isGroup: false, mentionedBot: false, createTime: 1)
        let reply = try callback.encodeReply(to: asker, text: text, timestamp: "1732500002", nonce: "n")
        let encrypted = try #require(Self.between(reply, "<Encrypt><![CDATA[", "]]></Encrypt>"))
        let fields = try WeComXMLFields.parse(try Self.crypto().decrypt(encrypted).message, what: "reply")
        let content = try #require(fields["Content"])
        #expect(content.utf8.count == expectedBytes)
        #expect(text.hasPrefix(content))
        #expect(fields["ToUserName"] == "lisi")
        #expect(fields["FromUserName"] == Self.corpID)
    }

    @Test func replyContentSurvivesCDATATerminatorAndControlCharacters() throws {
        let callback = try Self.callback()
        let asker = InboundMessage(
            platform: .wecom, messageID: "1", chatID: "lisi", userID: "lisi", messageType: "text", text: "?",
            isGroup: false, mentionedBot: false, createTime: 1)
        let reply = try callback.encodeReply(
            to: asker, text: "a]]>b<c>&\u{1}d\n", timestamp: "1732500002", nonce: "n")
        let encrypted = try #require(Self.between(reply, "<Encrypt><![CDATA[", "]]></Encrypt>"))
        let fields = try WeComXMLFields.parse(try Self.crypto().decrypt(encrypted).message, what: "reply")
        #expect(fields["Content"] == "a]]>b<c>&d\n")
        // Full-width punctuation (EF BC 8C) stays; the noncharacters U+FFFE and U+FFFF (EF BF BE/BF) go.
        let wide = try callback.encodeReply(
            to: asker, text: "高企，\u{FFFE}奖励\u{FFFF}：20万\u{FFFD}", timestamp: "1732500002", nonce: "n")
        let wideEncrypted = try #require(Self.between(wide, "<Encrypt><![CDATA[", "]]></Encrypt>"))
        let wideFields = try WeComXMLFields.parse(try Self.crypto().decrypt(wideEncrypted).message, what: "reply")
        #expect(wideFields["Content"] == "高企，奖励：20万\u{FFFD}")
        let badTimestamp = thrownError { () throws(ChannelError) in
            try callback.encodeReply(to: asker, text: "x", timestamp: "1<x/>", nonce: "n")
        }
        #expect(badTimestamp?.httpStatus == 500)
        let badRandom = thrownError { () throws(ChannelError) in
            try callback.encodeReply(to: asker, text: "x", timestamp: "1", nonce: "n", random16: [1, 2, 3])
        }
        #expect(badRandom == .invalidArgument("the random prefix must be 16 bytes, not 3"))
    }

    /// Found by the `wecom` fuzz target (FuzzTesting/FailCases/wecom/reply-to-user-id-with-control-character):
    /// a user id with a character XML 1.0 forbids made a reply that no XML reader accepts. It is
    /// refused instead; the text, which can be cleaned, still is.
    @Test func replyToAUserIDXMLCannotCarryIsRefused() throws {
        let callback = try Self.callback()
        for user in ["\u{10}", "li\u{0}si", "a\u{FFFE}"] {
            let asker = InboundMessage(
                platform: .wecom, messageID: "1", chatID: user, userID: user, messageType: "text", text: "?",
                isGroup: false, mentionedBot: false, createTime: 1)
            let error = thrownError { () throws(ChannelError) in
                try callback.encodeReply(to: asker, text: "答", timestamp: "1732500002", nonce: "n")
            }
            #expect(error == .invalidArgument("the user id holds a character XML cannot carry"))
        }
        let asker = InboundMessage(
            platform: .wecom, messageID: "1", chatID: "lisi", userID: "lisi", messageType: "text", text: "?",
            isGroup: false, mentionedBot: false, createTime: 1)
        let reply = try callback.encodeReply(to: asker, text: "答\u{10}", timestamp: "1732500002", nonce: "n")
        let encrypted = try #require(Self.between(reply, "<Encrypt><![CDATA[", "]]></Encrypt>"))
        let fields = try WeComXMLFields.parse(try Self.crypto().decrypt(encrypted).message, what: "reply")
        #expect(fields["Content"] == "答")
    }

    /// Found by the `wecom` fuzz target (FuzzTesting/FailCases/wecom/reply-cdata-end-before-combining-mark):
    /// a "]]>" whose ">" starts a grapheme with a combining mark was not split, so the CDATA section
    /// ended early and the reply (and the user id) did not parse.
    @Test func cdataTerminatorBeforeACombiningMarkIsSplit() throws {
        let callback = try Self.callback()
        for user in ["lisi", "a]]>\u{301}<x/>"] {
            let asker = InboundMessage(
                platform: .wecom, messageID: "1", chatID: user, userID: user, messageType: "text", text: "?",
                isGroup: false, mentionedBot: false, createTime: 1)
            let texts = ["答]]>\u{301}复", "]]>\u{20DD}]]>\u{301}]]]>", "x]]>\u{301}</Content><MsgType>event</MsgType>"]
            for text in texts {
                let reply = try callback.encodeReply(to: asker, text: text, timestamp: "1732500002", nonce: "n")
                let encrypted = try #require(Self.between(reply, "<Encrypt><![CDATA[", "]]></Encrypt>"))
                let fields = try WeComXMLFields.parse(try Self.crypto().decrypt(encrypted).message, what: "reply")
                #expect(fields["Content"] == text)
                #expect(fields["MsgType"] == "text")
                #expect(fields["ToUserName"] == user)
            }
        }
    }

    @Test func nonTextMessagesAndEventsDecodeWithoutText() throws {
        let image = """
            <xml><ToUserName>\(Self.corpID)</ToUserName><FromUserName>lisi</FromUserName><CreateTime>1732500003\
            </CreateTime><MsgType>image</MsgType><PicUrl>https://example.com/p.png</PicUrl><MsgId>99</MsgId></xml>
            """
        let (query, body) = try Self.signedMessage(image)
        let message = try Self.callback().decodeMessage(query: query, body: body)
        #expect(message.messageType == "image")
        #expect(message.text == nil)
        #expect(message.messageID == "99")

        let event = """
            <xml><ToUserName><![CDATA[\(Self.corpID)]]></ToUserName><FromUserName><![CDATA[lisi]]></FromUserName>\
            <CreateTime>1732500004</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[enter_agent]]>\
            </Event><AgentID>1000002</AgentID></xml>
            """
        let (eventQuery, eventBody) = try Self.signedMessage(event)
        let decoded = try Self.callback().decodeMessage(query: eventQuery, body: eventBody)
        #expect(decoded.messageType == "event")
        #expect(decoded.messageID == "lisi#1732500004")
        #expect(decoded.text == nil)
    }

    @Test func documentTypeDeclarationsAreRefused() throws {
        let body = Data(
            "<!DOCTYPE xml [<!ENTITY a \"aaaa\">]><xml><Encrypt>&a;</Encrypt></xml>".utf8)
        let error = thrownError { () throws(ChannelError) in
            try Self.callback().decodeMessage(query: Self.signedQuery("aaaa", echo: false), body: body)
        }
        #expect(error == .malformed("the WeCom callback body contains a DTD"))
    }

    @Test func queryStringKeepsPlusAndDecodesEscapes() throws {
        let query = try WeComQueryString.parse("a=1+2&b=%2B%2F%3D&c=&d")
        #expect(query == ["a": "1+2", "b": "+/=", "c": "", "d": ""])
        #expect(thrownError { () throws(ChannelError) in try WeComQueryString.parse("a=1&a=2") } != nil)
        #expect(thrownError { () throws(ChannelError) in try WeComQueryString.parse("a=%4") } != nil)
        #expect(thrownError { () throws(ChannelError) in try WeComQueryString.parse("a=%zz") } != nil)
    }

    @Test func invalidEncodingAESKeyIsAConfigurationError() {
        for key in ["short", String(repeating: "a", count: 44), String(repeating: "a", count: 42) + "+"] {
            let error = thrownError { () throws(ChannelError) in
                try WeComCallback(token: "t", encodingAESKey: key, receiveID: "")
            }
            #expect(error?.httpStatus == 500, "key of length \(key.count)")
        }
    }

    @Test func secretsStayOutOfDescriptions() throws {
        let callback = try Self.callback()
        var dumped = ""
        dump(callback, to: &dumped)
        for text in ["\(callback)", String(reflecting: callback), dumped] {
            #expect(!text.contains(Self.token))
            #expect(!text.contains(Self.aesKey))
        }
    }

    static func between(_ text: String, _ start: String, _ end: String) -> String? {
        guard let open = text.range(of: start), let close = text.range(of: end, range: open.upperBound..<text.endIndex)
        else { return nil }
        return String(text[open.upperBound..<close.lowerBound])
    }
}
