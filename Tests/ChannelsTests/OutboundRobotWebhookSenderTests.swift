import Channels
import Foundation
import TestSupport
import Testing

/// ``RobotWebhookSender`` and ``RobotWebhookSigner`` against known answers and a fake that
/// verifies keys and signatures with an HMAC of its own.
@Suite("RobotWebhookSender")
struct OutboundRobotWebhookSenderTests {
    /// All secrets the fake knows; none may appear in any description.
    static let secrets = [
        OutboundFakeSecrets.dingTalkAccessToken, OutboundFakeSecrets.dingTalkSecret, OutboundFakeSecrets.feishuHookID,
        OutboundFakeSecrets.feishuBotSecret, OutboundFakeSecrets.weComKey,
    ]

    /// The fake's WeCom robot URL, with the right key unless told otherwise.
    static func weCom(_ platform: FakePlatform, key: String = OutboundFakeSecrets.weComKey) -> RobotWebhook {
        .weCom(url: platform.baseURL + "/cgi-bin/webhook/send?key=\(key)")
    }

    /// The fake's DingTalk robot, signed with the right secret unless told otherwise.
    static func dingTalk(_ platform: FakePlatform, secret: String? = OutboundFakeSecrets.dingTalkSecret)
        -> RobotWebhook
    {
        .dingTalk(
            url: platform.baseURL + "/robot/send?access_token=\(OutboundFakeSecrets.dingTalkAccessToken)",
            secret: secret)
    }

    /// The fake's Feishu bot, signed with the right secret unless told otherwise.
    static func feishu(_ platform: FakePlatform, secret: String? = OutboundFakeSecrets.feishuBotSecret)
        -> RobotWebhook
    {
        .feishu(url: platform.baseURL + "/open-apis/bot/v2/hook/\(OutboundFakeSecrets.feishuHookID)", secret: secret)
    }

    /// A sender whose clock is pinned, so signatures are reproducible.
    static func sender(millisecondsSince1970: Int64 = 1_732_500_000_456, timeout: Duration = .seconds(5))
        -> RobotWebhookSender
    {
        let now = Date(timeIntervalSince1970: Double(millisecondsSince1970) / 1_000)
        return RobotWebhookSender(transport: CurlTransport(), timeout: timeout, now: { now })
    }

    /// Fails the test if any fake secret appears in `text`.
    static func expectNoSecrets(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for secret in secrets {
            #expect(!text.contains(secret), "leaked a secret in: \(text)", sourceLocation: sourceLocation)
        }
    }

    // MARK: Known answers (shared/protocols/vectors)

    @Test("DingTalk sign and signed URL equal the SDK-verified vector")
    func dingTalkKnownAnswer() {
        let secret = "SEC59475fb31fc80a93bea8587fed1d8ccfb7f9a662d6806f507e930656ee7779ed"
        let webhook =
            "https://oapi.dingtalk.com/robot/send?access_token=46ce928ab96a6cdceb63589323c5eadcf9dab8638fee3fbb857d0599bae12108"
        #expect(
            RobotWebhookSigner.dingTalkSignature(timestampMilliseconds: 1_732_500_000_456, secret: secret)
                == "wzecJfOjQhb9p40I/egcodk8Vimu27zfCz+hG5uCln0=")
        #expect(
            RobotWebhookSigner.dingTalkSignedURL(webhook, secret: secret, timestampMilliseconds: 1_732_500_000_456)
                == webhook + "&timestamp=1732500000456&sign=wzecJfOjQhb9p40I%2Fegcodk8Vimu27zfCz%2BhG5uCln0%3D")
    }

    @Test("Feishu sign equals the vector and differs from the DingTalk-style mistake")
    func feishuKnownAnswer() {
        let sign = RobotWebhookSigner.feishuSignature(
            timestampSeconds: 1_732_500_000, secret: "FsCustomBotSecretPolicy01")
        #expect(sign == "FjQyzdwuHce33WSN9x3g9EfejWX8gmJimlTIcyoerCM=")
        #expect(sign != "Lz+VMZ8jHBlgCBER6E4J4x+Ki90ZlX/ue3yzDL6OLY0=")
    }

    // MARK: Live signing, verified by the fake

    @Test(
        "DingTalk: timestamp and URL-encoded sign are accepted by an independent HMAC",
        arguments: [Int64(1_732_500_000_456), 1_732_500_000_005, 1_732_500_000_009])
    func dingTalkSignedDelivery(_ milliseconds: Int64) async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            let result = await Self.sender(millisecondsSince1970: milliseconds)
                .send(.markdown(title: "政策", text: "**15%** 税率"), to: Self.dingTalk(platform))
            #expect(result == .delivered)
            let recorded = try #require(platform.requests().first)
            let expectedSign = try #require(recorded.checks["expected_sign_urlencoded"])
            #expect(
                recorded.query
                    == "access_token=\(OutboundFakeSecrets.dingTalkAccessToken)&timestamp=\(milliseconds)&sign=\(expectedSign)"
            )
            if milliseconds != 1_732_500_000_456 {
                // These timestamps were picked because their signs contain both '+' and '/'.
                #expect(recorded.query.contains("%2B") && recorded.query.contains("%2F"))
            }
            #expect(recorded.json["msgtype"] as? String == "markdown")
            #expect(recorded.json["markdown"] as? [String: String] == ["title": "政策", "text": "**15%** 税率"])
        }
    }

    @Test("DingTalk: a wrong secret is a permanent failure with DingTalk's text")
    func dingTalkWrongSecret() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            let result = await Self.sender().send(.text("x"), to: Self.dingTalk(platform, secret: "SECwrong"))
            #expect(result == .permanentFailure(code: 310_000, message: "sign not match"))
        }
    }

    @Test("Feishu: timestamp (seconds, as a string) and sign in the body are accepted by an independent HMAC")
    func feishuSignedDelivery() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            let result = await Self.sender().send(.text("您好"), to: Self.feishu(platform))
            #expect(result == .delivered)
            let recorded = try #require(platform.requests().first)
            #expect(recorded.json["timestamp"] as? String == "1732500000")
            #expect(recorded.json["sign"] as? String == recorded.checks["expected_sign"])
            #expect(recorded.json["msg_type"] as? String == "text")
            #expect(recorded.json["content"] as? [String: String] == ["text": "您好"])
        }
    }

    @Test("Feishu: Markdown goes out as an interactive card; unsigned bots get no sign fields")
    func feishuMarkdownUnsigned() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            let result = await Self.sender().send(
                .markdown(title: "标题", text: "**粗体**"), to: Self.feishu(platform, secret: nil))
            #expect(result == .delivered)
            let json = try #require(platform.requests().first).json
            #expect(json["sign"] == nil && json["timestamp"] == nil)
            #expect(json["msg_type"] as? String == "interactive")
            let card = try #require(json["card"] as? [String: Any])
            #expect((card["elements"] as? [[String: String]])?.first == ["tag": "markdown", "content": "**粗体**"])
        }
    }

    @Test("Feishu: a wrong secret is refused with code 19021")
    func feishuWrongSecret() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            let result = await Self.sender().send(.text("x"), to: Self.feishu(platform, secret: "wrong"))
            guard case .permanentFailure(let code, let message) = result else {
                Issue.record("expected a permanent failure, got \(result)")
                return
            }
            #expect(code == 19_021)
            #expect(message.hasPrefix("sign match fail"))
        }
    }

    @Test("WeCom: JSON posted to the key URL; a bad key is a permanent failure")
    func weComDelivery() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            let sender = Self.sender()
            #expect(await sender.send(.text("您好"), to: Self.weCom(platform)) == .delivered)
            #expect(
                await sender.send(.markdown(title: "ignored", text: "**x**"), to: Self.weCom(platform)) == .delivered)
            let bad = await sender.send(.text("x"), to: Self.weCom(platform, key: "wrong"))
            #expect(bad == .permanentFailure(code: 93_000, message: "invalid webhook url"))

            let recorded = platform.requests()
            #expect(recorded.count == 3)
            #expect(recorded[0].query == "key=\(OutboundFakeSecrets.weComKey)")
            #expect(recorded[0].json["msgtype"] as? String == "text")
            #expect(recorded[0].json["text"] as? [String: String] == ["content": "您好"])
            #expect(recorded[1].json["markdown"] as? [String: String] == ["content": "**x**"])
        }
    }

    // MARK: Classification of platform answers

    /// A scripted answer and the result it must produce, per platform.
    struct Case: Sendable, CustomTestStringConvertible {
        /// `wecom`, `dingtalk` or `feishu`.
        let platform: String
        /// What the fake answers.
        let response: FakePlatform.Reply
        /// What the sender must report.
        let expected: RobotDeliveryResult
        /// A readable name for the test case.
        var testDescription: String { "\(platform) \(response.status) \(response.body) → \(expected)" }
    }

    /// One case per kind of answer the platforms give.
    static let cases: [Case] = [
        Case(
            platform: "wecom", response: .init(body: #"{"errcode":45009,"errmsg":"api freq out of limit"}"#),
            expected: .rateLimited(code: 45_009, message: "api freq out of limit", retryAfter: nil)),
        Case(
            platform: "dingtalk",
            response: .init(body: #"{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}"#),
            expected: .rateLimited(code: 130_101, message: "send too fast, exceed 20 times per minute", retryAfter: nil)
        ),
        Case(
            platform: "dingtalk", response: .init(body: #"{"errcode":410100,"errmsg":"send too fast"}"#),
            expected: .rateLimited(code: 410_100, message: "send too fast", retryAfter: nil)),
        Case(
            platform: "feishu", response: .init(body: #"{"code":11232,"msg":"frequency limited","data":{}}"#),
            expected: .rateLimited(code: 11_232, message: "frequency limited", retryAfter: nil)),
        Case(
            platform: "wecom", response: .init(status: 429, headers: [("Retry-After", "30")]),
            expected: .rateLimited(code: nil, message: "HTTP 429", retryAfter: .seconds(30))),
        Case(
            platform: "feishu", response: .init(status: 503, body: "upstream down"),
            expected: .transientFailure("Feishu answered HTTP 503")),
        Case(
            platform: "wecom", response: .init(body: #"{"errcode":-1,"errmsg":"system busy"}"#),
            expected: .transientFailure("WeCom is busy (errcode -1: system busy)")),
        Case(
            platform: "dingtalk", response: .init(body: #"{"errcode":310000,"errmsg":"keywords not in content"}"#),
            expected: .permanentFailure(code: 310_000, message: "keywords not in content")),
        Case(
            platform: "feishu", response: .init(body: #"{"StatusCode":0,"StatusMessage":"success"}"#),
            expected: .delivered),
        Case(
            platform: "wecom", response: .init(body: "<html>proxy login</html>"),
            expected: .permanentFailure(
                code: nil, message: "WeCom answered HTTP 200 without its JSON status; check the webhook URL")),
    ]

    @Test("Platform answers are sorted into delivered, rate-limited, permanent and transient", arguments: cases)
    func classification(_ testCase: Case) async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            let webhook: RobotWebhook
            let path: String
            switch testCase.platform {
            case "wecom": (webhook, path) = (Self.weCom(platform), "/cgi-bin/webhook/send")
            case "dingtalk": (webhook, path) = (Self.dingTalk(platform), "/robot/send")
            default: (webhook, path) = (Self.feishu(platform), "/open-apis/bot/v2/hook/*")
            }
            platform.script(path, [testCase.response])
            let result = await Self.sender().send(.text("x"), to: webhook)
            #expect(result == testCase.expected)
            Self.expectNoSecrets(result.description)
            #expect(platform.requests().count == 1)
        }
    }

    @Test("Transport failures: timeouts and refused connections are transient, bad URLs permanent")
    func transportFailures() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            // An answer that would take half a minute (the fake drops it when the test ends).
            platform.script("/cgi-bin/webhook/send", [.init(delay: .seconds(30))])
            let slow = await Self.sender(timeout: .milliseconds(500)).send(.text("x"), to: Self.weCom(platform))
            guard case .transientFailure(let message) = slow else {
                Issue.record("expected transient, got \(slow)")
                return
            }
            #expect(message.contains("timed out"))
        }
        let port = try closedPort()
        let refused = await Self.sender().send(
            .text("x"),
            to: .dingTalk(
                url: "http://127.0.0.1:\(port)/robot/send?access_token=\(OutboundFakeSecrets.dingTalkAccessToken)",
                secret: OutboundFakeSecrets.dingTalkSecret))
        guard case .transientFailure = refused else {
            Issue.record("expected transient, got \(refused)")
            return
        }
        Self.expectNoSecrets(refused.description)
        let invalid = await Self.sender().send(
            .text("x"), to: .weCom(url: "qyapi weixin ?key=\(OutboundFakeSecrets.weComKey)"))
        guard case .permanentFailure(nil, _) = invalid else {
            Issue.record("expected permanent, got \(invalid)")
            return
        }
        Self.expectNoSecrets(invalid.description)
    }

    @Test("Messages over WeCom's byte limits are refused before sending")
    func weComLimits() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            let sender = Self.sender()
            // 683 three-byte characters are 2049 bytes: one over the limit.
            let text = String(repeating: "政", count: 683)
            let result = await sender.send(.text(text), to: Self.weCom(platform))
            #expect(
                result
                    == .permanentFailure(
                        code: nil, message: "the text is 2049 bytes; WeCom accepts at most 2048, so shorten or split it"
                    ))
            #expect(await sender.send(.text(String(text.dropLast())), to: Self.weCom(platform)) == .delivered)
            #expect(platform.requests().count == 1)
        }
    }

    @Test("Webhooks describe, reflect and dump without their secrets")
    func webhookDescriptionsRedacted() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            for webhook in [Self.weCom(platform), Self.dingTalk(platform), Self.feishu(platform)] {
                var dumped = ""
                dump(webhook, to: &dumped)
                Self.expectNoSecrets("\(webhook) \(String(reflecting: webhook)) \(dumped)")
                #expect("\(webhook)".contains(webhook.platform))
            }
        }
    }
}
