import Channels
import Desk
import Foundation
import Hummingbird
import Logging
import Matching
import PolicyKit
import Storage

/// `POST /webhooks/dingtalk`: the outgoing robot in HTTP mode. The `timestamp` and `sign`
/// headers are checked over our AppSecret in constant time within DingTalk's one-hour
/// window; the answer goes back in the response body as Markdown.
struct DingTalkController<Context: RequestContext>: Sendable {
    let verifier: DingTalkVerifier
    let answers: AnswerService
    let dedupe: any DedupeStore
    let bodyLimit: Int
    let dedupeWindow: Duration
    let now: @Sendable () -> Date

    func addRoutes(to router: Router<Context>) {
        router.post("/webhooks/dingtalk") { request, context in try await receive(request, context: context) }
    }

    func receive(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let headers = request.headerMap
        let message: InboundMessage
        do {
            // The signature covers only the headers, so it is checked before the body is read.
            try verifier.verify(headers: headers, nowMs: Int64(now().timeIntervalSince1970 * 1000))
            let body = try await request.body(upTo: bodyLimit)
            message = try DingTalkMessageDecoder().decode(body: body)
        } catch let error as ChannelError {
            context.logger.notice("dingtalk request refused", metadata: ["reason": "\(error)"])
            throw error.apiError
        }
        var logger = context.logger
        logger[metadataKey: "dingtalk.msg_id"] = "\(message.messageID)"
        // The key is the message's own id and nothing else: keys built from the conversation
        // or the sender would swallow a new message that happens to share them.
        let key = message.messageID.isEmpty ? nil : "dingtalk:msg:\(message.messageID)"
        if let key {
            let claim: DedupeClaim
            do {
                claim = try await dedupe.claim(key: key, now: now(), ttl: dedupeWindow)
            } catch {
                answers.metrics.storeBusyReply(channel: "dingtalk")
                return Response.text(
                    DingTalkReply.markdown(title: "系统繁忙", text: StoreBusyReply.text).json,
                    contentType: "application/json; charset=utf-8")
            }
            switch claim {
            case .duplicate(let stored?):
                return Response.text(stored, contentType: "application/json; charset=utf-8")
            case .duplicate(nil):
                return Response.text(DingTalkReply.empty.json, contentType: "application/json; charset=utf-8")
            case .new:
                break
            }
        }
        let replyText = await answers.replyText(to: message, flavour: .markdown, now: now(), logger: logger)
        let body = DingTalkReply.markdown(title: "政策解答", text: replyText).json
        // The answer is ready: give it even if the store has just failed to keep it.
        if let key { try? await dedupe.recordReply(key: key, reply: body) }
        return Response.text(body, contentType: "application/json; charset=utf-8")
    }
}
