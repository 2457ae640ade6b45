import Channels
import Foundation
import Testing

/// ``DingTalkSessionReplier`` against a fake sessionWebhook.
@Suite("DingTalkSessionReplier")
struct OutboundDingTalkSessionReplierTests {
    /// The session token in the webhook's query; must never appear in an error.
    static let sessionToken = "SESSION_TOKEN_0001"

    /// The fake's sessionWebhook with the given expiry.
    static func webhook(_ platform: OutboundFakePlatform, expiresAt: Date) -> DingTalkSessionWebhook {
        DingTalkSessionWebhook(
            url: platform.baseURL + "/robot/sendBySession?session=\(sessionToken)", expiresAt: expiresAt)
    }

    @Test("An expired or just-expiring webhook is refused without any request", arguments: [-1.0, 0.0])
    func refusesExpired(_ offset: TimeInterval) async throws {
        try await OutboundFakePlatform.with { (platform) async throws in
            let clock = OutboundTestClock()
            let replier = DingTalkSessionReplier(transport: CurlTransport(), now: { clock.now })
            let expiry = clock.now.addingTimeInterval(offset)
            let error = await outboundCaught { () async throws(DingTalkReplyError) in
                try await replier.replyMarkdown(title: "t", text: "x", to: Self.webhook(platform, expiresAt: expiry))
            }
            #expect(error == .sessionExpired(expiredAt: expiry))
            #expect(error?.isSessionGone == true)
            #expect(error?.description.contains(Self.sessionToken) == false)
            #expect(try platform.requests().isEmpty)
        }
    }

    @Test("Before expiry the Markdown reply is posted with DingTalk's body shape")
    func postsMarkdown() async throws {
        try await OutboundFakePlatform.with { (platform) async throws in
            let clock = OutboundTestClock()
            let replier = DingTalkSessionReplier(transport: CurlTransport(), now: { clock.now })
            // sessionWebhookExpiredTime arrives in milliseconds.
            let webhook = DingTalkSessionWebhook(
                url: platform.baseURL + "/robot/sendBySession?session=\(Self.sessionToken)",
                expiredTimeMilliseconds: Int64(clock.now.timeIntervalSince1970 * 1_000) + 5_400_000)
            let text = "#### 政策解答\n您好！新认定的国家高新技术企业可享受企业所得税减按15%征收等优惠。"
            try await replier.replyMarkdown(title: "政策解答", text: text, atUserIDs: ["zhangsan"], to: webhook)

            let recorded = try #require(try platform.requests().first)
            #expect(recorded.method == "POST")
            #expect(recorded.query == "session=\(Self.sessionToken)")
            #expect(recorded.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(recorded.json["msgtype"] as? String == "markdown")
            #expect(recorded.json["markdown"] as? [String: String] == ["title": "政策解答", "text": text])
            #expect(recorded.json["at"] as? [String: [String]] == ["atUserIds": ["zhangsan"]])
        }
    }

    @Test("A text reply without mentions has no at object")
    func postsText() async throws {
        try await OutboundFakePlatform.with { (platform) async throws in
            let replier = DingTalkSessionReplier(transport: CurlTransport())
            try await replier.replyText("您好", to: Self.webhook(platform, expiresAt: Date().addingTimeInterval(600)))
            let recorded = try #require(try platform.requests().first)
            #expect(recorded.json["msgtype"] as? String == "text")
            #expect(recorded.json["text"] as? [String: String] == ["content": "您好"])
            #expect(recorded.json["at"] == nil)
        }
    }

    @Test("errcode 300001 is reported as a gone session, without the session token")
    func sessionGoneAnswer() async throws {
        try await OutboundFakePlatform.with { (platform) async throws in
            try await platform.script(
                "/robot/sendBySession", [.init(body: #"{"errcode":300001,"errmsg":"session 不存在"}"#)])
            let replier = DingTalkSessionReplier(transport: CurlTransport())
            let error = await outboundCaught { () async throws(DingTalkReplyError) in
                try await replier.replyText("x", to: Self.webhook(platform, expiresAt: Date().addingTimeInterval(600)))
            }
            #expect(error == .api(httpStatus: 200, code: 300_001, message: "session 不存在"))
            #expect(error?.isSessionGone == true)
            #expect(error?.description.contains(Self.sessionToken) == false)
            let webhook = Self.webhook(platform, expiresAt: Date())
            var dumped = ""
            dump(webhook, to: &dumped)
            #expect(!"\(webhook) \(dumped)".contains(Self.sessionToken))
        }
    }

    @Test("By default a failed post is not repeated, since it may already have been delivered")
    func noRetryByDefault() async throws {
        try await OutboundFakePlatform.with { (platform) async throws in
            try await platform.script("/robot/sendBySession", [.init(status: 503)])
            let replier = DingTalkSessionReplier(transport: CurlTransport())
            let error = await outboundCaught { () async throws(DingTalkReplyError) in
                try await replier.replyText("x", to: Self.webhook(platform, expiresAt: Date().addingTimeInterval(600)))
            }
            #expect(error == .unexpectedResponse(httpStatus: 503))
            #expect(try platform.requests().count == 1)
        }
    }
}
