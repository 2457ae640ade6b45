import Crypto
import Foundation

/// Signs pushes to a DingTalk custom group robot (自定义机器人) whose security setting is 加签.
///
/// Unlike Feishu's custom bot, the secret is the HMAC key and `timestamp\nsecret` the message.
public struct DingTalkRobotSigner: Sendable {
    private let secret: String

    /// Configures the signer with the robot's secret (it starts with `SEC`).
    public init(secret: String) {
        self.secret = secret
    }

    /// The text that is signed: the millisecond timestamp, a newline, and the secret.
    func stringToSign(timestampMs: Int64) -> String {
        "\(timestampMs)\n\(secret)"
    }

    /// Base64(HmacSHA256(secret, timestamp + "\n" + secret)), before URL encoding.
    public func sign(timestampMs: Int64) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array(stringToSign(timestampMs: timestampMs).utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// `webhook` with `timestamp` and the URL-encoded `sign` appended; DingTalk accepts it
    /// for one hour around `timestampMs`.
    public func signedURL(webhook: String, timestampMs: Int64) -> String {
        let separator = webhook.contains("?") ? "&" : "?"
        return webhook + separator + "timestamp=\(timestampMs)&sign=" + Self.urlEncode(sign(timestampMs: timestampMs))
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters, so base64's `+ / =`
    /// become `%2B %2F %3D` as DingTalk expects.
    private static func urlEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + Hex.encode([byte]).uppercased()
            }
        }
        return out
    }
}

extension DingTalkRobotSigner: CustomStringConvertible, CustomReflectable {
    /// Names the type without the secret.
    public var description: String { "DingTalkRobotSigner(secret: <redacted>)" }

    /// An empty mirror, so that `dump` does not print the secret.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
