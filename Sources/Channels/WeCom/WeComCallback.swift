public import Foundation
import JSONWriter
import TextRules

/// The WeCom callback endpoint's codec: URL verification, inbound messages and encrypted
/// passive replies, for a self-built app (receive id = CorpID, XML bodies) or a 智能机器人
/// (receive id = `""`, JSON bodies).
public struct WeComCallback: Sendable {
    /// The receive id every decrypted message must end with: the CorpID, or `""` for a 智能机器人.
    public let receiveID: String
    private let token: String
    private let crypto: WeComCrypto

    /// WeCom truncates longer passive text replies itself, possibly inside a character.
    public static let maxReplyContentBytes = 2048

    /// The body that acknowledges a message without answering it (HTTP 200): WeCom then
    /// neither shows anything nor retries, and the answer can follow through `message/send`.
    public static let acknowledgementBody = ""

    /// Configures the codec with the console's Token and EncodingAESKey and the expected receive id.
    public init(token: String, encodingAESKey: String, receiveID: String) throws(ChannelError) {
        guard !token.isEmpty else { throw .invalidConfiguration("the WeCom Token is empty") }
        self.token = token
        self.crypto = try WeComCrypto(encodingAESKey: encodingAESKey)
        self.receiveID = receiveID
    }

    /// Answers the GET URL check: verifies the signature over `echostr`, decrypts it and
    /// returns the plaintext, which must be sent back verbatim as the response body.
    ///
    /// `query` holds the percent-decoded parameters (see ``WeComQueryString/parse(_:)``).
    public func verifyURL(query: [String: String]) throws(ChannelError) -> String {
        let signed = try SignedQuery(query)
        guard let echo = query["echostr"] else { throw .missingParameter("echostr") }
        try verifySignature(signed, encrypted: echo)
        let plaintext = try decryptForUs(echo)
        guard let text = String(validating: plaintext.message, as: UTF8.self) else {
            throw .malformed("the decrypted echostr is not UTF-8")
        }
        return text
    }

    /// Verifies, decrypts and parses a POSTed message (XML for apps, JSON for 智能机器人).
    ///
    /// Message types other than text are returned with `text == nil` so that the caller can
    /// acknowledge and ignore them.
    public func decodeMessage(query: [String: String], body: Data) throws(ChannelError) -> InboundMessage {
        let signed = try SignedQuery(query)
        let isJSON = body.first(where: { !Self.isXMLWhitespace($0) }) == UInt8(ascii: "{")
        let encrypted = isJSON ? try Self.jsonEncrypt(body) : try Self.xmlEncrypt(body)
        try verifySignature(signed, encrypted: encrypted)
        let plaintext = try decryptForUs(encrypted)
        if isJSON {
            return try Self.parseBotMessage(plaintext.message, timestamp: signed.timestamp)
        }
        return try Self.parseAppMessage(plaintext.message)
    }

    /// The encrypted passive text reply (HTTP 200 body) answering `message` with `text`.
    ///
    /// `text` is cut to ``maxReplyContentBytes`` between characters. The plaintext uses the
    /// element order and line breaks of Tencent's reference output so that replies can be
    /// compared byte for byte; pass ``WeComCrypto/randomPrefix()`` as `random16` in production.
    public func encodeReply(
        to message: InboundMessage, text: String, timestamp: String, nonce: String,
        random16: [UInt8] = WeComCrypto.randomPrefix()
    ) throws(ChannelError) -> String {
        let plaintext = try replyPlaintext(to: message, text: text, timestamp: timestamp)
        let encrypted = try crypto.encrypt(Array(plaintext.utf8), receiveID: receiveID, random16: random16)
        let signature = WeComCrypto.signature(token: token, timestamp: timestamp, nonce: nonce, encrypted: encrypted)
        return "<xml>\n<Encrypt>\(Self.cdata(encrypted))</Encrypt>\n<MsgSignature>\(Self.cdata(signature))"
            + "</MsgSignature>\n<TimeStamp>\(timestamp)</TimeStamp>\n<Nonce>\(Self.cdata(nonce))</Nonce>\n</xml>"
    }

    /// The encrypted 智能机器人 reply carrying a stream message (HTTP 200 JSON body).
    ///
    /// The envelope's `timestamp` is a string, as in Tencent's `WXBizJsonMsgCrypt` sample.
    public func encodeStreamReply(
        streamID: String, content: String, finish: Bool, timestamp: String, nonce: String,
        random16: [UInt8] = WeComCrypto.randomPrefix()
    ) throws(ChannelError) -> String {
        let stream = JSONText.object([
            ("id", JSONText.quote(streamID)), ("finish", finish ? "true" : "false"),
            ("content", JSONText.quote(content)),
        ])
        let plaintext = JSONText.object([("msgtype", JSONText.quote("stream")), ("stream", stream)])
        let encrypted = try crypto.encrypt(Array(plaintext.utf8), receiveID: receiveID, random16: random16)
        let signature = WeComCrypto.signature(token: token, timestamp: timestamp, nonce: nonce, encrypted: encrypted)
        return JSONText.object([
            ("encrypt", JSONText.quote(encrypted)), ("msgsignature", JSONText.quote(signature)),
            ("timestamp", JSONText.quote(timestamp)), ("nonce", JSONText.quote(nonce)),
        ])
    }

    /// The plaintext XML of a passive text reply, before encryption.
    func replyPlaintext(to message: InboundMessage, text: String, timestamp: String) throws(ChannelError) -> String {
        // CreateTime is written without CDATA, so anything but digits could inject markup.
        guard DecimalInteger.parse(timestamp) != nil else {
            throw .invalidArgument("the reply timestamp must be decimal seconds")
        }
        // The addressee cannot be cleaned like the text without changing who gets the reply, and
        // a character XML 1.0 forbids would make the whole reply unreadable: refuse it.
        guard Self.xmlSafe(message.userID) == message.userID else {
            throw .invalidArgument("the user id holds a character XML cannot carry")
        }
        let content = Self.xmlSafe(text).truncatedToUTF8(maxBytes: Self.maxReplyContentBytes)
        return "<xml>\n<MsgType>\(Self.cdata("text"))</MsgType>\n<Content>\(Self.cdata(content))</Content>\n"
            + "<FromUserName>\(Self.cdata(receiveID))</FromUserName>\n<ToUserName>\(Self.cdata(message.userID))"
            + "</ToUserName>\n<CreateTime>\(timestamp)</CreateTime>\n</xml>"
    }

    private func verifySignature(_ signed: SignedQuery, encrypted: String) throws(ChannelError) {
        let expected = WeComCrypto.signature(
            token: token, timestamp: signed.timestamp, nonce: signed.nonce, encrypted: encrypted)
        guard ConstantTime.equals(expected, signed.signature) else { throw .badSignature(.wecom) }
    }

    private func decryptForUs(_ encrypted: String) throws(ChannelError) -> WeComPlaintext {
        let plaintext = try crypto.decrypt(encrypted)
        guard ConstantTime.equals(plaintext.receiveIDBytes, Array(receiveID.utf8)) else { throw .wrongReceiver }
        return plaintext
    }

    /// The signature parameters every callback carries.
    private struct SignedQuery {
        let signature: String
        let timestamp: String
        let nonce: String

        init(_ query: [String: String]) throws(ChannelError) {
            guard let signature = query["msg_signature"] else { throw .missingParameter("msg_signature") }
            guard let timestamp = query["timestamp"] else { throw .missingParameter("timestamp") }
            guard let nonce = query["nonce"] else { throw .missingParameter("nonce") }
            self.signature = signature
            self.timestamp = timestamp
            self.nonce = nonce
        }
    }

    private static func xmlEncrypt(_ body: Data) throws(ChannelError) -> String {
        guard !body.isEmpty else { throw .malformed("the WeCom callback body is empty") }
        let fields = try WeComXMLFields.parse(body, what: "the WeCom callback body")
        guard let encrypted = fields["Encrypt"], !encrypted.isEmpty else {
            throw .malformed("the WeCom callback body has no <Encrypt> element")
        }
        return encrypted
    }

    private struct JSONEnvelope: Decodable {
        let encrypt: String
    }

    private static func jsonEncrypt(_ body: Data) throws(ChannelError) -> String {
        let envelope = try JSONBody.decode(JSONEnvelope.self, from: body, what: "the WeCom 智能机器人 body")
        guard !envelope.encrypt.isEmpty else { throw .malformed("the WeCom 智能机器人 body has an empty 'encrypt'") }
        return envelope.encrypt
    }

    private static func parseAppMessage(_ xml: Data) throws(ChannelError) -> InboundMessage {
        let fields = try WeComXMLFields.parse(xml, what: "the decrypted WeCom message")
        guard let user = fields["FromUserName"], !user.isEmpty else {
            throw .malformed("the decrypted WeCom message has no <FromUserName>")
        }
        guard let type = fields["MsgType"], !type.isEmpty else {
            throw .malformed("the decrypted WeCom message has no <MsgType>")
        }
        guard let created = fields["CreateTime"].flatMap({ DecimalInteger.parse($0.trimmed) }) else {
            throw .malformed("the decrypted WeCom message has no numeric <CreateTime>")
        }
        // Events have no MsgId; WeCom's doc dedupes them by sender and creation time.
        let messageID = fields["MsgId"].map(\.trimmed).flatMap { $0.isEmpty ? nil : $0 } ?? "\(user)#\(created)"
        return InboundMessage(
            platform: .wecom, messageID: messageID, chatID: user, userID: user, messageType: type,
            text: type == "text" ? (fields["Content"] ?? "").trimmed : nil,
            isGroup: false, mentionedBot: false, createTime: created)
    }

    private struct BotMessage: Decodable {
        struct Sender: Decodable { let userid: String }
        struct Text: Decodable { let content: String? }
        let msgid: String
        let chatid: String?
        let chattype: String?
        let from: Sender
        let msgtype: String
        let text: Text?
    }

    private static func parseBotMessage(_ json: Data, timestamp: String) throws(ChannelError) -> InboundMessage {
        let message = try JSONBody.decode(BotMessage.self, from: json, what: "the decrypted WeCom 智能机器人 message")
        // The JSON carries no creation time; the signed query timestamp is the closest truth.
        guard let created = DecimalInteger.parse(timestamp) else { throw .invalidTimestamp("timestamp") }
        let isGroup = message.chattype == "group"
        var text: String?
        if message.msgtype == "text" {
            let content = message.text?.content ?? ""
            // Group messages reach the bot only when it is @-mentioned and start with "@name".
            text = isGroup ? Self.droppingLeadingMention(content) : content.trimmed
        }
        return InboundMessage(
            platform: .wecom, messageID: message.msgid,
            chatID: isGroup ? (message.chatid ?? message.from.userid) : message.from.userid,
            userID: message.from.userid, messageType: message.msgtype, text: text,
            isGroup: isGroup, mentionedBot: isGroup, createTime: created)
    }

    private static func droppingLeadingMention(_ content: String) -> String {
        let trimmed = content.trimmed
        guard trimmed.hasPrefix("@") else { return trimmed }
        guard let end = trimmed.firstIndex(where: \.isWhitespace) else { return "" }
        return trimmed[end...].trimmed
    }

    private static func cdata(_ text: String) -> String {
        var copy = text
        // Over the contiguous bytes: a scan of the String's UTF-8 view went byte by byte.
        guard copy.withUTF8({ $0.contains(UInt8(ascii: "]")) }) else { return "<![CDATA[" + text + "]]>" }
        // Split every "]]>" by its bytes. A search over Characters misses one whose ">" is followed
        // by a combining mark (">\u{301}" is a single Character), which then ended the section
        // early and left the rest of the text as markup.
        let split = Array("]]]]><![CDATA[>".utf8)
        let escaped = copy.withUTF8 { bytes -> [UInt8] in
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + 16)
            var i = 0
            while i < bytes.count {
                if bytes[i] == UInt8(ascii: "]"), i + 2 < bytes.count, bytes[i + 1] == UInt8(ascii: "]"),
                    bytes[i + 2] == UInt8(ascii: ">")
                {
                    out += split
                    i += 3
                } else {
                    out.append(bytes[i])
                    i += 1
                }
            }
            return out
        }
        return "<![CDATA[" + String(decoding: escaped, as: UTF8.self) + "]]>"
    }

    /// Drops the control characters XML 1.0 forbids, which would make WeCom reject the reply.
    private static func xmlSafe(_ text: String) -> String {
        // Almost every reply is already safe: check the bytes before rebuilding anything.
        // U+FFFE and U+FFFF are EF BF BE and EF BF BF; EF alone starts every full-width comma.
        var copy = text
        let suspicious = copy.withUTF8 { bytes -> Bool in
            for i in bytes.indices {
                let byte = bytes[i]
                if byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D { return true }
                if byte == 0xEF, i + 2 < bytes.count, bytes[i + 1] == 0xBF, bytes[i + 2] >= 0xBE { return true }
            }
            return false
        }
        guard suspicious else { return text }
        var scalars = String.UnicodeScalarView()
        scalars.append(
            contentsOf: text.unicodeScalars.filter {
                $0.value >= 0x20 ? !(0xFFFE...0xFFFF).contains($0.value) : [0x09, 0x0A, 0x0D].contains($0.value)
            })
        return String(scalars)
    }

    private static func isXMLWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}

extension WeComCallback: CustomStringConvertible, CustomReflectable {
    /// Shows the receive id only; the Token and key never appear in logs.
    public var description: String { "WeComCallback(receiveID: \"\(receiveID)\", token: <redacted>)" }

    /// A mirror without the secrets, for `dump` and debuggers.
    public var customMirror: Mirror { Mirror(self, children: ["receiveID": receiveID]) }
}
