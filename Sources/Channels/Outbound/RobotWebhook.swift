/// A custom group robot to post to, with the credentials its platform needs.
///
/// Descriptions and mirrors are redacted: the URL's query (WeCom's `key`, DingTalk's
/// `access_token`) and Feishu's hook id are as secret as the signing secret.
public enum RobotWebhook: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// WeCom 群机器人: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`; the key is the
    /// only credential.
    case weCom(url: String)
    /// DingTalk 自定义机器人: `https://oapi.dingtalk.com/robot/send?access_token=…`, with the
    /// `SEC…` secret when 加签 is enabled.
    case dingTalk(url: String, secret: String?)
    /// Feishu 自定义机器人: `https://open.feishu.cn/open-apis/bot/v2/hook/…`, with the secret
    /// when 签名校验 is enabled.
    case feishu(url: String, secret: String?)

    /// The platform's display name.
    public var platform: String {
        switch self {
        case .weCom: "WeCom"
        case .dingTalk: "DingTalk"
        case .feishu: "Feishu"
        }
    }

    /// The webhook URL as configured (secret-bearing; do not log).
    public var url: String {
        switch self {
        case .weCom(let url), .dingTalk(let url, _), .feishu(let url, _): url
        }
    }

    /// The platform and the redacted URL.
    public var description: String { "\(platform) robot \(URLRedaction.redact(url))" }

    /// Same as ``description``, so that `String(reflecting:)` cannot reveal secrets either.
    public var debugDescription: String { description }

    /// A mirror without the secrets, so that `dump` cannot reveal them either.
    public var customMirror: Mirror {
        Mirror(self, children: ["platform": platform, "url": URLRedaction.redact(url)], displayStyle: .enum)
    }
}

/// What a robot should post; each platform gets its own rendering.
public enum RobotMessage: Sendable, Equatable {
    /// Plain text.
    case text(String)
    /// Markdown with a title. WeCom's markdown has no title and drops it; Feishu's custom bot
    /// has no Markdown type, so it becomes an interactive card with a Markdown element.
    case markdown(title: String, text: String)
}

/// The outcome of one robot post, sorted by what the caller should do next.
public enum RobotDeliveryResult: Sendable, Equatable, CustomStringConvertible {
    /// The platform accepted the message.
    case delivered
    /// The robot is throttled (DingTalk: for 10 minutes after 20 messages a minute); send
    /// again after `retryAfter`, or later if the platform gave no hint.
    case rateLimited(code: Int?, message: String, retryAfter: Duration?)
    /// Will fail again as is (bad key, bad signature, keyword missing, message too long);
    /// `message` is the platform's error text.
    case permanentFailure(code: Int?, message: String)
    /// May succeed if sent again later (timeout, connection failure, 5xx, platform busy).
    case transientFailure(String)

    /// Whether the message was delivered.
    public var isDelivered: Bool { self == .delivered }

    /// A one-line summary for logs; contains no URL or secret.
    public var description: String {
        switch self {
        case .delivered:
            "delivered"
        case .rateLimited(let code, let message, let retryAfter):
            "rate limited\(code.map { " (code \($0))" } ?? ""): \(message)"
                + (retryAfter.map { "; retry after \($0)" } ?? "; retry in a few minutes")
        case .permanentFailure(let code, let message):
            "permanent failure\(code.map { " (code \($0))" } ?? ""): \(message)"
        case .transientFailure(let message):
            "transient failure: \(message)"
        }
    }
}
