import Channels
import Foundation
import TextRules

/// The DingTalk callback: the JSON body parser and the `timestamp`/`sign` check.
///
/// The first byte chooses what the rest is: 0 a callback body, 1 a `timestamp` and a `sign`
/// separated by NUL, 2 header lines (`name: value`, one per line) for the header lookup.
enum DingTalkFuzz {
    // The configuration of the protocol vectors (Tests/ChannelsTests/Fixtures/dingtalk.json).
    static let appSecret = "Xq3vP9sL2kT7wN4mB8cR1yH6uJ0eA5dF9gZ2iK7oL3pQ8sV1xC4nM6bT0rW5yE2u"
    static let verifier = DingTalkVerifier(appSecret: appSecret)
    static let nowMs: Int64 = 1_732_500_001_623

    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        guard let mode = input.first else { return }
        let rest = input[1...]
        switch mode % 3 {
        case 0: try body(rest)
        case 1: try signature(rest)
        default: try headers(rest)
        }
    }

    static func body(_ rest: ArraySlice<UInt8>) throws(FuzzFailure) {
        guard let message = try? DingTalkMessageDecoder().decode(body: Data(rest)) else { return }
        try expect(message.platform == .dingtalk, "a DingTalk message came out as \(message.platform)")
        try expect(!message.userID.isEmpty, "a message was read without a sender")
        try expect(!message.chatID.isEmpty, "a message was read without a chat")
        if let text = message.text {
            try expect(text == text.trimmed, "the message text is not trimmed: \(text.debugDescription)")
        }
    }

    /// A sign is accepted only when it is exactly the expected one, and the expected one is
    /// accepted for any decimal timestamp in the window.
    static func signature(_ rest: ArraySlice<UInt8>) throws(FuzzFailure) {
        let (first, second) = split(rest)
        let timestamp = String(decoding: first, as: UTF8.self)
        let sign = String(decoding: second ?? [], as: UTF8.self)
        let expected = verifier.expectedSign(timestamp: timestamp)
        if (try? verifier.verify(timestamp: timestamp, sign: sign, nowMs: nowMs)) != nil {
            try expect(sign == expected, "sign \(sign.debugDescription) was accepted for \(timestamp.debugDescription)")
        }
        // Milliseconds are read as 1 to 18 decimal digits, nothing else.
        if timestamp.utf8.count <= 18, let sent = Int64(timestamp),
            timestamp.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        {
            let accepted = (try? verifier.verify(timestamp: timestamp, sign: expected, nowMs: sent)) != nil
            try expect(accepted, "the right sign was refused for timestamp \(timestamp)")
        }
    }

    /// Headers under any names: never a trap, and accepted only with the right sign.
    static func headers(_ rest: ArraySlice<UInt8>) throws(FuzzFailure) {
        var headers: [String: String] = [:]
        for line in String(decoding: rest, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            headers[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        guard (try? verifier.verify(headers: headers, nowMs: nowMs)) != nil else { return }
        let signs = headers.filter { $0.key.lowercased() == "sign" }.map(\.value)
        let stamps = headers.filter { $0.key.lowercased() == "timestamp" }.map(\.value)
        try expect(
            stamps.contains { stamp in signs.contains(verifier.expectedSign(timestamp: stamp)) },
            "headers \(headers) were accepted without a matching sign")
    }
}
