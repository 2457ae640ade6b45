/// Why a ``FeishuClient`` call failed.
///
/// Descriptions name the operation and Feishu's own code and message; they never contain
/// the app secret or access tokens.
public enum FeishuClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request could not be completed (after retries).
    case transport(FeishuOperation, TransportError)
    /// Feishu answered with a non-zero `code`.
    case api(FeishuOperation, httpStatus: Int, code: Int, message: String)
    /// Feishu's answer was not the expected JSON.
    case unexpectedResponse(FeishuOperation, httpStatus: Int)

    /// Feishu's error code, when it sent one.
    public var code: Int? {
        if case .api(_, _, let code, _) = self { return code }
        return nil
    }

    /// What failed and what to check.
    public var description: String {
        switch self {
        case .transport(let operation, let error):
            return "Feishu: \(operation.rawValue) failed: \(error)"
        case .api(let operation, let status, let code, let message):
            let hint: String
            if operation == .fetchToken {
                hint = "check the App ID and App Secret, and that the app is published"
            } else if FeishuClient.invalidTokenCodes.contains(code) {
                hint = "a freshly fetched token was rejected too; check that the app is enabled"
            } else if FeishuClient.rateLimitCodes.contains(code) || status == 429 {
                hint = "rate limited; send less often (5 messages per second per chat)"
            } else {
                hint = "see Feishu's error code reference; the bot may lack permission or not be in the chat"
            }
            return "Feishu: \(operation.rawValue) was refused (HTTP \(status), code \(code): \(message)); \(hint)."
        case .unexpectedResponse(let operation, let status):
            return "Feishu: \(operation.rawValue) got an unexpected answer (HTTP \(status), no Feishu JSON); "
                + "check that apiBase points at the Feishu open API."
        }
    }
}

/// The Feishu API calls a ``FeishuClient`` makes, named for error messages.
public enum FeishuOperation: String, Sendable, Equatable {
    /// `POST /open-apis/auth/v3/tenant_access_token/internal`.
    case fetchToken = "fetching the tenant_access_token"
    /// `POST /open-apis/im/v1/messages/{message_id}/reply`.
    case reply = "replying to a message"
}
