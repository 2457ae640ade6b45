import Channels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

/// `GET` and `POST /webhooks/wecom` through the real router, with the vectors' secrets and
/// messages encrypted and signed by the real codec.
struct WeComWebhookTests {
    let peer = WeComPeer()

    /// Answers computed for WeCom so far, whatever their kind.
    static func answersComputed(_ client: any TestClientProtocol) async throws -> Double {
        let metrics = try await client.metrics()
        return metrics.sum("policydesk_match_outcomes_total", ["channel": "wecom"])
    }

    // MARK: URL verification

    @Test func urlVerificationVectorIsAnsweredWithThePlaintext() async throws {
        let input = try Vectors.input("wecom.xml.url_verification.ok", in: "wecom")
        let expected = try Vectors.expected("wecom.xml.url_verification.ok", in: "wecom")
        let query = try #require(input["query_string"] as? String)
        let plaintext = try #require(expected["response_body"] as? String)
        try await TestServer.run { client, _ in
            let response = try await client.execute(uri: "/webhooks/wecom?\(query)", method: .get)
            #expect(response.status == .ok)
            #expect(response.text == plaintext)
        }
    }

    @Test func urlVerificationWithABadSignatureIsRefused() async throws {
        let query = try #require(
            try Vectors.input("wecom.xml.neg.url_verification_bad_signature", in: "wecom")["query_string"] as? String)
        try await TestServer.run { client, _ in
            let response = try await client.execute(uri: "/webhooks/wecom?\(query)", method: .get)
            #expect(response.status == .unauthorized)
            #expect(!response.text.contains("8187302516943451723"), "the echo must not be revealed")
            #expect(response.json["error"] is String)
        }
    }

    @Test func urlVerificationWithoutEchostrIsA400() async throws {
        try await TestServer.run { client, _ in
            let response = try await client.execute(
                uri: "/webhooks/wecom?msg_signature=ab&timestamp=1&nonce=2", method: .get)
            #expect(response.status == .badRequest)
        }
    }

    /// Tencent's own sample, whose EncodingAESKey is non-canonical base64, through the server.
    @Test func tencentsOfficialSampleWorksEndToEnd() async throws {
        let input = try Vectors.input("wecom.official_sample.known_answer", in: "wecom")
        let expected = try Vectors.expected("wecom.official_sample.known_answer", in: "wecom")
        let token = try #require(input["token"] as? String)
        let key = try #require(input["encoding_aes_key"] as? String)
        let corp = try #require(input["corp_id"] as? String)
        let verification = try #require(input["url_verification"] as? [String: String])
        let inbound = try #require(input["inbound"] as? [String: String])
        let echoPlaintext = try #require(expected["echostr_plaintext"] as? String)
        let echostr = try #require(
            verification["echostr"]?.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
        try await TestServer.run(configure: { $0.wecom = .init(token: token, aesKey: key, corpID: corp) }) {
            client, _ in
            let get = try await client.execute(
                uri:
                    "/webhooks/wecom?msg_signature=\(verification["msg_signature"]!)&timestamp=\(verification["timestamp"]!)"
                    + "&nonce=\(verification["nonce"]!)&echostr=\(echostr)",
                method: .get)
            #expect(get.status == .ok)
            #expect(get.text == echoPlaintext)

            let post = try await client.execute(
                uri: "/webhooks/wecom?msg_signature=\(inbound["msg_signature"]!)&timestamp=\(inbound["timestamp"]!)"
                    + "&nonce=\(inbound["nonce"]!)",
                method: .post, body: ByteBuffer(string: inbound["body"]!))
            #expect(post.status == .ok)
            let reply = try WeComPeer(token: token, aesKey: key, corpID: corp).open(post.text)
            #expect(reply.toUser == "ChenJiaShun")
            #expect(!reply.content.isEmpty)
        }
    }

    // MARK: Messages

    @Test func theInboundVectorIsAnsweredWithAnEncryptedReply() async throws {
        let input = try Vectors.input("wecom.xml.inbound_text.ok", in: "wecom")
        let query = try #require(input["query_string"] as? String)
        let body = try #require(input["body"] as? String)
        try await TestServer.run { client, _ in
            let response = try await client.execute(
                uri: "/webhooks/wecom?\(query)", method: .post, body: ByteBuffer(string: body))
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.contains("xml") == true)
            let reply = try peer.open(response.text)
            #expect(reply.toUser == "zhangsan")
            #expect(reply.content.contains("区工信和科技局"))
            #expect(WeComPeer.element("FromUserName", in: reply.xml) == Secrets.wecomCorpID)
        }
    }

    @Test func aFreshTextMessageIsAnsweredNamingTheLeadUnit() async throws {
        let message = peer.textMessageXML(from: "lisi", content: "规上企业新认定高企能拿多少钱", msgID: "7000000000000000001")
        let (uri, body) = try peer.post(message)
        try await TestServer.run { client, _ in
            let response = try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: body))
            #expect(response.status == .ok)
            let reply = try peer.open(response.text)
            #expect(reply.toUser == "lisi")
            #expect(reply.content.contains("区工信和科技局"))
            #expect(reply.content.contains("20万"))
            #expect(reply.content.utf8.count <= 2048)
        }
    }

    @Test func aRetriedMsgIdGetsTheSameReplyComputedOnce() async throws {
        let message = peer.textMessageXML(from: "wangwu", content: "新认定的高企能拿多少钱", msgID: "7000000000000000002")
        try await TestServer.run { client, _ in
            // WeCom's retry is a new request (new timestamp/nonce) carrying the same message.
            let first = try peer.post(message)
            let second = try peer.post(message)
            let a = try await client.execute(uri: first.uri, method: .post, body: ByteBuffer(string: first.body))
            let b = try await client.execute(uri: second.uri, method: .post, body: ByteBuffer(string: second.body))
            #expect(a.status == .ok)
            #expect(b.status == .ok)
            let replyA = try peer.open(a.text), replyB = try peer.open(b.text)
            #expect(replyA.content.contains("区工信和科技局"))
            #expect(replyA.content == replyB.content)
            #expect(try await Self.answersComputed(client) == 1)

            // A third delivery of the same request, byte for byte, is still not answered again.
            _ = try await client.execute(uri: first.uri, method: .post, body: ByteBuffer(string: first.body))
            #expect(try await Self.answersComputed(client) == 1)
        }
    }

    /// WeCom may retry while the first delivery is still being answered: however the
    /// deliveries interleave, the answer is computed once and no delivery fails.
    @Test func concurrentDeliveriesOfOneMsgIdAreAnsweredOnce() async throws {
        let message = peer.textMessageXML(from: "sunqi", content: "新认定的高企能拿多少钱", msgID: "7000000000000000009")
        let requests = try (0..<8).map { _ in try peer.post(message) }
        try await TestServer.run { client, _ in
            let responses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String).self) { group in
                for request in requests {
                    group.addTask {
                        let response = try await client.execute(
                            uri: request.uri, method: .post, body: ByteBuffer(string: request.body))
                        return (response.status, response.text)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(responses.count == 8)
            #expect(responses.allSatisfy { $0.0 == .ok })
            let replies = responses.map(\.1).filter { !$0.isEmpty }
            #expect(!replies.isEmpty, "no delivery carried the reply")
            for reply in replies {
                #expect(try peer.open(reply).content.contains("区工信和科技局"))
            }
            #expect(try await Self.answersComputed(client) == 1)
        }
    }

    @Test func theRetryDoesNotAdvanceTheConversation() async throws {
        let question = peer.textMessageXML(from: "zhaoliu", content: "新认定的高企能拿多少钱", msgID: "7000000000000000003")
        let answer = peer.textMessageXML(from: "zhaoliu", content: "规上企业", msgID: "7000000000000000004")
        try await TestServer.run { client, _ in
            for xml in [question, question, answer, answer] {
                let request = try peer.post(xml)
                let response = try await client.execute(
                    uri: request.uri, method: .post, body: ByteBuffer(string: request.body))
                #expect(response.status == .ok)
                if xml == answer {
                    let reply = try peer.open(response.text)
                    #expect(reply.content.contains("20万"), "the follow-up must complete 12.2 for 规上: \(reply.content)")
                }
            }
            #expect(try await Self.answersComputed(client) == 2)
        }
    }

    @Test func aBadSignatureIs401AndNothingIsAnswered() async throws {
        let message = peer.textMessageXML(from: "lisi", content: "新认定的高企能拿多少钱", msgID: "7000000000000000005")
        let forged = try peer.post(message, signatureOverride: String(repeating: "0", count: 40))
        try await TestServer.run { client, _ in
            let response = try await client.execute(
                uri: forged.uri, method: .post, body: ByteBuffer(string: forged.body))
            #expect(response.status == .unauthorized)
            #expect(response.json["error"] is String)
            #expect(try await Self.answersComputed(client) == 0)
            // The forgery claimed nothing: the genuine message with that MsgId is still answered.
            let genuine = try peer.post(message)
            let ok = try await client.execute(uri: genuine.uri, method: .post, body: ByteBuffer(string: genuine.body))
            #expect(ok.status == .ok)
            #expect(try peer.open(ok.text).content.contains("区工信和科技局"))
            #expect(try await Self.answersComputed(client) == 1)
        }
    }

    @Test func theBadSignatureVectorIs401() async throws {
        let input = try Vectors.input("wecom.xml.neg.bad_signature", in: "wecom")
        let query = try #require(input["query_string"] as? String), body = try #require(input["body"] as? String)
        try await TestServer.run { client, _ in
            let response = try await client.execute(
                uri: "/webhooks/wecom?\(query)", method: .post, body: ByteBuffer(string: body))
            #expect(response.status == .unauthorized)
            #expect(try await Self.answersComputed(client) == 0)
        }
    }

    @Test func aMessageForAnotherCorpIsRefused() async throws {
        let message = peer.textMessageXML(from: "lisi", content: "新认定的高企能拿多少钱", msgID: "7000000000000000006")
        let request = try peer.post(message, receiveID: "wwffffffffffffffff")
        try await TestServer.run { client, _ in
            let response = try await client.execute(
                uri: request.uri, method: .post, body: ByteBuffer(string: request.body))
            // The receive-id check keeps WeCom's own status (403), as the vectors specify.
            #expect(response.status == .forbidden)
            #expect(response.json["error"] is String)
            #expect(try await Self.answersComputed(client) == 0)
        }
    }

    @Test(arguments: [
        ("wecom.xml.neg.wrong_receive_id", 403),
        ("wecom.xml.neg.bad_padding_pad_zero", 400),
        ("wecom.xml.neg.bad_padding_pad_33", 400),
        ("wecom.xml.neg.msg_len_overflow", 400),
        ("wecom.xml.neg.truncated_ciphertext", 400),
        ("wecom.xml.neg.invalid_base64", 400),
    ])
    func negativeVectorsAreRefused(_ id: String, _ status: Int) async throws {
        let input = try Vectors.input(id, in: "wecom")
        let expected = try Vectors.expected(id, in: "wecom")
        #expect(expected["http_status"] as? Int == status, "the vector file changed")
        let query = try #require(input["query_string"] as? String), body = try #require(input["body"] as? String)
        try await TestServer.run { client, _ in
            let response = try await client.execute(
                uri: "/webhooks/wecom?\(query)", method: .post, body: ByteBuffer(string: body))
            #expect(Int(response.status.code) == status)
            #expect(response.json["error"] is String)
            #expect(try await Self.answersComputed(client) == 0)
        }
    }

    @Test(arguments: ["<xml><Encrypt><![CDATA[abc", "{not xml", "<xml></xml>", ""])
    func malformedBodiesAre400(_ body: String) async throws {
        try await TestServer.run { client, _ in
            let response = try await client.execute(
                uri: "/webhooks/wecom?msg_signature=00&timestamp=1732500001&nonce=1", method: .post,
                body: ByteBuffer(string: body))
            #expect(response.status == .badRequest)
        }
    }

    @Test func missingSignatureParametersAre400() async throws {
        let request = try peer.post(peer.textMessageXML(from: "lisi", content: "你好", msgID: "7000000000000000007"))
        try await TestServer.run { client, _ in
            let response = try await client.execute(
                uri: "/webhooks/wecom", method: .post, body: ByteBuffer(string: request.body))
            #expect(response.status == .badRequest)
        }
    }

    @Test func anImageGetsThePoliteTextOnlyReply() async throws {
        let request = try peer.post(peer.imageMessageXML(from: "lisi", msgID: "7000000000000000008"))
        try await TestServer.run { client, _ in
            let response = try await client.execute(
                uri: request.uri, method: .post, body: ByteBuffer(string: request.body))
            #expect(response.status == .ok)
            let reply = try peer.open(response.text)
            #expect(reply.content.contains("文字"))
            #expect(try await Self.answersComputed(client) == 0)
        }
    }

    @Test func anEventIsAcknowledgedWithAnEmptyBody() async throws {
        let event =
            "<xml><ToUserName><![CDATA[\(Secrets.wecomCorpID)]]></ToUserName><FromUserName><![CDATA[lisi]]></FromUserName>"
            + "<CreateTime>\(Int(Date().timeIntervalSince1970))</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            + "<Event><![CDATA[enter_agent]]></Event><AgentID>1000002</AgentID></xml>"
        let request = try peer.post(event)
        try await TestServer.run { client, _ in
            let response = try await client.execute(
                uri: request.uri, method: .post, body: ByteBuffer(string: request.body))
            #expect(response.status == .ok)
            #expect(response.text.isEmpty)
        }
    }
}
