import Channels
import Foundation
import HTTPTypes
import Hummingbird
import Storage

/// Who is making the current admin request, for the audit log: set by the admin middlewares for
/// the handlers below them.
enum StaffIdentity {
    /// The name the audit log records ("李伟", "admin token", "王芳 (admin token)").
    @TaskLocal static var who: String?
    /// The session of a staff page request.
    @TaskLocal static var session: StaffSession?
    /// The CSRF token the page's forms carry.
    @TaskLocal static var csrf: String?
    /// The fields of the form a staff page posted, its CSRF token already checked.
    @TaskLocal static var form = FormFields(Data())
}

/// Decides who may use `/admin/…` and as whom: the shared bearer token, a staff account's name
/// and password (HTTP Basic or the sign-in form), or a signed session cookie.
///
/// Every refusal is counted in `policydesk_admin_refusals_total` by reason; sign-in attempts are
/// limited per name and per client address.
struct StaffGate: Sendable {
    /// The session cookie's name.
    static let cookieName = "policydesk_session"
    /// The sign-in form's pre-session cookie (login CSRF), sent back to `/admin/login` only.
    static let loginCookieName = "policydesk_login"
    /// How long a sign-in form may be left open before it must be reloaded.
    static let loginFormLifetime: TimeInterval = 30 * 60

    let adminToken: String
    let signer: SessionSigner
    let staff: (any StaffStore)?
    let metrics: ServerMetrics
    let sessionLifetime: Duration
    /// Sign-in attempts per name (and for the token) per minute.
    let attempts: RateLimiter
    /// Sign-in attempts per client address per minute, whatever the names tried: one address
    /// trying many names is held back as one name tried many times is.
    let attemptsPerAddress: RateLimiter
    let now: @Sendable () -> Date

    init(
        adminToken: String, sessionKey: String?, staff: (any StaffStore)?, metrics: ServerMetrics,
        sessionLifetime: Duration, now: @escaping @Sendable () -> Date
    ) {
        self.adminToken = adminToken
        signer = SessionSigner(secret: sessionKey ?? adminToken)
        self.staff = staff
        self.metrics = metrics
        self.sessionLifetime = sessionLifetime
        attempts = RateLimiter(perMinute: 10, burst: 10)
        attemptsPerAddress = RateLimiter(perMinute: 30, burst: 30)
        self.now = now
    }

    // MARK: - Passwords and sign-in

    /// The account if `password` is its password. An unknown name is checked against a decoy hash,
    /// so that it takes as long as a wrong password.
    func account(named name: String, password: String) async -> StaffAccount? {
        let account = try? await staff?.staff(named: name)
        guard let account, let hash = PasswordHash(encoded: account.passwordHash) else {
            _ = PasswordHash.decoy.verifies(password)
            return nil
        }
        return hash.verifies(password) ? account : nil
    }

    /// What a sign-in attempt led to.
    enum SignIn {
        case signedIn(StaffSession)
        case refused
        case throttled
    }

    /// Signs in with a name and password, or with no name and the admin token as the password,
    /// from `address` (see ``clientAddress(of:)``).
    func signIn(name: String, password: String, from address: String) async -> SignIn {
        let key = name.isEmpty ? "token" : "staff:\(name)"
        let moment = now()
        guard attemptsPerAddress.allow(address, now: moment), attempts.allow(key, now: moment) else {
            metrics.adminRefused(reason: "throttled")
            return .throttled
        }
        if name.isEmpty {
            guard ConstantTime.equals(password, adminToken) else {
                metrics.adminRefused(reason: "token")
                return .refused
            }
            return .signedIn(
                StaffSession(
                    kind: .adminToken, name: StaffSession.adminTokenName, expires: sessionExpiry(),
                    fingerprint: signer.fingerprint(of: adminToken)))
        }
        guard let account = await account(named: name, password: password) else {
            metrics.adminRefused(reason: "password")
            return .refused
        }
        return .signedIn(
            StaffSession(
                kind: .staff, name: account.name, expires: sessionExpiry(),
                fingerprint: signer.fingerprint(of: account.passwordHash)))
    }

    /// When a session opened now ends.
    func sessionExpiry() -> Date { now().addingTimeInterval(sessionLifetime.seconds) }

    /// The client's address as the reverse proxy saw it (`X-Real-IP`, which nginx sets and
    /// overwrites, see deploy/), or `direct` for a request that came without a proxy (the server
    /// listens on 127.0.0.1, so that is someone on the machine itself).
    static func clientAddress(of request: Request) -> String {
        let forwarded = request.headers[HTTPField.Name("X-Real-IP")!]?.trimmingCharacters(in: .whitespaces) ?? ""
        return forwarded.isEmpty ? "direct" : String(forwarded.prefix(64))
    }

    /// The pre-session cookie and the hidden token of a fresh sign-in form.
    func loginForm(for request: Request) -> (cookie: String, token: String) {
        let nonce = StaffSession.randomID()
        let value = signer.loginCookieValue(nonce: nonce, expires: now().addingTimeInterval(Self.loginFormLifetime))
        let cookie =
            "\(Self.loginCookieName)=\(value); Max-Age=\(Int(Self.loginFormLifetime)); Path=/admin/login; HttpOnly; "
            + "SameSite=Strict" + (Self.isSecure(request) ? "; Secure" : "")
        return (cookie, signer.loginToken(nonce: nonce))
    }

    /// Whether a posted sign-in form carries the token of the pre-session cookie it came with.
    func acceptsLoginForm(_ request: Request, token: String?) -> Bool {
        signer.acceptsLogin(cookie: cookie(named: Self.loginCookieName, in: request), token: token, now: now())
    }

    // MARK: - Sessions

    /// The session cookie's value in the request, if any.
    func cookie(in request: Request) -> String? { cookie(named: Self.cookieName, in: request) }

    /// The value of cookie `name` in the request, if any.
    func cookie(named name: String, in request: Request) -> String? {
        for field in request.headers where field.name == .cookie {
            for pair in field.value.split(separator: ";") {
                let trimmed = pair.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix(name + "=") {
                    return String(trimmed.dropFirst(name.count + 1))
                }
            }
        }
        return nil
    }

    /// The request's session: nil without a cookie, a rejection when the cookie is tampered with,
    /// expired, or belongs to an account since removed or given a new password.
    func session(of request: Request) async -> Result<StaffSession, SessionRejection>? {
        guard let value = cookie(in: request) else { return nil }
        switch signer.session(from: value, now: now()) {
        case .failure(let rejection): return .failure(rejection)
        case .success(let session):
            switch session.kind {
            case .adminToken:
                guard session.fingerprint == signer.fingerprint(of: adminToken) else { return .failure(.revoked) }
            case .staff:
                guard let account = try? await staff?.staff(named: session.name),
                    session.fingerprint == signer.fingerprint(of: account.passwordHash)
                else { return .failure(.revoked) }
            }
            return .success(session)
        }
    }

    /// Whether the browser reached the server over HTTPS: through the reverse proxy, which says so in
    /// `X-Forwarded-Proto` (the server itself speaks plain HTTP on 127.0.0.1).
    static func isSecure(_ request: Request) -> Bool {
        request.headers[HTTPField.Name("X-Forwarded-Proto")!]?.lowercased().hasPrefix("https") == true
    }

    /// `Set-Cookie` for `session`: HttpOnly (no script reads it), SameSite=Strict (no other site's
    /// page sends it), Path=/admin, Secure over HTTPS, and lasting no longer than the session.
    func setCookie(_ session: StaffSession, for request: Request) -> String {
        let seconds = max(0, Int(session.expires.timeIntervalSince(now()).rounded(.up)))
        return "\(Self.cookieName)=\(signer.cookieValue(for: session)); Max-Age=\(seconds); Path=/admin; HttpOnly; "
            + "SameSite=Strict" + (Self.isSecure(request) ? "; Secure" : "")
    }

    /// `Set-Cookie` that removes the session cookie.
    func clearCookie(for request: Request) -> String {
        "\(Self.cookieName)=; Max-Age=0; Path=/admin; HttpOnly; SameSite=Strict"
            + (Self.isSecure(request) ? "; Secure" : "")
    }

    // MARK: - The JSON API

    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    /// Who an API request is made by, or the refusal: the bearer token (recorded as `admin token`,
    /// or `NAME (admin token)` with `X-Admin-User: NAME`, a claim the token vouches for), HTTP
    /// Basic staff credentials, or a session cookie whose writes carry `X-CSRF-Token`.
    func apiCaller(_ request: Request) async throws -> String {
        if let header = request.headers[.authorization] {
            if header.hasPrefix("Bearer "), ConstantTime.equals(String(header.dropFirst("Bearer ".count)), adminToken) {
                let claimed = request.headers[HTTPField.Name("X-Admin-User")!].map { String($0.prefix(64)) }
                return claimed.map { "\($0) (\(StaffSession.adminTokenName))" } ?? StaffSession.adminTokenName
            }
            if header.hasPrefix("Basic "), let credentials = Self.basicCredentials(header),
                let account = await account(named: credentials.name, password: credentials.password)
            {
                return account.name
            }
            metrics.adminRefused(reason: header.hasPrefix("Basic ") ? "password" : "token")
            throw Self.unauthorized
        }
        switch await session(of: request) {
        case .none:
            metrics.adminRefused(reason: "token")
            throw Self.unauthorized
        case .failure(let rejection)?:
            metrics.adminRefused(reason: "session")
            throw APIError(
                .unauthorized,
                "\(rejection); sign in again at /admin/login, or use Authorization: Bearer <POLICYDESK_ADMIN_TOKEN>")
        case .success(let session)?:
            if request.method != .get, request.method != .head,
                !signer.acceptsCSRF(request.headers[Self.csrfHeader], for: session)
            {
                metrics.adminRefused(reason: "csrf")
                throw APIError(
                    .forbidden,
                    "a write with the session cookie needs the header X-CSRF-Token with the session's token; nothing was changed"
                )
            }
            return session.name
        }
    }

    static let unauthorized = APIError(
        .unauthorized,
        "admin routes need the header Authorization: Bearer <POLICYDESK_ADMIN_TOKEN>, staff credentials (Basic), or a session from /admin/login"
    )

    /// Name and password of `Authorization: Basic …`.
    static func basicCredentials(_ header: String) -> (name: String, password: String)? {
        guard let data = Data(base64Encoded: String(header.dropFirst("Basic ".count))),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}

/// The JSON admin API's gate: refuses a request without valid credentials and records who made it.
struct AdminAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let gate: StaffGate

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let who = try await gate.apiCaller(request)
        return try await StaffIdentity.$who.withValue(who) { try await next(request, context) }
    }
}
