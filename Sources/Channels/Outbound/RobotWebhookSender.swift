public import Foundation

/// Posts messages to WeCom, DingTalk and Feishu custom group robots and classifies the
/// answer.
///
/// It never retries by itself: robot webhooks take no idempotency key, and they are
/// limited to 20 (WeCom, DingTalk) or 100 (Feishu) messages a minute, so whether and when to
/// send again is the caller's decision, made from the ``RobotDeliveryResult``.
public struct RobotWebhookSender: Sendable {
    /// WeCom's "api freq out of limit" errcode.
    public static let weComRateLimitCodes: Set<Int> = [45_009]
    /// DingTalk's "send too fast, exceed 20 times per minute" (130101, documented for the
    /// custom robot) and 410100, which DingTalk's open platform uses for throttled sends;
    /// the second is not in the robot's own documentation, so treating it as a rate limit
    /// (wait, then resend) is the cautious reading.
    public static let dingTalkRateLimitCodes: Set<Int> = [130_101, 410_100]
    /// Feishu's custom-bot frequency limit code.
    public static let feishuRateLimitCodes: Set<Int> = [11_232]
    /// WeCom and DingTalk answer -1 ("system busy") when the platform itself is overloaded.
    static let busyCodes: Set<Int> = [-1]

    /// WeCom's limit on a text message's content, in UTF-8 bytes.
    public static let weComTextLimit = 2_048
    /// WeCom's limit on a markdown message's content, in UTF-8 bytes.
    public static let weComMarkdownLimit = 4_096
    /// Feishu's limit on a custom-bot request body, in bytes.
    public static let feishuBodyLimit = 20 * 1_024

    private let transport: any HTTPTransport
    private let timeout: Duration
    private let now: @Sendable () -> Date

    /// Creates a sender; `now` supplies the signing timestamps and is replaceable in tests.
    public init(
        transport: any HTTPTransport,
        timeout: Duration = .seconds(10),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.transport = transport
        self.timeout = timeout
        self.now = now
    }

    /// Signs (where configured), posts once, and classifies the platform's answer.
    ///
    /// An empty secret counts as none, so that an unset configuration value means an
    /// unsigned robot rather than a signature nobody can verify.
    public func send(_ message: RobotMessage, to webhook: RobotWebhook) async -> RobotDeliveryResult {
        let request: OutboundRequest
        switch prepare(message, for: webhook) {
        case .success(let prepared): request = prepared
        case .failure(let rejection): return rejection.result
        }
        let response: OutboundResponse
        do {
            response = try await transport.send(request)
        } catch {
            return classify(error, platform: webhook.platform)
        }
        return classify(response, for: webhook)
    }

    /// Builds the signed request, or refuses a message the platform would reject for size.
    func prepare(_ message: RobotMessage, for webhook: RobotWebhook) -> Result<OutboundRequest, LocalRejection> {
        let url: String
        let body: Data
        switch webhook {
        case .weCom(let webhookURL):
            url = webhookURL
            switch message {
            case .text(let text):
                guard text.utf8.count <= Self.weComTextLimit else {
                    return .failure(.tooLong("WeCom", "text", text.utf8.count, Self.weComTextLimit))
                }
                body = WeComPayload.text(text)
            case .markdown(_, let text):
                guard text.utf8.count <= Self.weComMarkdownLimit else {
                    return .failure(.tooLong("WeCom", "markdown", text.utf8.count, Self.weComMarkdownLimit))
                }
                body = WeComPayload.markdown(text)
            }
        case .dingTalk(let webhookURL, let secret):
            // Nearest rather than down: a Date built from whole milliseconds may sit a hair below them.
            let milliseconds = Int64((now().timeIntervalSince1970 * 1_000).rounded())
            url =
                secret.flatMap { $0.isEmpty ? nil : $0 }.map {
                    RobotWebhookSigner.dingTalkSignedURL(webhookURL, secret: $0, timestampMilliseconds: milliseconds)
                } ?? webhookURL
            switch message {
            case .text(let text): body = DingTalkPayload.text(text)
            case .markdown(let title, let text): body = DingTalkPayload.markdown(title: title, text: text)
            }
        case .feishu(let webhookURL, let secret):
            url = webhookURL
            let seconds = Int64(now().timeIntervalSince1970.rounded(.down))
            let signature = secret.flatMap { $0.isEmpty ? nil : $0 }.map {
                FeishuBotPayload.Signature(
                    timestamp: String(seconds),
                    sign: RobotWebhookSigner.feishuSignature(timestampSeconds: seconds, secret: $0))
            }
            switch message {
            case .text(let text): body = FeishuBotPayload.text(text, signature: signature)
            case .markdown(let title, let text):
                body = FeishuBotPayload.markdown(title: title, text: text, signature: signature)
            }
            guard body.count <= Self.feishuBodyLimit else {
                return .failure(.tooLong("Feishu", "request body", body.count, Self.feishuBodyLimit))
            }
        }
        return .success(.postJSON(url: url, body: body, timeout: timeout))
    }

    private func classify(_ error: TransportError, platform: String) -> RobotDeliveryResult {
        switch error {
        case .invalidURL:
            .permanentFailure(code: nil, message: "the \(platform) webhook URL is invalid: \(error)")
        case .timeout, .connectionFailed, .other:
            // .other covers TLS and protocol trouble that may well be passing.
            .transientFailure(error.description)
        }
    }

    private func classify(_ response: OutboundResponse, for webhook: RobotWebhook) -> RobotDeliveryResult {
        let platform = webhook.platform
        let envelope = PlatformEnvelope(decoding: response.body)
        let code: Int?
        let message: String
        let rateLimitCodes: Set<Int>
        switch webhook {
        case .weCom:
            code = envelope?.code("errcode")
            message = envelope?.message("errmsg") ?? ""
            rateLimitCodes = Self.weComRateLimitCodes
        case .dingTalk:
            code = envelope?.code("errcode")
            message = envelope?.message("errmsg") ?? ""
            rateLimitCodes = Self.dingTalkRateLimitCodes
        case .feishu:
            // Older Feishu deployments answer {"StatusCode":0,"StatusMessage":"success"}.
            code = envelope?.code("code", "StatusCode")
            message = envelope?.message("msg", "StatusMessage") ?? ""
            rateLimitCodes = Self.feishuRateLimitCodes
        }
        if response.status == 429 || code.map(rateLimitCodes.contains) == true {
            return .rateLimited(
                code: code, message: message.isEmpty ? "HTTP \(response.status)" : message,
                retryAfter: response.retryAfter)
        }
        if (500...599).contains(response.status) {
            return .transientFailure("\(platform) answered HTTP \(response.status)")
        }
        guard let code else {
            // No status field: the message may or may not have been posted, and sending it
            // again could duplicate it, so this is not reported as transient.
            return .permanentFailure(
                code: nil,
                message: "\(platform) answered HTTP \(response.status) without its JSON status; check the webhook URL")
        }
        if code == 0 && response.isSuccess { return .delivered }
        if case .feishu = webhook {
            // Feishu has no documented "busy" code; -1 there is an ordinary error.
        } else if Self.busyCodes.contains(code) {
            return .transientFailure("\(platform) is busy (errcode \(code): \(message))")
        }
        return .permanentFailure(code: code, message: message.isEmpty ? "HTTP \(response.status)" : message)
    }
}

/// A message refused before sending because the platform would reject it.
struct LocalRejection: Error {
    /// The result reported for it.
    let result: RobotDeliveryResult

    /// The message exceeds a documented size limit.
    static func tooLong(_ platform: String, _ what: String, _ size: Int, _ limit: Int) -> LocalRejection {
        LocalRejection(
            result: .permanentFailure(
                code: nil,
                message: "the \(what) is \(size) bytes; \(platform) accepts at most \(limit), so shorten or split it"))
    }
}
