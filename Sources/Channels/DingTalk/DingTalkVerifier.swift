import Crypto
import Foundation

/// Authenticates DingTalk robot callbacks (HTTP mode) by their `timestamp` and `sign` headers.
///
/// The signature does not cover the body, so a captured request can be replayed within the
/// window: callers must still dedupe by `msgId`.
public struct DingTalkVerifier: Sendable {
    /// How far the `timestamp` header may be from our clock, either way ("相差1小时以上则认为是非法的请求").
    public static let windowMs: Int64 = 3_600_000

    private let appSecret: String

    /// Configures the verifier with the app's AppSecret (Client Secret).
    public init(appSecret: String) {
        self.appSecret = appSecret
    }

    /// The text DingTalk signs: the timestamp header, a newline, and the AppSecret.
    func stringToSign(timestamp: String) -> String {
        timestamp + "\n" + appSecret
    }

    /// The `sign` DingTalk computes for `timestamp`: Base64(HmacSHA256(appSecret, stringToSign)).
    public func expectedSign(timestamp: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array(stringToSign(timestamp: timestamp).utf8), using: SymmetricKey(data: Array(appSecret.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// Checks the raw header values: `timestamp` must be decimal milliseconds within
    /// ``windowMs`` of `nowMs`, and `sign` must match exactly (it is never URL-decoded,
    /// because its `+` would become a space).
    public func verify(timestamp: String, sign: String, nowMs: Int64) throws(ChannelError) {
        guard let sentMs = DecimalInteger.parse(timestamp) else { throw .invalidTimestamp("timestamp") }
        guard ConstantTime.equals(expectedSign(timestamp: timestamp), sign) else { throw .badSignature(.dingtalk) }
        guard abs(nowMs - sentMs) <= Self.windowMs else { throw .staleTimestamp(.dingtalk) }
    }

    /// Finds the `timestamp` and `sign` headers (any capitalisation) and verifies them.
    public func verify(headers: [String: String], nowMs: Int64) throws(ChannelError) {
        guard let timestamp = HeaderLookup.value("timestamp", in: headers) else {
            throw .missingParameter("timestamp")
        }
        guard let sign = HeaderLookup.value("sign", in: headers) else { throw .missingParameter("sign") }
        try verify(timestamp: timestamp, sign: sign, nowMs: nowMs)
    }
}

extension DingTalkVerifier: CustomStringConvertible, CustomReflectable {
    /// Names the type without the AppSecret.
    public var description: String { "DingTalkVerifier(appSecret: <redacted>)" }

    /// An empty mirror, so that `dump` does not print the AppSecret.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
