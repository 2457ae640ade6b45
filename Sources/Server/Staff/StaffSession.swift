import Crypto
public import Foundation

/// Who a session cookie speaks for, until when. Nothing of it is kept on the server: the cookie
/// carries it, signed, so any instance holding the same key accepts it.
public struct StaffSession: Sendable, Equatable {
    /// How the person signed in.
    public enum Kind: String, Sendable {
        /// With a staff account's name and password.
        case staff
        /// With the shared admin token, for scripts; recorded as ``StaffSession/adminTokenName``.
        case adminToken = "token"
    }

    /// What the audit log records for a session opened with the shared admin token.
    public static let adminTokenName = "admin token"

    public var kind: Kind
    /// The staff account's name (``adminTokenName`` for a token session).
    public var name: String
    /// When the cookie stops being accepted.
    public var expires: Date
    /// A random id: what the CSRF token is bound to.
    public var id: String
    /// A short digest of the account's password hash when the session began: a changed password
    /// (or a removed account) ends every session opened before.
    public var fingerprint: String

    /// A new session with a fresh random id.
    public init(kind: Kind, name: String, expires: Date, fingerprint: String, id: String? = nil) {
        self.kind = kind
        self.name = name
        self.expires = expires
        self.fingerprint = fingerprint
        self.id = id ?? Self.randomID()
    }

    static func randomID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }
}

/// Why a session cookie was not accepted.
public enum SessionRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not two base64url parts, or a payload that does not read.
    case malformed
    /// The signature does not match: changed, or made with another key.
    case badSignature
    /// Past its expiry.
    case expired
    /// The account is gone or its password changed since the session began.
    case revoked

    public var description: String {
        switch self {
        case .malformed: "the session cookie is not one this server made"
        case .badSignature: "the session cookie's signature does not match"
        case .expired: "the session has expired"
        case .revoked: "the account was removed or its password changed since this session began"
        }
    }
}

/// Signs and checks session cookies and their CSRF tokens with one key.
///
/// The key is derived with HKDF-SHA256 from a configured secret (`POLICYDESK_SESSION_KEY`, or
/// the admin token), so the secret itself never signs anything and a separate key can be set
/// to end every session at once without changing the admin token.
public struct SessionSigner: Sendable {
    private let key: SymmetricKey

    /// A signer whose key is derived from `secret`.
    public init(secret: String) {
        key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Data(secret.utf8)), salt: Data("policydesk".utf8),
            info: Data("staff session cookie v1".utf8), outputByteCount: 32)
    }

    /// The cookie's value: `PAYLOAD.MAC`, both base64url without padding.
    public func cookieValue(for session: StaffSession) -> String {
        let payload = [
            "v1", session.kind.rawValue, session.name,
            String(Int64(session.expires.timeIntervalSince1970.rounded(.down))),
            session.id, session.fingerprint,
        ].joined(separator: "\n")
        let bytes = Data(payload.utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: bytes, using: key)
        return Self.base64url(bytes) + "." + Self.base64url(Data(mac))
    }

    /// The session a cookie value carries, if its signature holds and it has not expired at `now`.
    /// The signature is checked (in constant time) before anything in the payload is believed.
    public func session(from value: String, now: Date) -> Result<StaffSession, SessionRejection> {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Self.unbase64url(parts[0]), let mac = Self.unbase64url(parts[1]) else {
            return .failure(.malformed)
        }
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: payload, using: key) else {
            return .failure(.badSignature)
        }
        let fields = String(decoding: payload, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard fields.count == 6, fields[0] == "v1", let kind = StaffSession.Kind(rawValue: String(fields[1])),
            let expiry = Int64(fields[3])
        else { return .failure(.malformed) }
        let session = StaffSession(
            kind: kind, name: String(fields[2]), expires: Date(timeIntervalSince1970: TimeInterval(expiry)),
            fingerprint: String(fields[5]), id: String(fields[4]))
        guard session.expires > now else { return .failure(.expired) }
        return .success(session)
    }

    /// The CSRF token of a session: an HMAC of its id, so it is valid for that session only and
    /// a page from another site can neither read nor compute it.
    public func csrfToken(for session: StaffSession) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("csrf\n\(session.id)".utf8), using: key)
        return Self.base64url(Data(mac))
    }

    /// Whether `token` is the CSRF token of `session`, compared in constant time.
    public func acceptsCSRF(_ token: String?, for session: StaffSession) -> Bool {
        guard let token, let mac = Self.unbase64url(Substring(token)) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Data("csrf\n\(session.id)".utf8), using: key)
    }

    /// The sign-in form's pre-session cookie: `NONCE.EXPIRY.MAC`, a random nonce and when it stops
    /// being accepted, signed. The form's hidden token is derived from the nonce, so a page of
    /// another site can post neither (login CSRF: signing a victim in as the attacker).
    public func loginCookieValue(nonce: String, expires: Date) -> String {
        let payload = "login\n\(nonce)\n\(Int64(expires.timeIntervalSince1970.rounded(.down)))"
        let mac = HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: key)
        return "\(nonce).\(Int64(expires.timeIntervalSince1970.rounded(.down))).\(Self.base64url(Data(mac)))"
    }

    /// The sign-in form's hidden token for the pre-session cookie's nonce.
    public func loginToken(nonce: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("login csrf\n\(nonce)".utf8), using: key)
        return Self.base64url(Data(mac))
    }

    /// Whether a sign-in form's `token` matches its pre-session `cookie`, which must be this key's
    /// and unexpired at `now`; both compared in constant time.
    public func acceptsLogin(cookie: String?, token: String?, now: Date) -> Bool {
        guard let cookie, let token, let tokenMAC = Self.unbase64url(Substring(token)) else { return false }
        let parts = cookie.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let expiry = Int64(parts[1]), let mac = Self.unbase64url(parts[2]) else {
            return false
        }
        let nonce = String(parts[0])
        guard
            HMAC<SHA256>.isValidAuthenticationCode(
                mac, authenticating: Data("login\n\(nonce)\n\(expiry)".utf8), using: key),
            Date(timeIntervalSince1970: TimeInterval(expiry)) > now
        else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(
            tokenMAC, authenticating: Data("login csrf\n\(nonce)".utf8), using: key)
    }

    /// A short keyed digest of a secret a session is tied to (a password hash, the admin token):
    /// keyed, because anyone holding the cookie can read it and it must tell nothing of the secret.
    public func fingerprint(of secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("fingerprint\n\(secret)".utf8), using: key)
        return String(Self.base64url(Data(mac)).prefix(16))
    }

    static func base64url(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func unbase64url(_ text: Substring) -> Data? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return nil
        }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
