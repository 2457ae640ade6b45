import Channels
import Foundation
import TextRules

/// The WeCom callback: envelope and message parsing, decryption, and the passive reply.
///
/// The first byte chooses what the rest is: 0 a raw callback body (and query string), 1 a
/// message plaintext that is encrypted, signed and sent through `decodeMessage`, 2 an `Encrypt`
/// value to decrypt, 3 a user id and reply text for `encodeReply`, read back with `decodeMessage`.
enum WeComFuzz {
    // The configuration of the protocol vectors (Tests/ChannelsTests/Fixtures/wecom.json).
    static let token = "PolicyBotToken2024"
    static let key = "lXmwCw6JmjI4BnqYubnByQxfJ8CiwyKKJexR3WmCJ5A"
    static let corpID = "ww1a2b3c4d5e6f7a8b"
    static let timestamp = "1732500000"
    static let nonce = "1372623149"
    static let random16: [UInt8] = Array(0..<16)

    static let app = try! WeComCallback(token: token, encodingAESKey: key, receiveID: corpID)
    static let bot = try! WeComCallback(token: token, encodingAESKey: key, receiveID: "")
    static let crypto = try! WeComCrypto(encodingAESKey: key)

    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        guard let mode = input.first else { return }
        let rest = input[1...]
        switch mode % 4 {
        case 0: try envelope(rest)
        case 1: try message(rest)
        case 2: try ciphertext(rest)
        default: try reply(rest)
        }
    }

    static func signed(_ encrypted: String) -> [String: String] {
        [
            "msg_signature": WeComCrypto.signature(
                token: token, timestamp: timestamp, nonce: nonce, encrypted: encrypted),
            "timestamp": timestamp, "nonce": nonce,
        ]
    }

    /// A raw body, optionally after a query string and a NUL: never a trap, and never accepted
    /// unless its signature is right.
    static func envelope(_ rest: ArraySlice<UInt8>) throws(FuzzFailure) {
        let (first, second) = split(rest)
        var query = [
            "msg_signature": "0000000000000000000000000000000000000000", "timestamp": timestamp, "nonce": nonce,
        ]
        var body = first
        if let second {
            body = second
            if let parsed = try? WeComQueryString.parse(String(decoding: first, as: UTF8.self)) { query = parsed }
        }
        for callback in [app, bot] {
            if let message = try? callback.decodeMessage(query: query, body: Data(body)) {
                try expect(message.platform == .wecom, "a WeCom message came out as \(message.platform)")
            }
            _ = try? callback.verifyURL(query: query)
        }
    }

    /// A plaintext message: encryption round-trips, and the signed, encrypted callback is either
    /// read or refused as malformed (never as a signature, padding or receiver problem).
    static func message(_ rest: ArraySlice<UInt8>) throws(FuzzFailure) {
        let isJSON = rest.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{")
        let receiveID = isJSON ? "" : corpID
        let encrypted: String
        do {
            encrypted = try crypto.encrypt(rest, receiveID: receiveID, random16: random16)
        } catch {
            throw FuzzFailure("encrypt refused a \(rest.count)-byte message: \(error)")
        }
        do {
            let plaintext = try crypto.decrypt(encrypted)
            try expect(Array(plaintext.message) == Array(rest), "decrypt(encrypt(m)) is not m")
            try expect(plaintext.receiveIDBytes == Array(receiveID.utf8), "decrypt(encrypt(m)) changed the receive id")
            try expect(plaintext.random == random16, "decrypt(encrypt(m)) changed the random prefix")
            try expect(
                plaintext.paddedLength % 32 == 0, "padded length \(plaintext.paddedLength) is not whole 32-byte blocks")
        } catch let failure as FuzzFailure {
            throw failure
        } catch {
            throw FuzzFailure("decrypt refused what encrypt made: \(error)")
        }
        let body =
            isJSON
            ? #"{"encrypt":"\#(encrypted)"}"#
            : "<xml><ToUserName><![CDATA[\(corpID)]]></ToUserName><Encrypt><![CDATA[\(encrypted)]]></Encrypt>"
                + "<AgentID><![CDATA[1000002]]></AgentID></xml>"
        let callback = isJSON ? bot : app
        do {
            let message = try callback.decodeMessage(query: signed(encrypted), body: Data(body.utf8))
            try expect(message.platform == .wecom, "a WeCom message came out as \(message.platform)")
            try expect(!message.userID.isEmpty, "a message was read without a sender")
            if let text = message.text {
                try expect(
                    text == text.trimmed, "the message text is not trimmed: \(text.debugDescription)")
            }
        } catch let error as ChannelError {
            guard case .malformed = error else {
                throw FuzzFailure("a correctly signed and encrypted message was refused as \(error)")
            }
        } catch {
            throw FuzzFailure("unexpected error \(error)")
        }
    }

    /// Any `Encrypt` value: never a trap; whatever decrypts is laid out consistently.
    static func ciphertext(_ rest: ArraySlice<UInt8>) throws(FuzzFailure) {
        guard let plaintext = try? crypto.decrypt(String(decoding: rest, as: UTF8.self)) else { return }
        try expect(plaintext.message.count == plaintext.messageLength, "message length field and message differ")
        try expect(plaintext.random.count == 16, "the random prefix is not 16 bytes")
        try expect(
            16 + 4 + plaintext.messageLength + plaintext.receiveIDBytes.count == plaintext.unpaddedLength,
            "the parts do not add up to the unpadded length")
    }

    /// A reply to a user: the encrypted passive reply reads back through the same codec, from
    /// our own receive id, with the text it was given (when that text needs no cleaning).
    static func reply(_ rest: ArraySlice<UInt8>) throws(FuzzFailure) {
        let (userBytes, textBytes) = split(rest)
        let user = String(decoding: textBytes == nil ? ArraySlice("u".utf8) : userBytes, as: UTF8.self)
        let text = String(decoding: textBytes ?? userBytes, as: UTF8.self)
        let incoming = InboundMessage(
            platform: .wecom, messageID: "1", chatID: user, userID: user, messageType: "text", text: "问",
            isGroup: false, mentionedBot: false, createTime: 1_732_500_000)
        let reply: String
        do {
            reply = try app.encodeReply(
                to: incoming, text: text, timestamp: timestamp, nonce: nonce, random16: random16)
        } catch {
            // Only a user id that XML cannot carry is refused (a parsed message never has one).
            try expect(!isXMLSafe(user), "encodeReply refused: \(error), user \(user.debugDescription)")
            return
        }
        guard let start = reply.range(of: "<Encrypt><![CDATA["), let end = reply.range(of: "]]></Encrypt>") else {
            throw FuzzFailure("the reply envelope has no <Encrypt>")
        }
        let encrypted = String(reply[start.upperBound..<end.lowerBound])
        let readBack: InboundMessage
        do {
            readBack = try app.decodeMessage(query: signed(encrypted), body: Data(reply.utf8))
        } catch {
            throw FuzzFailure(
                "our own reply does not read back: \(error); text \(text.debugDescription), user \(user.debugDescription)"
            )
        }
        try expect(readBack.userID == corpID, "the reply reads as from \(readBack.userID.debugDescription)")
        if isXMLSafe(text), !text.unicodeScalars.contains("\r"), text.utf8.count <= WeComCallback.maxReplyContentBytes {
            try expect(
                readBack.text == text.trimmed,
                "the reply text reads back as \(readBack.text.debugDescription), not \(text.debugDescription)")
        }
    }
}

/// Whether every character of `text` may stand in an XML 1.0 document.
func isXMLSafe(_ text: String) -> Bool {
    !text.unicodeScalars.contains {
        ($0.value < 0x20 && $0.value != 0x09 && $0.value != 0x0A && $0.value != 0x0D) || $0.value == 0xFFFE
            || $0.value == 0xFFFF
    }
}
