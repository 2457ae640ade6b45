import Foundation
import TestSupport

/// Secrets the fake platform accepts; fake values, but treated as secrets by the assertions.
enum OutboundFakeSecrets {
    /// Feishu app credentials for the token endpoint.
    static let feishuAppID = "cli_fake0123456789"
    /// Feishu app secret; must never appear in an error message.
    static let feishuAppSecret = "FsAppSecret-never-print-me-42"
    /// DingTalk custom robot access token (in the URL query).
    static let dingTalkAccessToken = "dt0access0token0secret0value0123"
    /// DingTalk custom robot signing secret.
    static let dingTalkSecret = "SEC0fake0dingtalk0signing0secret0abcdef0123456789"
    /// Feishu custom bot hook id (in the URL path).
    static let feishuHookID = "4f7c1a2e-0000-4b1d-9a77-123456789abc"
    /// Feishu custom bot signing secret.
    static let feishuBotSecret = "FsBotSecret-never-print-me-7"
    /// WeCom group robot key (in the URL query).
    static let weComKey = "wc0key0693b0fake0secret0value99"
}

extension FakePlatform.Options {
    /// The fake as the outbound tests use it: one robot of each platform with the secrets above
    /// (DingTalk's must sign), and the Feishu app. Signed timestamps are not held to the real
    /// time, because the tests pin the sender's clock to reproduce known signatures.
    static func outbound(tokenDelay: Duration = .zero, tokenLifetime: Int = 7_200) -> Self {
        FakePlatform.Options(
            robots: .only(
                weComKey: OutboundFakeSecrets.weComKey, dingTalkToken: OutboundFakeSecrets.dingTalkAccessToken,
                dingTalkSecret: OutboundFakeSecrets.dingTalkSecret, feishuHook: OutboundFakeSecrets.feishuHookID,
                feishuSecret: OutboundFakeSecrets.feishuBotSecret),
            feishuApp: .init(
                appID: OutboundFakeSecrets.feishuAppID, appSecret: OutboundFakeSecrets.feishuAppSecret,
                tokenDelay: tokenDelay, tokenLifetime: tokenLifetime),
            signatureTolerance: nil)
    }
}
