import Channels
import Desk
import Foundation
import Hummingbird
import Logging
import Matching
import PolicyKit
import Storage

/// `GET` and `POST /webhooks/wecom`: URL verification and encrypted messages, answered with
/// an encrypted passive reply. WeCom retries a message it got no answer to within 5 s; a
/// retry gets the reply of the first delivery, computed once (dedupe by MsgId).
struct WeComController<Context: RequestContext>: Sendable {
    let callback: WeComCallback
    let answers: AnswerService
    let dedupe: any DedupeStore
    let bodyLimit: Int
    let dedupeWindow: Duration
    /// The clock that dedupe claims and answers read.
    let now: @Sendable () -> Date

    func addRoutes(to router: Router<Context>) {
        router.get("/webhooks/wecom") { request, _ in try verify(request) }
        router.post("/webhooks/wecom") { request, context in try await receive(request, context: context) }
    }

    func verify(_ request: Request) throws -> Response {
        do {
            let query = try WeComQueryString.parse(request.uri.query ?? "")
            return Response.text(try callback.verifyURL(query: query))
        } catch {
            throw error.apiError
        }
    }

    func receive(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let body = try await request.body(upTo: bodyLimit)
        let query: [String: String]
        let message: InboundMessage
        do {
            query = try WeComQueryString.parse(request.uri.query ?? "")
            message = try callback.decodeMessage(query: query, body: body)
        } catch {
            context.logger.notice("wecom request refused", metadata: ["reason": "\(error)"])
            throw error.apiError
        }
        let key =
            message.messageID.isEmpty
            ? "wecom:event:\(message.userID):\(message.createTime)"
            : "wecom:msg:\(message.messageID)"
        var logger = context.logger
        logger[metadataKey: "wecom.msg_id"] = "\(message.messageID)"
        let claim: DedupeClaim
        do {
            claim = try await dedupe.claim(key: key, now: now(), ttl: dedupeWindow)
        } catch {
            answers.metrics.storeBusyReply(channel: "wecom")
            return try encryptedReply(to: message, text: StoreBusyReply.text, logger: logger)
        }
        let replyText: String
        switch claim {
        case .duplicate(let stored?):
            logger.info("wecom retry answered with the first reply")
            replyText = stored
        case .duplicate(nil):
            // The first delivery is still being answered; it will send the reply.
            return Response.text(WeComCallback.acknowledgementBody)
        case .new:
            if message.messageType == "event" {
                try? await dedupe.recordReply(key: key, reply: "")
                return Response.text(WeComCallback.acknowledgementBody)
            }
            replyText = await answers.replyText(to: message, flavour: .plain, now: now(), logger: logger)
            // The answer is ready: give it even if the store has just failed to keep it (the
            // failure is logged and shown by /healthz); only a retry could have used the record.
            try? await dedupe.recordReply(key: key, reply: replyText)
        }
        guard !replyText.isEmpty else { return Response.text(WeComCallback.acknowledgementBody) }
        return try encryptedReply(to: message, text: replyText, logger: logger)
    }

    /// `text` as WeCom's encrypted passive reply to `message`.
    private func encryptedReply(to message: InboundMessage, text replyText: String, logger: Logger) throws -> Response {
        do {
            let xml = try callback.encodeReply(
                to: message, text: replyText, timestamp: String(Int(now().timeIntervalSince1970)),
                nonce: String(UInt32.random(in: 100_000_000...UInt32.max)))
            return Response.text(xml, contentType: "application/xml; charset=utf-8")
        } catch {
            logger.error("could not encrypt the wecom reply", metadata: ["reason": "\(error)"])
            throw HTTPError(.internalServerError)
        }
    }
}
