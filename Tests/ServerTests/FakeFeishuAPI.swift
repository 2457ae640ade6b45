import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// A fake Feishu open API on 127.0.0.1, the far side of the network only: it issues tenant
/// access tokens to the right app credentials and records every reply call. It is a real HTTP
/// server (Hummingbird, live on a free port), so the server under test reaches it through its
/// real libcurl transport.
struct FakeFeishuAPI: Sendable {
    /// One call to the reply endpoint.
    struct ReplyCall: Sendable {
        /// `{message_id}` in the path.
        var messageID: String
        /// The `Authorization` header.
        var authorization: String
        /// The raw JSON body.
        var body: Data

        /// The body as a JSON object.
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }

        /// `msg_type` of the body.
        var messageType: String? { json["msg_type"] as? String }

        /// The reply text: `content` is itself JSON text, `{"text": …}`.
        var text: String? {
            guard let content = json["content"] as? String,
                let inner = try? JSONSerialization.jsonObject(with: Data(content.utf8)) as? [String: Any]
            else { return nil }
            return inner["text"] as? String
        }
    }

    /// What the fake has seen.
    actor Recorder {
        private(set) var tokenRequests = 0
        private(set) var rejectedTokenRequests = 0
        private(set) var replies: [ReplyCall] = []

        func tokenRequested(accepted: Bool) {
            if accepted { tokenRequests += 1 } else { rejectedTokenRequests += 1 }
        }

        func replied(_ call: ReplyCall) -> Int {
            replies.append(call)
            return replies.count
        }
    }

    /// The token the fake issues.
    static let tenantToken = "t-fake-tenant-token-0001"

    /// `http://127.0.0.1:PORT`.
    let baseURL: String
    /// The calls received.
    let recorder: Recorder

    /// Runs the fake for the duration of `body`.
    static func run<Value: Sendable>(
        appID: String, appSecret: String, _ body: @Sendable (FakeFeishuAPI) async throws -> Value
    ) async throws -> Value {
        let recorder = Recorder()
        let router = Router()
        router.post("/open-apis/auth/v3/tenant_access_token/internal") { request, _ -> Response in
            var request = request
            let data = Data(try await request.collectBody(upTo: 1 << 20).readableBytesView)
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            let accepted = object["app_id"] as? String == appID && object["app_secret"] as? String == appSecret
            await recorder.tokenRequested(accepted: accepted)
            let reply = accepted
                ? #"{"code":0,"msg":"ok","tenant_access_token":"\#(tenantToken)","expire":7200}"#
                : #"{"code":10014,"msg":"app secret invalid"}"#
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: reply)))
        }
        router.post("/open-apis/im/v1/messages/{id}/reply") { request, context -> Response in
            var request = request
            let data = Data(try await request.collectBody(upTo: 1 << 20).readableBytesView)
            let authorization = request.headers[.authorization] ?? ""
            guard authorization == "Bearer \(tenantToken)" else {
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"code":99991663,"msg":"invalid tenant token"}"#)))
            }
            let messageID = context.parameters.get("id") ?? ""
            let count = await recorder.replied(ReplyCall(messageID: messageID, authorization: authorization, body: data))
            let reply = #"{"code":0,"msg":"success","data":{"message_id":"om_fake_reply_\#(count)"}}"#
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: reply)))
        }
        var logger = Logger(label: "FakeFeishuAPI")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        return try await app.test(.live) { client in
            let port = try #require(client.port)
            return try await body(FakeFeishuAPI(baseURL: "http://127.0.0.1:\(port)", recorder: recorder))
        }
    }
}
