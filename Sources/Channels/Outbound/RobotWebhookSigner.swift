import Foundation

/// The signatures of DingTalk's and Feishu's custom group robots.
///
/// The two look alike and are easy to confuse: DingTalk keys the HMAC with the secret and
/// signs `"timestamp\nsecret"` (milliseconds); Feishu keys it with `"timestamp\nsecret"`
/// (seconds) and signs nothing.
public enum RobotWebhookSigner {
    /// DingTalk's 加签: base64(HMAC-SHA256(key: secret, message: "timestamp\nsecret")), not
    /// yet URL-encoded. The arithmetic lives in ``DingTalkRobotSigner``, which the vectors check.
    public static func dingTalkSignature(timestampMilliseconds: Int64, secret: String) -> String {
        DingTalkRobotSigner(secret: secret).sign(timestampMs: timestampMilliseconds)
    }

    /// The webhook URL with `&timestamp=…&sign=…` appended, the sign percent-encoded
    /// (`+` → `%2B`, `/` → `%2F`, `=` → `%3D`).
    public static func dingTalkSignedURL(_ webhookURL: String, secret: String, timestampMilliseconds: Int64) -> String {
        DingTalkRobotSigner(secret: secret).signedURL(webhook: webhookURL, timestampMs: timestampMilliseconds)
    }

    /// Feishu's 签名校验: base64(HMAC-SHA256(key: "timestamp\nsecret", message: empty)); the
    /// arithmetic lives in ``FeishuRobotSigner``, which the vectors check.
    public static func feishuSignature(timestampSeconds: Int64, secret: String) -> String {
        FeishuRobotSigner(secret: secret).sign(timestamp: String(timestampSeconds))
    }
}
