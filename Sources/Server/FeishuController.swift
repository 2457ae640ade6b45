import Channels
import Desk
import Foundation
import Hummingbird
import Logging
import Matching
import PolicyKit
import Storage

/// `POST /webhooks/feishu`: event subscription. Answers 200 at once; the reply goes out
/// through the reply API from `FeishuReplyService`. Feishu retries after 1–3 s and then for
/// hours, so both the event id and the message id are deduped.
struct FeishuController<Context: RequestContext>: Sendable {
    let decoder: FeishuEventDecoder
    let answers: AnswerService
    let dedupe: any DedupeStore
    let replies: FeishuReplyService
    let bodyLimit: Int
    let dedupeWindow: Duration
    let now: @Sendable () -> Date

    func addRoutes(to router: Router<Context>) {
        router.post("/webhooks/feishu") { request, context in try await receive(request, context: context) }
    }

    func receive(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let body = try await request.body(upTo: bodyLimit)
        let event: FeishuEvent
        do {
            event = try decoder.decode(
                headers: request.headerMap, body: body, nowSeconds: Int64(now().timeIntervalSince1970))
        } catch {
            context.logger.notice("feishu request refused", metadata: ["reason": "\(error)"])
            throw error.apiError
        }
        let ok = Response.text(event.responseBody, contentType: "application/json; charset=utf-8")
        guard case .message(let message) = event else { return ok }
        var logger = context.logger
        logger[metadataKey: "feishu.message_id"] = "\(message.messageID)"
        let keys = [message.eventID.map { "feishu:event:\($0)" }, "feishu:msg:\(message.messageID)"].compactMap { $0 }
        for key in keys {
            let claim: DedupeClaim
            do {
                claim = try await dedupe.claim(key: key, now: now(), ttl: dedupeWindow)
            } catch {
                answers.metrics.storeBusyReply(channel: "feishu")
                replies.enqueue(.init(messageID: message.messageID, text: StoreBusyReply.text, idempotencyKey: nil))
                return ok
            }
            if case .duplicate = claim {
                logger.info("feishu retry ignored: already answered")
                return ok
            }
        }
        let replyText = await answers.replyText(to: message, flavour: .plain, now: now(), logger: logger)
        replies.enqueue(
            .init(messageID: message.messageID, text: replyText, idempotencyKey: message.eventID.map { "reply-\($0)" }))
        // The reply goes out through the API, so nothing is stored for a retry to resend; the
        // records only make a retry after a restart a duplicate too.
        for key in keys { try? await dedupe.recordReply(key: key, reply: "") }
        return ok
    }
}
