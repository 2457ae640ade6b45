/// The chat platforms whose webhooks PolicyDesk understands.
///
/// The raw values are stable identifiers: they appear in configuration, metrics labels and
/// stored dedupe keys, so they must never change.
public enum Platform: String, Sendable, Hashable, CaseIterable, Codable {
    /// WeCom (企业微信): encrypted XML callbacks of a self-built app, or encrypted JSON of a 智能机器人.
    case wecom
    /// DingTalk (钉钉): enterprise-internal robot in HTTP mode.
    case dingtalk
    /// Feishu / Lark (飞书): event subscription v2 delivered over HTTP.
    case feishu

    /// The product name as people write it, for messages meant to be read.
    public var displayName: String {
        switch self {
        case .wecom: "WeCom"
        case .dingtalk: "DingTalk"
        case .feishu: "Feishu"
        }
    }
}
