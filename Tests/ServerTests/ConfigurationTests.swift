import Channels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Storage
import Testing

@testable import Server

/// Which routes exist follows the configuration; the server also runs on a real socket.
struct ConfigurationTests {
    @Test func platformsWhoseSecretsAreUnsetAnswer404() async throws {
        try await TestServer.run(configure: {
            $0.wecom = nil
            $0.dingTalkAppSecret = nil
            $0.feishu = nil
        }) { client, _ in
            let wecom = try WeComPeer().post(WeComPeer().textMessageXML(from: "lisi", content: "你好", msgID: "1"))
            #expect(
                try await client.execute(uri: wecom.uri, method: .post, body: ByteBuffer(string: wecom.body)).status
                    == .notFound)
            #expect(try await client.execute(uri: "/webhooks/wecom?echostr=x", method: .get).status == .notFound)
            let ding = DingTalkPeer.body(text: "你好", msgID: "m1")
            #expect(
                try await client.postJSON("/webhooks/dingtalk", ding, headers: DingTalkPeer().headers()).status
                    == .notFound)
            let feishu = #"{"challenge":"c","token":"\#(Secrets.feishuVerificationToken)","type":"url_verification"}"#
            #expect(try await client.postJSON("/webhooks/feishu", feishu).status == .notFound)
            // The rest of the server is unaffected.
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(try await client.ask("规上企业新认定高企能拿多少钱").status == .ok)
        }
    }

    @Test func onePlatformOffLeavesTheOthersOn() async throws {
        try await TestServer.run(configure: { $0.dingTalkAppSecret = nil }) { client, _ in
            let ding = DingTalkPeer.body(text: "你好", msgID: "m1")
            let dingResponse = try await client.postJSON("/webhooks/dingtalk", ding, headers: DingTalkPeer().headers())
            #expect(dingResponse.status == .notFound)
            let feishu = #"{"challenge":"c","token":"\#(Secrets.feishuVerificationToken)","type":"url_verification"}"#
            let feishuResponse = try await client.postJSON("/webhooks/feishu", feishu)
            #expect(feishuResponse.status == .ok)
        }
    }

    @Test func theEnvironmentTurnsPlatformsOnAndOff() throws {
        let none = try ServerConfiguration.load(file: nil, environment: [:])
        #expect(none.wecom == nil && none.dingTalkAppSecret == nil && none.feishu == nil)
        let some = try ServerConfiguration.load(
            file: nil,
            environment: [
                "WECOM_TOKEN": Secrets.wecomToken, "WECOM_AES_KEY": Secrets.wecomAESKey,
                "WECOM_CORP_ID": Secrets.wecomCorpID,
                "DINGTALK_APP_SECRET": "", "FEISHU_API_BASE": "http://127.0.0.1:1234",
            ])
        #expect(some.wecom?.corpID == Secrets.wecomCorpID)
        #expect(some.dingTalkAppSecret == nil, "an empty secret leaves the platform off")
        #expect(some.feishuAPIBase == "http://127.0.0.1:1234")
        #expect(throws: ConfigurationError.self) {
            try ServerConfiguration.load(file: nil, environment: ["WECOM_TOKEN": "only-half"])
        }
    }

    @Test func aBrokenKnowledgeBaseStopsStartup() throws {
        var configuration = TestServer.configuration()
        configuration.intents =
            FileManager.default.temporaryDirectory.appendingPathComponent("no-such-intents-\(UUID())").path
        let dependencies = ServerDependencies(store: try SQLiteStorage.inMemory(), transport: CurlTransport())
        #expect(throws: StartupError.self) {
            _ = try buildApplication(
                configuration: configuration, dependencies: dependencies, logger: TestServer.logger)
        }
    }

    /// The same application on a real socket: HTTP/1.1 framing, keep-alive and a WeCom round trip.
    @Test func theServerWorksOnARealSocket() async throws {
        let peer = WeComPeer()
        try await TestServer.run(.live) { client, _ in
            #expect(client.port != nil)
            let health = try await client.execute(uri: "/healthz", method: .get)
            #expect(health.status == .ok)
            #expect(health.text == "ok")
            let request = try peer.post(
                peer.textMessageXML(from: "live-user", content: "新认定的高企能拿多少钱", msgID: "7100000000000000001"))
            let response = try await client.execute(
                uri: request.uri, method: .post, body: ByteBuffer(string: request.body))
            #expect(response.status == .ok)
            #expect(try peer.open(response.text).content.contains("区工信和科技局"))
            let big = try await client.postJSON("/v1/ask", #"{"text":"\#(String(repeating: "a", count: 70_000))"}"#)
            #expect(big.status == .contentTooLarge)
        }
    }

    /// Dedupe and conversations live in the SQLite file: a second application on the same file
    /// (as after a restart) answers a retry from the store and finishes a conversation.
    @Test func stateSurvivesANewApplicationOnTheSameFile() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("servertests-\(UUID()).sqlite").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let peer = WeComPeer()
        let message = peer.textMessageXML(from: "restart-user", content: "新认定的高企能拿多少钱", msgID: "7200000000000000001")
        let firstReply = try await TestServer.run(store: try SQLiteStorage(path: path)) { client, _ in
            let request = try peer.post(message)
            let response = try await client.execute(
                uri: request.uri, method: .post, body: ByteBuffer(string: request.body))
            _ = try await client.ask("新认定的高企能拿多少钱", user: "half-done")
            return try peer.open(response.text).content
        }
        try await TestServer.run(store: try SQLiteStorage(path: path)) { client, _ in
            let request = try peer.post(message)
            let response = try await client.execute(
                uri: request.uri, method: .post, body: ByteBuffer(string: request.body))
            #expect(try peer.open(response.text).content == firstReply)
            #expect(try await client.metrics().sum("policydesk_match_outcomes_total") == 0)
            let done = try await client.ask("规下企业", user: "half-done")
            #expect(done.json["item"] as? String == "12.2")
            #expect((done.json["amount"] as? [String: Any])?["yuan"] as? Int == 100_000)
        }
    }
}
