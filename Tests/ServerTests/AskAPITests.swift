import Channels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

/// `/healthz`, `/metrics` and `POST /v1/ask` through the real router.
struct AskAPITests {
    /// The keys INTERFACES.md gives the answer object.
    static let interfaceKeys: Set<String> = [
        "matched", "clause", "item", "title", "confidence", "amount", "needs", "leader", "leadUnit", "units",
        "checklist",
        "reply", "alternatives",
    ]
    /// Keys the server adds beyond the interface (allowed: "extend them freely"). Listed so that
    /// any other addition or any rename fails the test.
    static let extensionKeys: Set<String> = ["kind"]

    @Test func healthzAnswersOK() async throws {
        try await TestServer.run { client, _ in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
            #expect(response.text == "ok")
        }
    }

    @Test func metricsCountRequestsByRouteAndStatus() async throws {
        try await TestServer.run { client, _ in
            _ = try await client.execute(uri: "/healthz", method: .get)
            _ = try await client.execute(uri: "/healthz", method: .get)
            _ = try await client.postJSON("/v1/ask", "{}")
            let metrics = try await client.metrics()
            #expect(metrics.text.contains("policydesk_requests_total"))
            #expect(metrics.sum("policydesk_requests_total", ["route": "/healthz", "status": "200"]) == 2)
            #expect(metrics.sum("policydesk_requests_total", ["route": "/v1/ask", "status": "400"]) == 1)
            #expect(metrics.text.contains("policydesk_request_duration_seconds"))
        }
    }

    @Test func askReturnsTheAnswerObjectWithTheInterfaceKeys() async throws {
        try await TestServer.run { client, _ in
            let response = try await client.ask("规上企业新认定高企能拿多少钱")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let answer = response.json
            let keys = Set(answer.keys)
            #expect(Self.interfaceKeys.isSubset(of: keys), "missing: \(Self.interfaceKeys.subtracting(keys))")
            #expect(
                keys.subtracting(Self.interfaceKeys).isSubset(of: Self.extensionKeys),
                "unexpected: \(keys.subtracting(Self.interfaceKeys))")
            #expect(answer["matched"] as? Bool == true)
            #expect(answer["clause"] as? Int == 12)
            #expect(answer["item"] as? String == "12.2")
            #expect(answer["leadUnit"] as? String == "区工信和科技局")
            let amount = try #require(answer["amount"] as? [String: Any])
            #expect(Set(amount.keys) == ["yuan", "maxYuan", "perYear", "formula"])
            #expect(amount["yuan"] as? Int == 200_000)
            #expect(amount["perYear"] as? Bool == false)
            #expect((answer["needs"] as? [Any])?.isEmpty == true)
            #expect((answer["reply"] as? String)?.contains("区工信和科技局") == true)
            #expect(answer["alternatives"] is [Any])
        }
    }

    @Test func outOfScopeHasNullsWhereTheInterfaceSaysSo() async throws {
        try await TestServer.run { client, _ in
            let answer = try await client.ask("明天鄂尔多斯天气怎么样").json
            #expect(answer["matched"] as? Bool == false)
            for key in ["clause", "item", "amount", "leadUnit"] {
                #expect(answer[key] is NSNull, "\(key) must be null when out of scope")
            }
            #expect((answer["reply"] as? String)?.isEmpty == false)
        }
    }

    @Test func missingTextIsA400WithAJSONError() async throws {
        try await TestServer.run { client, _ in
            let response = try await client.postJSON("/v1/ask", #"{"user":"u1"}"#)
            #expect(response.status == .badRequest)
            let error = try #require(response.json["error"] as? String)
            #expect(error.contains("text"))
        }
    }

    @Test(arguments: [#"{"text": "新认定的高企"#, "not json at all", #"["text"]"#, #"{"text": 42}"#, ""])
    func malformedJSONIsA400(_ body: String) async throws {
        try await TestServer.run { client, _ in
            let response = try await client.postJSON("/v1/ask", body)
            #expect(response.status == .badRequest)
            #expect(response.json["error"] is String, "body: \(response.text)")
        }
    }

    @Test func oversizeBodyIsA413WithAJSONError() async throws {
        try await TestServer.run { client, _ in
            let text = String(repeating: "高", count: 23_000)  // 69,000 bytes of UTF-8
            let response = try await client.postJSON("/v1/ask", #"{"text":"\#(text)"}"#)
            #expect(response.status == .contentTooLarge)
            #expect((response.json["error"] as? String)?.contains("65536") == true, "body: \(response.text)")
            // Just under the limit is still answered.
            let fits = String(repeating: "高", count: 21_000)
            #expect(try await client.postJSON("/v1/ask", #"{"text":"\#(fits)"}"#).status == .ok)
        }
    }

    @Test func aBurstFromOneUserIsRateLimitedPolitelyAndOthersAreNot() async throws {
        // The clock stands still, so no token comes back during the burst however slow the
        // machine: 20 a minute allows a burst of 10, and exactly the other 20 are limited.
        let frozen = Date(timeIntervalSince1970: 1_790_000_000)
        try await TestServer.run(now: { frozen }) { client, _ in
            var statuses: [HTTPResponse.Status] = []
            var lastLimited: TestResponse?
            for _ in 0..<30 {
                let response = try await client.ask("新认定的高企能拿多少钱", user: "flooder")
                statuses.append(response.status)
                if response.status == .tooManyRequests { lastLimited = response }
            }
            #expect(statuses.first == .ok)
            let limited = try #require(lastLimited, "30 questions in a row were never limited")
            #expect(limited.json["error"] as? String == AnswerService.slowDown)
            #expect(statuses.prefix(10).allSatisfy { $0 == .ok })
            #expect(statuses.filter { $0 == .tooManyRequests }.count == 20)
            // Someone else is still answered at once.
            let other = try await client.ask("规上企业新认定高企能拿多少钱", user: "bystander")
            #expect(other.status == .ok)
            #expect((other.json["amount"] as? [String: Any])?["yuan"] as? Int == 200_000)
            let metrics = try await client.metrics()
            #expect(
                metrics.sum("policydesk_match_outcomes_total", ["outcome": "rate_limited", "channel": "api"]) == 20)
            #expect(metrics.sum("policydesk_requests_total", ["route": "/v1/ask", "status": "429"]) == 20)
        }
    }

    @Test func aConversationCarriesOverBetweenCalls() async throws {
        try await TestServer.run { client, _ in
            let first = try await client.ask("新认定的高企能拿多少钱", user: "conv-user")
            #expect(first.status == .ok)
            #expect(first.json["item"] as? String == "12.2")
            #expect(first.json["needs"] as? [String] == ["scale"])
            #expect((first.json["amount"] as? [String: Any])?["yuan"] is NSNull)

            // Another user's half-finished question does not leak into this one.
            _ = try await client.ask("新认定的高企能拿多少钱", user: "someone-else")

            let second = try await client.ask("规上", user: "conv-user")
            #expect(second.status == .ok)
            #expect(second.json["item"] as? String == "12.2")
            #expect((second.json["amount"] as? [String: Any])?["yuan"] as? Int == 200_000)

            let third = try await client.ask("规下", user: "someone-else")
            #expect((third.json["amount"] as? [String: Any])?["yuan"] as? Int == 100_000)
        }
    }

    /// 「规上」 alone already reads as 12.2, so it cannot show that the conversation carried
    /// over; 「规上企业」 alone reads as clause 7, and only the stored conversation makes it 12.2.
    @Test func theFollowUpIsReadInTheConversationNotAlone() async throws {
        try await TestServer.run { client, _ in
            let alone = try await client.ask("规上企业", user: "no-history")
            #expect(alone.json["item"] as? String != "12.2", "「规上企业」 alone now reads as 12.2; pick another follow-up")

            _ = try await client.ask("新认定的高企能拿多少钱", user: "with-history")
            let followUp = try await client.ask("规上企业", user: "with-history")
            #expect(followUp.json["item"] as? String == "12.2")
            #expect((followUp.json["amount"] as? [String: Any])?["yuan"] as? Int == 200_000)
        }
    }

    /// Without a `user`, calls are unrelated: one anonymous caller's half-finished question must
    /// not complete another's, and anonymous callers do not share one rate-limit bucket.
    @Test func anonymousCallsShareNoConversationAndNoRateLimit() async throws {
        try await TestServer.run { client, _ in
            let alone = try await client.ask("规上企业")
            #expect(alone.json["item"] as? String != "12.2")
            _ = try await client.ask("新认定的高企能拿多少钱")
            let stranger = try await client.ask("规上企业")
            #expect(
                stranger.json["item"] as? String == alone.json["item"] as? String,
                "an anonymous caller inherited another's conversation")
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<15 { statuses.append(try await client.ask("科技贷款贴息怎么算").status) }
            #expect(
                statuses.allSatisfy { $0 == .ok },
                "anonymous callers were rate-limited together: \(statuses.map(\.code))")
        }
    }
}
