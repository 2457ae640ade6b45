/// Why an inbound webhook request was refused, or why a reply could not be built.
///
/// Descriptions name the failing check and what to look at; they never contain secrets,
/// signatures or decrypted content, so they are safe to log and to return to a caller.
public enum ChannelError: Error, Sendable, Equatable, Hashable {
    /// A required query parameter or header is absent (its name is given).
    case missingParameter(String)
    /// The body or a field in it does not have the expected shape (what was wrong is given).
    case malformed(String)
    /// The ciphertext is not valid standard base64.
    case badBase64
    /// The decoded ciphertext has a length the cipher cannot have produced (the length is given).
    case badCiphertextLength(Int)
    /// The decrypted data does not end in valid PKCS#7 padding.
    case badPadding
    /// The decrypted WeCom plaintext is shorter than its own length field says.
    case badLayout(String)
    /// The decrypted WeCom plaintext is addressed to another receive id (CorpID).
    case wrongReceiver
    /// The request's signature does not match the one computed with our secret.
    case badSignature(Platform)
    /// Signature headers are required (an encryption key is configured) but absent.
    case missingSignature(Platform)
    /// The signed timestamp is outside the accepted window around our clock.
    case staleTimestamp(Platform)
    /// A timestamp is not a decimal integer (the parameter name is given).
    case invalidTimestamp(String)
    /// Feishu's verification token in the payload differs from the configured one.
    case badVerificationToken
    /// A configured credential cannot be used (what is wrong is given, never the value).
    case invalidConfiguration(String)
    /// A caller passed an argument that cannot be encoded (what is wrong is given).
    case invalidArgument(String)

    /// The HTTP status the webhook endpoint answers with, following each platform's vectors.
    ///
    /// Authentication failures are 403 on WeCom and DingTalk and 401 on Feishu because that is
    /// what the protocol specs of each platform chose; malformed input is 400 everywhere, and
    /// our own misconfiguration is a 500 so that it is not mistaken for an attack.
    public var httpStatus: Int {
        switch self {
        case .missingParameter, .malformed, .badBase64, .badCiphertextLength, .badPadding, .badLayout,
            .invalidTimestamp:
            400
        case .wrongReceiver:
            403
        case .badSignature(let platform), .missingSignature(let platform), .staleTimestamp(let platform):
            platform == .feishu ? 401 : 403
        case .badVerificationToken:
            401
        case .invalidConfiguration, .invalidArgument:
            500
        }
    }
}

extension ChannelError: CustomStringConvertible {
    /// A sentence that says what failed and what to check.
    public var description: String {
        switch self {
        case .missingParameter(let name):
            "Required parameter '\(name)' is missing; the platform always sends it, so the request did not come "
                + "from the platform or a proxy dropped it."
        case .malformed(let what):
            "Malformed request: \(what)."
        case .badBase64:
            "The ciphertext is not valid base64 (standard alphabet, padded to a multiple of 4); "
                + "check that '+' was not turned into a space when the query string was decoded."
        case .badCiphertextLength(let length):
            "The ciphertext decodes to \(length) bytes, which is not a whole number of AES blocks; "
                + "the message was truncated or altered."
        case .badPadding:
            "The decrypted data does not end in valid PKCS#7 padding; the encryption key is probably wrong "
                + "(check EncodingAESKey / Encrypt Key) or the ciphertext was altered."
        case .badLayout(let what):
            "The decrypted WeCom plaintext is inconsistent: \(what); the EncodingAESKey is probably wrong."
        case .wrongReceiver:
            "The message is addressed to another receive id; check that the configured CorpID "
                + "(or \"\" for a 智能机器人) matches the app that sends the callbacks."
        case .badSignature(.wecom):
            "msg_signature does not match SHA1 of the sorted token, timestamp, nonce and ciphertext; "
                + "check that the configured Token equals the one in the WeCom console."
        case .badSignature(.dingtalk):
            "The 'sign' header does not match Base64(HmacSHA256(appSecret, timestamp + \"\\n\" + appSecret)); "
                + "check the configured AppSecret (Client Secret) and that the header was not URL-decoded."
        case .badSignature(.feishu):
            "X-Lark-Signature does not match SHA256(timestamp + nonce + encryptKey + body); check the configured "
                + "Encrypt Key and that the raw body bytes are passed unmodified."
        case .missingSignature(let platform):
            "The \(platform.displayName) request carries no signature headers although an encryption key is "
                + "configured; unsigned events are refused."
        case .staleTimestamp(let platform):
            "The signed \(platform.displayName) timestamp is too far from our clock; check the server's clock "
                + "(NTP) or suspect a replayed request."
        case .invalidTimestamp(let name):
            "Timestamp '\(name)' is not a decimal integer."
        case .badVerificationToken:
            "The Feishu verification token does not match; check the Verification Token configured "
                + "under 事件与回调 → 加密策略."
        case .invalidConfiguration(let what):
            "Invalid channel configuration: \(what)."
        case .invalidArgument(let what):
            "Invalid argument: \(what)."
        }
    }
}
