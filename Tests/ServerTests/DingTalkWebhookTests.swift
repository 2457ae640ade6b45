import Channels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

/// `POST /webhooks/dingtalk` through the real router, signed with the real verifier's algorithm.
struct DingTalkWebhookTests {
    let peer = DingTalkPeer()

    static func answersComputed(_ client: any TestClientProtocol) async throws -> Double {
        try await client.metrics().sum("policydesk_match_outcomes_total", ["channel": "dingtalk"])
    }

    /// The Markdown text of a synchronous reply body.
    static func markdownText(_ response: TestResponse) throws -> String {
        let json = response.json
        #expect(json["msgtype"] as? String == "markdown", "reply: \(response.text)")
        let markdown = try #require(json["markdown"] as? [String: Any])
        #expect((markdown["title"] as? String)?.isEmpty == false)
        return try #require(markdown["text"] as? String)
    }

    @Test func aFreshlySignedMessageGetsAMarkdownReply() async throws {
        try await TestServer.run { client, _ in
            let body = DingTalkPeer.body(text: "规上企业新认定高企能拿多少钱", msgID: "msgServerTests0001==")
            let response = try await client.postJSON("/webhooks/dingtalk", body, headers: peer.headers())
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let text = try Self.markdownText(response)
            #expect(text.contains("区工信和科技局"))
            #expect(text.contains("20万"))
            #expect(try await Self.answersComputed(client) == 1)
        }
    }

    /// The vector's request, evaluated at the vector's own clock.
    @Test(arguments: ["dingtalk.outgoing.request.ok", "dingtalk.outgoing.request.sign_with_plus_slash.ok"])
    func positiveVectorsAreAnsweredAtTheirClock(_ id: String) async throws {
        let input = try Vectors.input(id, in: "dingtalk")
        let nowMs = try #require(input["now_ms"] as? Int)
        let body = try #require(input["body"] as? String)
        let headers = httpFields(input["headers"] as? [String: Any])
        let now = Date(timeIntervalSince1970: Double(nowMs) / 1000)
        try await TestServer.run(now: { now }) { client, _ in
            let response = try await client.postJSON("/webhooks/dingtalk", body, headers: headers)
            #expect(response.status == .ok)
            #expect(try Self.markdownText(response).contains("区工信和科技局"))
        }
    }

    @Test func aBadSignIs401AndNotAnswered() async throws {
        try await TestServer.run { client, _ in
            let body = DingTalkPeer.body(text: "新认定的高企能拿多少钱", msgID: "msgServerTests0002==")
            let forged = DingTalkPeer(secret: "not-the-app-secret").headers()
            let response = try await client.postJSON("/webhooks/dingtalk", body, headers: forged)
            #expect(response.status == .unauthorized)
            #expect(response.json["error"] is String)
            #expect(try await Self.answersComputed(client) == 0)
            // The refused request claimed nothing: the genuine one with the same msgId is answered.
            let genuine = try await client.postJSON("/webhooks/dingtalk", body, headers: peer.headers())
            #expect(genuine.status == .ok)
            #expect(try await Self.answersComputed(client) == 1)
        }
    }

    @Test(arguments: [-2 * 3_600_000, 2 * 3_600_000])
    func aTimestampTwoHoursOffIs401EvenWhenCorrectlySigned(_ offsetMs: Int) async throws {
        try await TestServer.run { client, _ in
            let stale = Int64(Date().timeIntervalSince1970 * 1000) + Int64(offsetMs)
            let body = DingTalkPeer.body(text: "新认定的高企能拿多少钱", msgID: "msgServerTests0003==")
            let response = try await client.postJSON(
                "/webhooks/dingtalk", body, headers: peer.headers(timestampMs: stale))
            #expect(response.status == .unauthorized)
            #expect(try await Self.answersComputed(client) == 0)
        }
    }

    @Test(arguments: [
        ("dingtalk.outgoing.neg.bad_sign", 401),
        ("dingtalk.outgoing.neg.stale_timestamp", 401),
        ("dingtalk.outgoing.neg.future_timestamp", 401),
        ("dingtalk.outgoing.neg.missing_headers", 400),
        ("dingtalk.outgoing.neg.non_numeric_timestamp", 400),
    ])
    func negativeVectorsAreRefusedAtTheirClock(_ id: String, _ status: Int) async throws {
        let input = try Vectors.input(id, in: "dingtalk")
        let now = Date(timeIntervalSince1970: Double(try #require(input["now_ms"] as? Int)) / 1000)
        let body = try #require(input["body"] as? String)
        let headers = httpFields(input["headers"] as? [String: Any])
        try await TestServer.run(now: { now }) { client, _ in
            let response = try await client.postJSON("/webhooks/dingtalk", body, headers: headers)
            #expect(Int(response.status.code) == status)
            #expect(try await Self.answersComputed(client) == 0)
        }
    }

    @Test func missingHeadersAre400() async throws {
        try await TestServer.run { client, _ in
            let body = DingTalkPeer.body(text: "新认定的高企能拿多少钱", msgID: "msgServerTests0004==")
            let unsigned = try await client.postJSON("/webhooks/dingtalk", body)
            #expect(unsigned.status == .badRequest)
            var onlyTimestamp = peer.headers()
            onlyTimestamp[HTTPField.Name("sign")!] = nil
            #expect(try await client.postJSON("/webhooks/dingtalk", body, headers: onlyTimestamp).status == .badRequest)
        }
    }

    @Test(arguments: ["{not json", "[]", #"{"msgtype":"text"}"#, ""])
    func malformedBodiesAre400(_ body: String) async throws {
        try await TestServer.run { client, _ in
            let response = try await client.postJSON("/webhooks/dingtalk", body, headers: peer.headers())
            #expect(response.status == .badRequest)
            #expect(response.json["error"] is String)
        }
    }

    @Test func theSameMsgIdTwiceGetsTheSameReplyOnce() async throws {
        try await TestServer.run { client, _ in
            let body = DingTalkPeer.body(text: "新认定的高企能拿多少钱", msgID: "msgServerTests0005==")
            let first = try await client.postJSON("/webhooks/dingtalk", body, headers: peer.headers())
            let second = try await client.postJSON("/webhooks/dingtalk", body, headers: peer.headers())
            #expect(first.status == .ok)
            #expect(second.status == .ok)
            #expect(first.text == second.text)
            #expect(try Self.markdownText(first).contains("区工信和科技局"))
            #expect(try await Self.answersComputed(client) == 1)
        }
    }

    @Test func concurrentDeliveriesOfOneMsgIdAreAnsweredOnce() async throws {
        let body = DingTalkPeer.body(text: "新认定的高企能拿多少钱", msgID: "msgServerTests0009==")
        let headers = peer.headers()
        try await TestServer.run { client, _ in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await client.postJSON("/webhooks/dingtalk", body, headers: headers).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: .ok, count: 8))
            #expect(try await Self.answersComputed(client) == 1)
        }
    }

    /// The dedupe key is the msgId alone: the same sender asking the same thing again in the
    /// same group is a new message and must be answered.
    @Test func twoMessagesWithTheSameTextButDifferentMsgIdsAreBothAnswered() async throws {
        try await TestServer.run { client, _ in
            let one = DingTalkPeer.body(text: "新认定的高企能拿多少钱", msgID: "msgServerTests0006==")
            let two = DingTalkPeer.body(text: "新认定的高企能拿多少钱", msgID: "msgServerTests0007==")
            let first = try await client.postJSON("/webhooks/dingtalk", one, headers: peer.headers())
            let second = try await client.postJSON("/webhooks/dingtalk", two, headers: peer.headers())
            #expect(try Self.markdownText(first).contains("区工信和科技局"))
            #expect(try Self.markdownText(second).contains("区工信和科技局"))
            #expect(try await Self.answersComputed(client) == 2)
        }
    }

    @Test func aPictureGetsThePoliteTextOnlyReply() async throws {
        try await TestServer.run { client, _ in
            var object = try #require(
                try JSONSerialization.jsonObject(
                    with: Data(DingTalkPeer.body(text: "x", msgID: "msgServerTests0008==").utf8))
                    as? [String: Any])
            object["msgtype"] = "picture"
            object["text"] = nil
            object["content"] = ["downloadCode": "abc", "pictureDownloadCode": "def"]
            let body = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            let response = try await client.postJSON("/webhooks/dingtalk", body, headers: peer.headers())
            #expect(response.status == .ok)
            #expect(try Self.markdownText(response).contains("文字"))
            #expect(try await Self.answersComputed(client) == 0)
        }
    }
}
