public import Foundation

/// A DingTalk conversation's reply address, from an inbound message's `sessionWebhook` and
/// `sessionWebhookExpiredTime` fields.
public struct DingTalkSessionWebhook: Sendable, CustomStringConvertible, CustomReflectable {
    /// The webhook URL; its query carries the session token, so it is never described.
    public let url: String
    /// When DingTalk stops accepting posts to it.
    public let expiresAt: Date

    /// Creates a webhook from the inbound fields; `expiredTimeMilliseconds` is
    /// `sessionWebhookExpiredTime`, milliseconds since 1970.
    public init(url: String, expiredTimeMilliseconds: Int64) {
        self.url = url
        self.expiresAt = Date(timeIntervalSince1970: Double(expiredTimeMilliseconds) / 1_000)
    }

    /// Creates a webhook with an explicit expiry.
    public init(url: String, expiresAt: Date) {
        self.url = url
        self.expiresAt = expiresAt
    }

    /// The redacted URL and the expiry.
    public var description: String { "\(URLRedaction.redact(url)) (expires \(expiresAt))" }

    /// What `dump` shows: the redacted URL, so the session token stays out of debug output.
    public var customMirror: Mirror {
        Mirror(self, children: ["url": URLRedaction.redact(url), "expiresAt": expiresAt])
    }
}

/// Posts an answer into a DingTalk conversation through the message's `sessionWebhook`.
///
/// Refuses locally once the webhook has expired: DingTalk would only answer errcode 300001
/// after a network round trip, and the caller has to fall back to the OpenAPI send anyway.
/// Does not retry by default, because the webhook has no idempotency key and a retry after
/// a timeout could post the answer twice.
public struct DingTalkSessionReplier: Sendable {
    /// DingTalk's errcode for a session that no longer exists.
    public static let sessionGoneCode = 300_001

    private let transport: any HTTPTransport
    private let retryPolicy: RetryPolicy
    private let timeout: Duration
    private let now: @Sendable () -> Date

    /// Creates a replier.
    public init(
        transport: any HTTPTransport,
        retryPolicy: RetryPolicy = .none,
        timeout: Duration = .seconds(10),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.transport = transport
        self.retryPolicy = retryPolicy
        self.timeout = timeout
        self.now = now
    }

    /// Posts a Markdown message; `title` is what notifications and the chat list show.
    public func replyMarkdown(
        title: String,
        text: String,
        atUserIDs: [String] = [],
        to webhook: DingTalkSessionWebhook
    ) async throws(DingTalkReplyError) {
        try await post(DingTalkPayload.markdown(title: title, text: text, atUserIDs: atUserIDs), to: webhook)
    }

    /// Posts a plain-text message.
    public func replyText(
        _ text: String,
        atUserIDs: [String] = [],
        to webhook: DingTalkSessionWebhook
    ) async throws(DingTalkReplyError) {
        try await post(DingTalkPayload.text(text, atUserIDs: atUserIDs), to: webhook)
    }

    private func post(_ body: Data, to webhook: DingTalkSessionWebhook) async throws(DingTalkReplyError) {
        guard now() < webhook.expiresAt else { throw .sessionExpired(expiredAt: webhook.expiresAt) }
        let response: OutboundResponse
        do {
            response = try await retryPolicy.send(
                .postJSON(url: webhook.url, body: body, timeout: timeout), through: transport)
        } catch {
            throw .transport(error)
        }
        guard let envelope = PlatformEnvelope(decoding: response.body), let code = envelope.integer("errcode") else {
            throw .unexpectedResponse(httpStatus: response.status)
        }
        guard code == 0, response.isSuccess else {
            throw .api(httpStatus: response.status, code: code, message: envelope.message("errmsg"))
        }
    }
}

/// Why a sessionWebhook reply was not delivered.
public enum DingTalkReplyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The webhook had expired; nothing was sent.
    case sessionExpired(expiredAt: Date)
    /// The post could not be completed.
    case transport(TransportError)
    /// DingTalk answered with a non-zero `errcode`.
    case api(httpStatus: Int, code: Int, message: String)
    /// DingTalk's answer was not the expected JSON.
    case unexpectedResponse(httpStatus: Int)

    /// Whether the session can no longer be used, so the answer must go through the
    /// OpenAPI robot send instead.
    public var isSessionGone: Bool {
        switch self {
        case .sessionExpired: true
        case .api(_, let code, _): code == DingTalkSessionReplier.sessionGoneCode
        case .transport, .unexpectedResponse: false
        }
    }

    /// What failed and what to do.
    public var description: String {
        switch self {
        case .sessionExpired(let expiredAt):
            "DingTalk: the sessionWebhook expired at \(expiredAt); nothing was sent. "
                + "Answer through the OpenAPI robot send (groupMessages/send or oToMessages/batchSend)."
        case .transport(let error):
            "DingTalk: posting to the sessionWebhook failed: \(error)"
        case .api(let status, let code, let message):
            "DingTalk: the sessionWebhook refused the reply (HTTP \(status), errcode \(code): \(message))"
                + (code == DingTalkSessionReplier.sessionGoneCode
                    ? "; the session is gone, answer through the OpenAPI robot send." : ".")
        case .unexpectedResponse(let status):
            "DingTalk: the sessionWebhook gave an unexpected answer (HTTP \(status), no errcode)."
        }
    }
}
