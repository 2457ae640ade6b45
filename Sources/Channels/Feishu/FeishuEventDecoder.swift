public import Foundation
import TextRules

/// Authenticates, decrypts and parses Feishu event-subscription (v2) requests.
///
/// Order of checks, following feishu.md §2: the signature over the raw body comes before
/// decryption whenever signature headers are present, so a forged body is refused as
/// unauthorised (401) rather than as undecryptable; a URL check is answered after the token
/// check alone, because Feishu may send it unsigned; every other event needs the signature
/// (when an Encrypt Key is configured) and the verification token.
public struct FeishuEventDecoder: Sendable {
    /// The default tolerance for `X-Lark-Request-Timestamp`. Feishu itself enforces none and
    /// spreads retries over hours, so the window only stops very old replays; dedupe on
    /// `event_id` does the rest.
    public static let defaultMaxClockSkewSeconds: Int64 = 86_400

    private let verificationToken: String
    private let encryptKey: String?
    /// The bot's own open_id; when set, only its @mention is removed from the text and other
    /// mentions are kept as `@name`. When `nil`, every mention is taken to be the bot's, which
    /// is right for bots that only receive messages that @-mention them.
    public let botOpenID: String?
    /// How far the signed request timestamp may be from our clock, in seconds.
    public let maxClockSkewSeconds: Int64

    /// Configures the decoder with the console's Verification Token and, if encryption is on,
    /// its Encrypt Key (an empty key means encryption is off).
    public init(
        verificationToken: String, encryptKey: String? = nil, botOpenID: String? = nil,
        maxClockSkewSeconds: Int64 = FeishuEventDecoder.defaultMaxClockSkewSeconds
    ) {
        self.verificationToken = verificationToken
        self.encryptKey = encryptKey.flatMap { $0.isEmpty ? nil : $0 }
        self.botOpenID = botOpenID
        self.maxClockSkewSeconds = maxClockSkewSeconds
    }

    /// Decodes one request. `headers` may use any capitalisation; `body` must be the raw bytes
    /// as received, since the signature covers them. `nowSeconds` enables the timestamp
    /// window; pass `nil` to skip it.
    public func decode(headers: [String: String], body: Data, nowSeconds: Int64?) throws(ChannelError)
        -> FeishuEvent
    {
        guard !body.isEmpty else { throw .malformed("the Feishu request body is empty") }
        let envelope = try JSONBody.decode(EncryptedEnvelope.self, from: body, what: "the Feishu request body")
        var signatureChecked = false
        let plaintext: Data
        if let encrypted = envelope.encrypt {
            guard let encryptKey else {
                throw .malformed("the Feishu body is encrypted but no Encrypt Key is configured")
            }
            if HeaderLookup.value("x-lark-signature", in: headers) != nil {
                try verifySignature(headers: headers, body: body, encryptKey: encryptKey, nowSeconds: nowSeconds)
                signatureChecked = true
            }
            plaintext = try FeishuCrypto.decrypt(encrypted, encryptKey: encryptKey)
        } else {
            plaintext = body
        }

        let payload = try JSONBody.decode(
            Payload.self, from: plaintext, what: "the Feishu event", snakeCaseKeys: true)
        if payload.type == "url_verification" {
            try checkToken(payload.token)
            guard let challenge = payload.challenge else {
                throw .malformed("the Feishu url_verification request has no 'challenge'")
            }
            return .urlVerification(challenge: challenge)
        }

        if let encryptKey, !signatureChecked {
            try verifySignature(headers: headers, body: body, encryptKey: encryptKey, nowSeconds: nowSeconds)
        }
        guard payload.schema == "2.0", let header = payload.header else {
            throw .malformed("only event schema 2.0 is supported; subscribe the app to v2 events")
        }
        try checkToken(header.token)
        guard header.eventType == "im.message.receive_v1" else {
            return .other(eventType: header.eventType, eventID: header.eventId)
        }
        return .message(try parseMessage(plaintext, header: header))
    }

    private func verifySignature(headers: [String: String], body: Data, encryptKey: String, nowSeconds: Int64?)
        throws(ChannelError)
    {
        guard let signature = HeaderLookup.value("x-lark-signature", in: headers),
            let timestamp = HeaderLookup.value("x-lark-request-timestamp", in: headers),
            let nonce = HeaderLookup.value("x-lark-request-nonce", in: headers)
        else { throw .missingSignature(.feishu) }
        let expected = FeishuCrypto.signature(timestamp: timestamp, nonce: nonce, encryptKey: encryptKey, body: body)
        guard ConstantTime.equals(expected, signature) else { throw .badSignature(.feishu) }
        guard let nowSeconds else { return }
        guard let sentSeconds = DecimalInteger.parse(timestamp) else {
            throw .invalidTimestamp("X-Lark-Request-Timestamp")
        }
        guard abs(nowSeconds - sentSeconds) <= maxClockSkewSeconds else { throw .staleTimestamp(.feishu) }
    }

    private func checkToken(_ token: String?) throws(ChannelError) {
        guard let token, ConstantTime.equals(token, verificationToken) else { throw .badVerificationToken }
    }

    private func parseMessage(_ plaintext: Data, header: Payload.Header) throws(ChannelError) -> InboundMessage {
        let event = try JSONBody.decode(
            MessageEnvelope.self, from: plaintext, what: "the im.message.receive_v1 event", snakeCaseKeys: true
        ).event
        let message = event.message
        guard let openID = event.sender.senderId.openId, !openID.isEmpty else {
            throw .malformed("the Feishu message event has no sender open_id")
        }
        guard let createdMs = message.createTime?.value ?? header.createTime.flatMap(DecimalInteger.parse) else {
            throw .malformed("the Feishu message event has no create_time")
        }
        let mentions = message.mentions ?? []
        let isBot: (MessageEnvelope.Mention) -> Bool = { mention in
            guard let botOpenID else { return true }
            return mention.id?.openId == botOpenID
        }
        var text: String?
        if message.messageType == "text" {
            let content = try JSONBody.decode(
                TextContent.self, from: Data((message.content ?? "").utf8), what: "the Feishu text message content")
            text = Self.resolvingMentions(in: content.text, mentions: mentions, isBot: isBot)
        }
        let isGroup = message.chatType != "p2p"
        return InboundMessage(
            platform: .feishu, messageID: message.messageId, chatID: isGroup ? message.chatId : openID,
            userID: openID, messageType: message.messageType, text: text, isGroup: isGroup,
            mentionedBot: mentions.contains(where: isBot), createTime: createdMs / 1000, eventID: header.eventId)
    }

    /// Removes the bot's placeholders (`@_user_1`) and spells out the others as `@name`.
    private static func resolvingMentions(
        in text: String, mentions: [MessageEnvelope.Mention], isBot: (MessageEnvelope.Mention) -> Bool
    ) -> String {
        var result = Array(text.utf8)
        // Longest keys first, so that replacing "@_user_1" cannot eat the front of "@_user_10".
        for mention in mentions.sorted(by: { $0.key.utf8.count > $1.key.utf8.count }) where !mention.key.isEmpty {
            let replacement = isBot(mention) ? "" : "@" + (mention.name ?? "")
            result = replacing(Array(mention.key.utf8), with: Array(replacement.utf8), in: result)
        }
        return String(decoding: result, as: UTF8.self).trimmed
    }

    /// Replaces every occurrence of `key` by bytes. UTF-8 never matches inside a scalar, so this
    /// finds a placeholder followed by a combining mark too, which a search by Character (where
    /// the two make one Character) would not.
    private static func replacing(_ key: [UInt8], with replacement: [UInt8], in text: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            if text[i] == key[0], i + key.count <= text.count, text[i..<(i + key.count)].elementsEqual(key) {
                out += replacement
                i += key.count
            } else {
                out.append(text[i])
                i += 1
            }
        }
        return out
    }

    private struct EncryptedEnvelope: Decodable {
        let encrypt: String?
    }

    private struct Payload: Decodable {
        struct Header: Decodable {
            let eventId: String?
            let eventType: String
            let createTime: String?
            let token: String?
        }
        let type: String?
        let challenge: String?
        let token: String?
        let schema: String?
        let header: Header?
    }

    private struct TextContent: Decodable {
        let text: String
    }

    private struct MessageEnvelope: Decodable {
        struct Event: Decodable {
            let sender: Sender
            let message: Message
        }
        struct Sender: Decodable {
            let senderId: SenderID
        }
        struct SenderID: Decodable {
            let openId: String?
        }
        struct Message: Decodable {
            let messageId: String
            let chatId: String
            let chatType: String
            let messageType: String
            let content: String?
            let createTime: LenientInt64?
            let mentions: [Mention]?
        }
        struct Mention: Decodable {
            struct Identity: Decodable {
                let openId: String?
            }
            let key: String
            let id: Identity?
            let name: String?
        }
        let event: Event
    }
}

extension FeishuEventDecoder: CustomStringConvertible, CustomReflectable {
    /// Says whether encryption is on without revealing the token or key.
    public var description: String {
        "FeishuEventDecoder(verificationToken: <redacted>, encryptKey: \(encryptKey == nil ? "none" : "<redacted>"))"
    }

    /// A mirror without the secrets, for `dump` and debuggers.
    public var customMirror: Mirror {
        Mirror(self, children: ["botOpenID": botOpenID as Any, "maxClockSkewSeconds": maxClockSkewSeconds])
    }
}
