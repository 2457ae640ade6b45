import Crypto
import Foundation

/// The signatures of DingTalk's and Feishu's custom group robots.
///
/// The two look alike and are easy to confuse: DingTalk keys the HMAC with the secret and
/// signs `"timestamp\nsecret"` (milliseconds); Feishu keys it with `"timestamp\nsecret"`
/// (seconds) and signs nothing.
public enum RobotWebhookSigner {
    /// DingTalk's 加签: base64(HMAC-SHA256(key: secret, message: "timestamp\nsecret")), not
    /// yet URL-encoded.
    public static func dingTalkSignature(timestampMilliseconds: Int64, secret: String) -> String {
        let key = SymmetricKey(data: Data(secret.utf8))
        let code = HMAC<SHA256>.authenticationCode(for: Data("\(timestampMilliseconds)\n\(secret)".utf8), using: key)
        return Data(code).base64EncodedString()
    }

    /// The webhook URL with `&timestamp=…&sign=…` appended, the sign percent-encoded
    /// (`+` → `%2B`, `/` → `%2F`, `=` → `%3D`).
    public static func dingTalkSignedURL(_ webhookURL: String, secret: String, timestampMilliseconds: Int64) -> String {
        let sign = dingTalkSignature(timestampMilliseconds: timestampMilliseconds, secret: secret)
        let encoded = sign.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? sign
        let separator = webhookURL.contains("?") ? "&" : "?"
        return "\(webhookURL)\(separator)timestamp=\(timestampMilliseconds)&sign=\(encoded)"
    }

    /// Feishu's 签名校验: base64(HMAC-SHA256(key: "timestamp\nsecret", message: empty)).
    public static func feishuSignature(timestampSeconds: Int64, secret: String) -> String {
        let key = SymmetricKey(data: Data("\(timestampSeconds)\n\(secret)".utf8))
        let code = HMAC<SHA256>.authenticationCode(for: Data(), using: key)
        return Data(code).base64EncodedString()
    }
}
