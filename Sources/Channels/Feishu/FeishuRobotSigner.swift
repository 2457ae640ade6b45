import Crypto
import Foundation
import JSONWriter

/// Signs pushes to a Feishu custom bot (自定义机器人) whose security setting is 签名校验.
///
/// Unlike DingTalk, `timestamp\nsecret` is the HMAC key and the message is empty, and the
/// timestamp is in seconds; both go into the JSON body rather than the URL.
public struct FeishuRobotSigner: Sendable {
    private let secret: String

    /// Configures the signer with the bot's signing secret.
    public init(secret: String) {
        self.secret = secret
    }

    /// The string used as the HMAC key.
    func keyString(timestamp: String) -> String {
        timestamp + "\n" + secret
    }

    /// Base64(HmacSHA256(key: timestamp + "\n" + secret, message: empty)); `timestamp` is in
    /// seconds and must be within one hour of Feishu's clock.
    public func sign(timestamp: String) -> String {
        let key = SymmetricKey(data: Array(keyString(timestamp: timestamp).utf8))
        return Data(HMAC<SHA256>.authenticationCode(for: [UInt8](), using: key)).base64EncodedString()
    }

    /// The complete JSON body of a signed text push.
    public func textMessageBody(text: String, timestamp: String) -> String {
        JSONText.object([
            ("timestamp", JSONText.quote(timestamp)), ("sign", JSONText.quote(sign(timestamp: timestamp))),
            ("msg_type", JSONText.quote("text")), ("content", JSONText.object([("text", JSONText.quote(text))])),
        ])
    }
}

extension FeishuRobotSigner: CustomStringConvertible, CustomReflectable {
    /// Names the type without the secret.
    public var description: String { "FeishuRobotSigner(secret: <redacted>)" }

    /// An empty mirror, so that `dump` does not print the secret.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
