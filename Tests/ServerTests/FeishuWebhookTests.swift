import Channels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import Server

/// `POST /webhooks/feishu` through the real router; replies go out through the real
/// `FeishuReplyService` and libcurl transport to a fake Feishu API on 127.0.0.1.
struct FeishuWebhookTests {
    let peer = FeishuPeer()

    static func answersComputed(_ client: any TestClientProtocol) async throws -> Double {
        try await client.metrics().sum("policydesk_match_outcomes_total", ["channel": "feishu"])
    }

    /// Runs the server with Feishu's API pointed at a fresh fake.
    static func withFakeAPI(
        now: @escaping @Sendable () -> Date = { Date() },
        _ body: @Sendable (any TestClientProtocol, FakePlatform) async throws -> Void
    ) async throws {
        let app = FakePlatform.FeishuApp(appID: Secrets.feishuAppID, appSecret: Secrets.feishuAppSecret)
        try await FakePlatform.with(.init(feishuApp: app)) { fake in
            try await TestServer.run(configure: { $0.feishuAPIBase = fake.baseURL }, now: now) { client, _ in
                try await body(client, fake)
            }
        }
    }

    // MARK: URL verification

    @Test(arguments: ["feishu.url_verification.plain.ok", "feishu.url_verification.encrypted.ok"])
    func urlVerificationVectorsGetTheChallenge(_ id: String) async throws {
        let input = try Vectors.input(id, in: "feishu")
        let expected = try Vectors.expected(id, in: "feishu")
        let challenge = try #require((expected["response_json"] as? [String: Any])?["challenge"] as? String)
        let body = try #require(input["body"] as? String)
        let headers = httpFields(input["headers"] as? [String: Any])
        try await TestServer.run { client, _ in
            let response = try await client.postJSON("/webhooks/feishu", body, headers: headers)
            #expect(response.status == .ok)
            #expect(response.json["challenge"] as? String == challenge)
            #expect(response.json.count == 1, "only the challenge, in plaintext: \(response.text)")
        }
    }

    @Test func urlVerificationWithAWrongTokenIs401() async throws {
        try await TestServer.run { client, _ in
            let body = #"{"challenge":"c1","token":"not-our-token","type":"url_verification"}"#
            let response = try await client.postJSON("/webhooks/feishu", body)
            #expect(response.status == .unauthorized)
            #expect(response.json["challenge"] == nil)
        }
    }

    // MARK: Messages

    @Test func anEncryptedSignedMessageIsRepliedToThroughTheAPI() async throws {
        try await Self.withFakeAPI { client, fake in
            let event = peer.messageEvent(
                text: "规上企业新认定高企能拿多少钱", eventID: "ev_servertests_0001", messageID: "om_servertests_0001")
            let body = try peer.envelope(event)
            let response = try await client.postJSON("/webhooks/feishu", body, headers: peer.headers(for: body))
            #expect(response.status == .ok)
            #expect(response.json["msg"] as? String == "success")

            let arrived = await eventually { fake.feishuReplies.count == 1 }
            #expect(arrived, "no reply reached the fake Feishu API")
            let call = try #require(fake.feishuReplies.first)
            #expect(call.messageID == "om_servertests_0001")
            #expect(call.authorization == "Bearer t-1")
            #expect(call.json["msg_type"] as? String == "text")
            #expect(call.json["uuid"] as? String == "reply-ev_servertests_0001")
            let text = try #require(call.text)
            #expect(text.contains("区工信和科技局"))
            #expect(text.contains("20万"))
            #expect(fake.feishuTokensIssued == 1)
            #expect(fake.feishuTokensRefused == 0)
        }
    }

    @Test func theSameEventIDAgainIsNotRepliedToTwice() async throws {
        try await Self.withFakeAPI { client, fake in
            let event = peer.messageEvent(
                text: "新认定的高企能拿多少钱", eventID: "ev_servertests_0002", messageID: "om_servertests_0002")
            // Feishu's retry carries the same event; the envelope and signature may be new.
            let first = try peer.envelope(event)
            let retry = try peer.envelope(event)
            #expect(
                try await client.postJSON("/webhooks/feishu", first, headers: peer.headers(for: first)).status == .ok)
            #expect(await eventually { fake.feishuReplies.count == 1 })
            let again = try await client.postJSON("/webhooks/feishu", retry, headers: peer.headers(for: retry))
            #expect(again.status == .ok)
            #expect(again.json["msg"] as? String == "success")
            try await Task.sleep(for: .milliseconds(500))
            #expect(fake.feishuReplies.count == 1)
            #expect(try await Self.answersComputed(client) == 1)
        }
    }

    @Test func twoEventsForTwoMessagesAreBothReplied() async throws {
        try await Self.withFakeAPI { client, fake in
            for n in 3...4 {
                let event = peer.messageEvent(
                    text: "新认定的高企能拿多少钱", eventID: "ev_servertests_000\(n)", messageID: "om_servertests_000\(n)")
                let body = try peer.envelope(event)
                #expect(
                    try await client.postJSON("/webhooks/feishu", body, headers: peer.headers(for: body)).status == .ok)
            }
            #expect(await eventually { fake.feishuReplies.count == 2 })
            #expect(Set(fake.feishuReplies.map(\.messageID)) == ["om_servertests_0003", "om_servertests_0004"])
            // One token served both replies.
            #expect(fake.feishuTokensIssued == 1)
        }
    }

    /// The vector's own event, at the vector's clock, reaches the fake API as a reply.
    @Test func theMessageVectorIsRepliedToAtItsClock() async throws {
        let input = try Vectors.input("feishu.event.im_message_receive_v1.encrypted.ok", in: "feishu")
        let headers = httpFields(input["headers"] as? [String: Any])
        let body = try #require(input["body"] as? String)
        let now = Date(timeIntervalSince1970: 1_732_500_000)
        try await Self.withFakeAPI(now: { now }) { client, fake in
            let response = try await client.postJSON("/webhooks/feishu", body, headers: headers)
            #expect(response.status == .ok)
            #expect(await eventually { fake.feishuReplies.count == 1 })
            let call = try #require(fake.feishuReplies.first)
            #expect(call.messageID == "om_dc13264520392913993dd051dba21dcf")
            #expect(call.text?.contains("区工信和科技局") == true)
        }
    }

    @Test func aBadSignatureIs401AndNothingIsSent() async throws {
        try await Self.withFakeAPI { client, fake in
            let event = peer.messageEvent(
                text: "新认定的高企能拿多少钱", eventID: "ev_servertests_0005", messageID: "om_servertests_0005")
            let body = try peer.envelope(event)
            let forged = peer.headers(for: body, signature: String(repeating: "a", count: 64))
            let response = try await client.postJSON("/webhooks/feishu", body, headers: forged)
            #expect(response.status == .unauthorized)
            // A body signed with another Encrypt Key fails the same way.
            let otherKey = FeishuPeer(encryptKey: "another-encrypt-key")
            let otherBody = try otherKey.envelope(event)
            let other = try await client.postJSON(
                "/webhooks/feishu", otherBody, headers: otherKey.headers(for: otherBody))
            #expect(other.status == .unauthorized)
            // Unsigned events are refused while an Encrypt Key is configured.
            #expect(try await client.postJSON("/webhooks/feishu", body).status == .unauthorized)
            try await Task.sleep(for: .milliseconds(300))
            #expect(fake.feishuReplies.isEmpty)
            #expect(try await Self.answersComputed(client) == 0)
        }
    }

    @Test func aWrongVerificationTokenIs401() async throws {
        try await Self.withFakeAPI { client, fake in
            let event = peer.messageEvent(
                text: "新认定的高企能拿多少钱", eventID: "ev_servertests_0006", messageID: "om_servertests_0006",
                token: "wrong-token")
            let body = try peer.envelope(event)
            let response = try await client.postJSON("/webhooks/feishu", body, headers: peer.headers(for: body))
            #expect(response.status == .unauthorized)
            try await Task.sleep(for: .milliseconds(300))
            #expect(fake.feishuReplies.isEmpty)
            #expect(try await Self.answersComputed(client) == 0)
        }
    }

    @Test func aTimestampTwoDaysOldIs401() async throws {
        try await TestServer.run { client, _ in
            let event = peer.messageEvent(
                text: "新认定的高企能拿多少钱", eventID: "ev_servertests_0007", messageID: "om_servertests_0007")
            let body = try peer.envelope(event)
            let old = Int64(Date().timeIntervalSince1970) - 2 * 86_400
            let response = try await client.postJSON(
                "/webhooks/feishu", body, headers: peer.headers(for: body, timestamp: old))
            #expect(response.status == .unauthorized)
        }
    }

    @Test(arguments: [
        ("feishu.event.neg.bad_signature", 401),
        ("feishu.event.neg.body_reserialized", 401),
        ("feishu.event.neg.wrong_verification_token", 401),
        ("feishu.event.neg.bad_padding", 400),
        ("feishu.event.neg.truncated_base64", 400),
        ("feishu.event.neg.invalid_base64", 400),
        ("feishu.event.neg.wrong_encrypt_key", 401),
        ("feishu.event.neg.stale_timestamp", 401),
    ])
    func negativeVectorsAreRefused(_ id: String, _ status: Int) async throws {
        let input = try Vectors.input(id, in: "feishu")
        #expect(try Vectors.expected(id, in: "feishu")["http_status"] as? Int == status, "the vector file changed")
        let now = Date(timeIntervalSince1970: Double(input["now_s"] as? Int ?? 1_732_500_000))
        let body = try #require(input["body"] as? String)
        let headers = httpFields(input["headers"] as? [String: Any])
        // That vector is valid for the vectors' key, sent to a server configured with another.
        let otherKey = id == "feishu.event.neg.wrong_encrypt_key"
        try await TestServer.run(
            configure: { if otherKey { $0.feishu?.encryptKey = "AnotherEncryptKey2024" } }, now: { now }
        ) {
            client, _ in
            let response = try await client.postJSON("/webhooks/feishu", body, headers: headers)
            #expect(Int(response.status.code) == status, "body: \(response.text)")
            #expect(try await Self.answersComputed(client) == 0)
        }
    }

    @Test(arguments: ["{not json", #"{"encrypt": 5}"#, ""])
    func malformedBodiesAre400(_ body: String) async throws {
        try await TestServer.run { client, _ in
            let response = try await client.postJSON("/webhooks/feishu", body)
            #expect(response.status == .badRequest)
        }
    }
}
