public import Foundation

/// Answers Feishu messages as the app's bot through the open API.
///
/// Holds the app's `tenant_access_token`: fetched once, shared by all concurrent callers,
/// cached until shortly before it expires (as lark-oapi does, 10 minutes early by default)
/// and fetched anew when Feishu says the token is no longer valid. It is an actor because
/// the token cache is shared mutable state.
public actor FeishuClient: CustomReflectable {
    /// Feishu codes meaning the access token is missing, expired or revoked:
    /// 99991661 (missing), 99991663 (invalid tenant token), 99991668 (invalid token).
    public static let invalidTokenCodes: Set<Int> = [99_991_661, 99_991_663, 99_991_668]

    /// Feishu codes meaning "too many requests": 99991400 (API frequency limit), 11232
    /// (message service limit, per the custom-bot guide) and 230020 (per-chat limit).
    /// Retrying a reply is safe because it carries an idempotency `uuid`.
    public static let rateLimitCodes: Set<Int> = [99_991_400, 11_232, 230_020]

    /// Three tries with backoff on timeouts, connection failures, 5xx, HTTP 429 and the
    /// ``rateLimitCodes``.
    public static let defaultRetryPolicy = RetryPolicy(
        rateLimitRules: [.tooManyRequests, .jsonCode("code", in: rateLimitCodes)]
    )

    /// Scheme and host of the open API, without a trailing slash.
    public nonisolated let apiBase: String
    /// The app's ID (`cli_…`); not a secret.
    public nonisolated let appID: String
    private let appSecret: String
    private let transport: any HTTPTransport
    private let retryPolicy: RetryPolicy
    private let timeout: Duration
    private let refreshMargin: Duration
    private let now: @Sendable () -> Date

    private var cachedToken: CachedToken?
    private var pendingFetch: Task<Result<CachedToken, FeishuClientError>, Never>?

    /// Creates a client; nothing is fetched until the first call.
    ///
    /// - Parameters:
    ///   - refreshMargin: how long before expiry a cached token is replaced; at most half of
    ///     the token's lifetime is used, so short-lived tokens are still reused.
    ///   - now: the clock, replaceable in tests.
    public init(
        apiBase: String = "https://open.feishu.cn",
        appID: String,
        appSecret: String,
        transport: any HTTPTransport,
        retryPolicy: RetryPolicy = FeishuClient.defaultRetryPolicy,
        timeout: Duration = .seconds(10),
        refreshMargin: Duration = .seconds(600),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
        self.appID = appID
        self.appSecret = appSecret
        self.transport = transport
        self.retryPolicy = retryPolicy
        self.timeout = timeout
        self.refreshMargin = refreshMargin
        self.now = now
    }

    /// A valid `tenant_access_token`, from the cache or from one fetch shared by every
    /// caller that asks while it is running.
    public func tenantAccessToken() async throws(FeishuClientError) -> String {
        if let cachedToken, now() < cachedToken.refreshAt { return cachedToken.value }
        let fetch: Task<Result<CachedToken, FeishuClientError>, Never>
        if let pendingFetch {
            fetch = pendingFetch
        } else {
            let context = TokenFetchContext(
                url: apiBase + "/open-apis/auth/v3/tenant_access_token/internal",
                appID: appID, appSecret: appSecret, transport: transport, retryPolicy: retryPolicy,
                timeout: timeout, refreshMargin: refreshMargin, now: now)
            // A task rather than inline work so that callers arriving meanwhile can await the
            // same fetch; it is awaited below, never left running on its own.
            fetch = Task { await context.fetch() }
            pendingFetch = fetch
        }
        let result = await fetch.value
        if pendingFetch == fetch {
            pendingFetch = nil
            if case .success(let token) = result { cachedToken = token }
        }
        return try result.get().value
    }

    /// Replies to a message with plain text and returns the new message's id.
    ///
    /// - Parameter idempotencyKey: Feishu's `uuid`; the same key within about an hour posts
    ///   at most once, which is what makes retrying safe. Derive it from the event id (as
    ///   `reply-<event_id>`, at most 50 characters) so that a re-run job cannot answer twice;
    ///   by default a fresh one per call still protects this call's own retries.
    public func reply(
        messageID: String,
        text: String,
        idempotencyKey: String? = nil
    ) async throws(FeishuClientError) -> String {
        let content = String(decoding: JSONCoding.encode(FeishuTextContent(text: text)), as: UTF8.self)
        return try await reply(
            messageID: messageID, messageType: "text", content: content, idempotencyKey: idempotencyKey)
    }

    /// Replies with any message type; `content` is the JSON text Feishu expects for that
    /// type (for `text`: `{"text":"…"}`), sent as a string inside the body.
    public func reply(
        messageID: String,
        messageType: String,
        content: String,
        idempotencyKey: String? = nil
    ) async throws(FeishuClientError) -> String {
        let body = JSONCoding.encode(
            FeishuReplyBody(
                content: content, messageType: messageType, replyInThread: false,
                uuid: idempotencyKey ?? UUID().uuidString.lowercased()))
        let pathID = messageID.addingPercentEncoding(withAllowedCharacters: .feishuPathSegment) ?? messageID
        let url = apiBase + "/open-apis/im/v1/messages/\(pathID)/reply"

        var renewedRejectedToken = false
        while true {
            let token = try await tenantAccessToken()
            let request = OutboundRequest.postJSON(
                url: url, body: body, headers: [("Authorization", "Bearer \(token)")], timeout: timeout)
            let response: OutboundResponse
            do {
                response = try await retryPolicy.send(request, through: transport)
            } catch {
                throw .transport(.reply, error)
            }
            let envelope = PlatformEnvelope(decoding: response.body)
            let code = envelope?.integer("code")
            if response.isSuccess, code == 0 {
                let data = envelope?.object["data"] as? [String: Any]
                return data?["message_id"] as? String ?? ""
            }
            if let code, Self.invalidTokenCodes.contains(code), !renewedRejectedToken {
                // Revoked or expired early (for example after the app secret was reset):
                // drop it and try once more with a fresh one. Only once, so a persistent
                // rejection surfaces as an error instead of a loop.
                renewedRejectedToken = true
                forget(token)
                continue
            }
            guard let envelope, let code else { throw .unexpectedResponse(.reply, httpStatus: response.status) }
            let message = SecretRedaction.redact(envelope.message("msg"), secrets: [token, appSecret])
            throw .api(.reply, httpStatus: response.status, code: code, message: message)
        }
    }

    /// What `dump` shows: the app's identity only, never its secret or tokens.
    public nonisolated var customMirror: Mirror {
        Mirror(self, children: ["apiBase": apiBase, "appID": appID])
    }

    /// Drops the cached token if it is the one that was rejected; when concurrent callers
    /// see the same rejection, only the first forces a new fetch.
    private func forget(_ rejected: String) {
        if cachedToken?.value == rejected { cachedToken = nil }
    }
}

/// A token and when to stop using it.
struct CachedToken: Sendable {
    /// The `tenant_access_token`.
    let value: String
    /// When it should be replaced, some time before it actually expires.
    let refreshAt: Date
}

/// Everything one token fetch needs, copied out of the actor so the fetch runs off it.
private struct TokenFetchContext: Sendable {
    let url: String
    let appID: String
    let appSecret: String
    let transport: any HTTPTransport
    let retryPolicy: RetryPolicy
    let timeout: Duration
    let refreshMargin: Duration
    let now: @Sendable () -> Date

    func fetch() async -> Result<CachedToken, FeishuClientError> {
        let fetchedAt = now()
        let body = JSONCoding.encode(FeishuTokenRequestBody(appID: appID, appSecret: appSecret))
        let response: OutboundResponse
        do {
            response = try await retryPolicy.send(.postJSON(url: url, body: body, timeout: timeout), through: transport)
        } catch {
            return .failure(.transport(.fetchToken, error))
        }
        guard let envelope = PlatformEnvelope(decoding: response.body), let code = envelope.integer("code") else {
            return .failure(.unexpectedResponse(.fetchToken, httpStatus: response.status))
        }
        guard code == 0, response.isSuccess else {
            return .failure(
                .api(
                    .fetchToken, httpStatus: response.status, code: code,
                    message: SecretRedaction.redact(envelope.message("msg"), secrets: [appSecret])))
        }
        guard let token = envelope.string("tenant_access_token"), !token.isEmpty,
            let expire = envelope.integer("expire"), expire > 0
        else {
            return .failure(.unexpectedResponse(.fetchToken, httpStatus: response.status))
        }
        let lifetime = Double(expire)
        let margin = min(refreshMargin / .seconds(1), lifetime / 2)
        return .success(CachedToken(value: token, refreshAt: fetchedAt.addingTimeInterval(lifetime - margin)))
    }
}

/// `{"app_id":…,"app_secret":…}` for the token endpoint.
private struct FeishuTokenRequestBody: Encodable {
    let appID: String
    let appSecret: String

    enum CodingKeys: String, CodingKey {
        case appID = "app_id"
        case appSecret = "app_secret"
    }
}

/// The reply endpoint's body; `content` is JSON text carried as a string.
private struct FeishuReplyBody: Encodable {
    let content: String
    let messageType: String
    let replyInThread: Bool
    let uuid: String

    enum CodingKeys: String, CodingKey {
        case content
        case messageType = "msg_type"
        case replyInThread = "reply_in_thread"
        case uuid
    }
}

/// `{"text":…}`, the content of a text message.
struct FeishuTextContent: Encodable {
    /// The message text.
    let text: String
}

extension CharacterSet {
    /// Characters that may stay unescaped in one path segment (no `/`).
    fileprivate static let feishuPathSegment: CharacterSet = {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove("/")
        return allowed
    }()
}
