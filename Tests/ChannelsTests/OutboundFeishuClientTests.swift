import Channels
import Foundation
import TestSupport
import Testing

/// ``FeishuClient`` against the fake Feishu open API, which issues and validates tokens.
@Suite("FeishuClient")
struct OutboundFeishuClientTests {
    /// The default policy's rules with test-sized delays.
    static let quick = RetryPolicy(
        maxAttempts: 3, initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(50),
        rateLimitRules: [.tooManyRequests, .jsonCode("code", in: FeishuClient.rateLimitCodes)])

    /// A client for the fake, optionally with a wrong secret or a hand-moved clock.
    static func client(
        _ platform: FakePlatform,
        secret: String = OutboundFakeSecrets.feishuAppSecret,
        clock: ManualClock? = nil
    ) -> FeishuClient {
        FeishuClient(
            apiBase: platform.baseURL + "/", appID: OutboundFakeSecrets.feishuAppID, appSecret: secret,
            transport: CurlTransport(), retryPolicy: quick, timeout: .seconds(5),
            now: { clock?.now() ?? Date() })
    }

    @Test("Twenty concurrent replies share one token fetch and carry the documented body")
    func concurrentRepliesShareOneFetch() async throws {
        try await FakePlatform.with(.outbound(tokenDelay: .milliseconds(300))) { (platform) async throws in
            let client = Self.client(platform)
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        try await client.reply(
                            messageID: "om_question_\(index)", text: "答复 \(index) \"quoted\"",
                            idempotencyKey: "reply-evt-\(index)")
                    }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(ids.count == 20)
            #expect(ids.allSatisfy { $0.hasPrefix("om_reply_") })

            let tokenFetches = platform.requests(pathPrefix: "/open-apis/auth/v3/tenant_access_token/internal")
            #expect(tokenFetches.count == 1)
            let fetch = try #require(tokenFetches.first)
            #expect(fetch.json["app_id"] as? String == OutboundFakeSecrets.feishuAppID)
            #expect(fetch.json["app_secret"] as? String == OutboundFakeSecrets.feishuAppSecret)
            #expect(fetch.header("Content-Type") == "application/json; charset=utf-8")

            let replies = platform.requests(pathPrefix: "/open-apis/im/v1/messages/")
            #expect(replies.count == 20)
            #expect(replies.allSatisfy { $0.header("Authorization") == "Bearer t-1" })
            let first = try #require(replies.first { $0.path == "/open-apis/im/v1/messages/om_question_3/reply" })
            #expect(first.json["msg_type"] as? String == "text")
            #expect(first.json["reply_in_thread"] as? Bool == false)
            #expect(first.json["uuid"] as? String == "reply-evt-3")
            // content is a JSON string that itself decodes to {"text": …}.
            let content = try #require(first.json["content"] as? String)
            let inner = try JSONSerialization.jsonObject(with: Data(content.utf8)) as? [String: String]
            #expect(inner == ["text": "答复 3 \"quoted\""])
        }
    }

    @Test("The token is cached until shortly before it expires, then fetched anew")
    func tokenCachedUntilNearExpiry() async throws {
        try await FakePlatform.with(.outbound(tokenLifetime: 7_200)) { (platform) async throws in
            let clock = ManualClock(Date(timeIntervalSince1970: 1_732_500_000))
            let client = Self.client(platform, clock: clock)
            #expect(try await client.tenantAccessToken() == "t-1")
            clock.advance(by: 3_600)
            #expect(try await client.tenantAccessToken() == "t-1")
            _ = try await client.reply(messageID: "om_a", text: "a")
            // 10 minutes before expiry the cached token is replaced.
            clock.advance(by: 3_600 - 600 + 1)
            #expect(try await client.tenantAccessToken() == "t-2")
            #expect(platform.requests(pathPrefix: "/open-apis/auth/").count == 2)
        }
    }

    @Test("A short-lived token is reused for half its life, not refetched every call")
    func shortLivedToken() async throws {
        try await FakePlatform.with(.outbound(tokenLifetime: 60)) { (platform) async throws in
            let clock = ManualClock(Date(timeIntervalSince1970: 1_732_500_000))
            let client = Self.client(platform, clock: clock)
            #expect(try await client.tenantAccessToken() == "t-1")
            clock.advance(by: 29)
            #expect(try await client.tenantAccessToken() == "t-1")
            clock.advance(by: 2)
            #expect(try await client.tenantAccessToken() == "t-2")
        }
    }

    @Test("An invalid-token answer drops the token, fetches a new one and retries the reply once")
    func refreshAfterInvalidToken() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            let client = Self.client(platform)
            _ = try await client.reply(messageID: "om_before", text: "before")
            platform.revokeFeishuTokens()
            let id = try await client.reply(messageID: "om_after", text: "after", idempotencyKey: "reply-after")
            #expect(id.hasPrefix("om_reply_"))

            #expect(platform.requests(pathPrefix: "/open-apis/auth/").count == 2)
            let afterAttempts = platform.requests(pathPrefix: "/open-apis/im/v1/messages/om_after/")
            #expect(afterAttempts.map { $0.header("Authorization") } == ["Bearer t-1", "Bearer t-2"])
            // The retry keeps the idempotency key, so Feishu cannot post twice.
            #expect(afterAttempts.map { $0.json["uuid"] as? String } == ["reply-after", "reply-after"])
        }
    }

    @Test("Concurrent callers hit by the same revocation cause one refetch, not one each")
    func concurrentRevocationSingleRefetch() async throws {
        try await FakePlatform.with(.outbound(tokenDelay: .milliseconds(200))) { (platform) async throws in
            let client = Self.client(platform)
            _ = try await client.tenantAccessToken()
            platform.revokeFeishuTokens()
            try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<10 {
                    group.addTask { try await client.reply(messageID: "om_r\(index)", text: "r") }
                }
                try await group.waitForAll()
            }
            #expect(platform.requests(pathPrefix: "/open-apis/auth/").count == 2)
        }
    }

    @Test("A token that keeps being rejected surfaces as an error after one refresh")
    func persistentRejection() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            let rejection = FakePlatform.Reply(
                status: 400, body: #"{"code":99991663,"msg":"Invalid access token"}"#)
            platform.script("/open-apis/im/v1/messages/*", [rejection, rejection, rejection])
            let client = Self.client(platform)
            await #expect(
                throws: FeishuClientError.api(
                    .reply, httpStatus: 400, code: 99_991_663, message: "Invalid access token")
            ) {
                try await client.reply(messageID: "om_x", text: "x")
            }
            #expect(platform.requests(pathPrefix: "/open-apis/im/").count == 2)
            #expect(platform.requests(pathPrefix: "/open-apis/auth/").count == 2)
        }
    }

    @Test("503 then success: the reply is retried with backoff")
    func retryOn503() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            platform.script(
                "/open-apis/im/v1/messages/om_busy/reply", [.init(status: 503), .init(status: 502)])
            let id = try await Self.client(platform).reply(messageID: "om_busy", text: "x")
            #expect(id.hasPrefix("om_reply_"))
            #expect(platform.requests(pathPrefix: "/open-apis/im/").count == 3)
        }
    }

    @Test("A Feishu rate-limit code is retried like a 5xx")
    func retryOnRateLimitCode() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            platform.script(
                "/open-apis/im/v1/messages/om_limit/reply",
                [.init(status: 400, body: #"{"code":99991400,"msg":"request trigger frequency limit"}"#)])
            _ = try await Self.client(platform).reply(messageID: "om_limit", text: "x")
            #expect(platform.requests(pathPrefix: "/open-apis/im/").count == 2)
        }
    }

    @Test("400 with an ordinary error code is not retried and carries Feishu's message")
    func noRetryOn400() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            platform.script(
                "/open-apis/im/v1/messages/om_gone/reply",
                [.init(status: 400, body: #"{"code":230011,"msg":"The message was withdrawn."}"#)])
            let error = await outboundCaught { () async throws(FeishuClientError) in
                _ = try await Self.client(platform).reply(messageID: "om_gone", text: "x")
            }
            #expect(error == .api(.reply, httpStatus: 400, code: 230_011, message: "The message was withdrawn."))
            #expect(error?.code == 230_011)
            #expect(error?.description.contains("The message was withdrawn.") == true)
            #expect(platform.requests(pathPrefix: "/open-apis/im/").count == 1)
        }
    }

    @Test("Feishu's error text that echoes the request's token and secret reaches no message")
    func echoedTokenIsRedacted() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            let client = Self.client(platform)
            let token = try await client.tenantAccessToken()
            let echo = "bad request: Authorization: Bearer \(token); app_secret=\(OutboundFakeSecrets.feishuAppSecret)"
            platform.script(
                "/open-apis/im/v1/messages/om_echo/reply",
                [.init(status: 400, body: #"{"code":230001,"msg":"\#(echo)"}"#)])
            let error = await outboundCaught { () async throws(FeishuClientError) in
                _ = try await client.reply(messageID: "om_echo", text: "x")
            }
            let text = "\(String(describing: error)) \(String(reflecting: error))"
            #expect(error?.code == 230_001)
            #expect(!text.contains(token), "\(text)")
            #expect(!text.contains(OutboundFakeSecrets.feishuAppSecret), "\(text)")
            #expect(text.contains("Bearer [redacted]"))
        }
    }

    @Test("A wrong app secret fails the token fetch without the secret in the message")
    func badSecretIsNotLeaked() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            let wrongSecret = "WrongSecret-never-print-me-99"
            let client = Self.client(platform, secret: wrongSecret)
            let error = await outboundCaught { () async throws(FeishuClientError) in
                _ = try await client.reply(messageID: "om_x", text: "x")
            }
            #expect(error == .api(.fetchToken, httpStatus: 200, code: 10_014, message: "app secret invalid"))
            let text = "\(String(describing: error)) \(String(reflecting: error))"
            var dumped = ""
            dump(client, to: &dumped)
            #expect(!text.contains(wrongSecret))
            #expect(!dumped.contains(wrongSecret))
            #expect(dumped.contains(OutboundFakeSecrets.feishuAppID))
            #expect(text.contains("App Secret"))
            #expect(platform.requests(pathPrefix: "/open-apis/im/").isEmpty)
        }
    }

    @Test("An unreachable API gives a transport error naming the operation")
    func unreachable() async throws {
        let port = try closedPort()
        let client = FeishuClient(
            apiBase: "http://127.0.0.1:\(port)", appID: "cli_x", appSecret: "s",
            transport: CurlTransport(), retryPolicy: .none)
        let error = await outboundCaught { () async throws(FeishuClientError) in
            _ = try await client.reply(messageID: "om_x", text: "x")
        }
        guard let error, case .transport(.fetchToken, .connectionFailed) = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(error.description.hasPrefix("Feishu: fetching the tenant_access_token failed"))
    }
}
