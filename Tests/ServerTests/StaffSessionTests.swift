import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Storage
import Testing

@testable import Server

/// The staff pages' sign-in: what the session cookie is, when it stops working, and the CSRF
/// token every form and every cookie-authenticated API write must carry.
@Suite("Staff pages: sessions, cookies and CSRF")
struct StaffSessionTests {
    static let name = "李伟"
    static let password = "correct horse 电池"

    /// A store holding one staff account (a cheap scrypt setting: these tests are about sessions).
    static func store(password: String = password) async throws -> SQLiteStorage {
        let store = try SQLiteStorage.inMemory()
        let hash = try PasswordHash.make(password: password, rounds: 1 << 10).encoded
        _ = try await store.addStaff(StaffAccount(name: name, passwordHash: hash, createdAt: Date()))
        return store
    }

    /// Runs `body` against the real application with the admin API and one staff account.
    static func run(
        now: @escaping @Sendable () -> Date = { Date() },
        _ body: @Sendable (any TestClientProtocol, SQLiteStorage, KnowledgeCopy) async throws -> Void
    ) async throws {
        let store = try await store()
        try await AdminTest.run(store: store, now: now) { client, _, copy in try await body(client, store, copy) }
    }

    @Test("signing in sets an HttpOnly, SameSite=Strict cookie for /admin that lasts 8 hours, Secure only over HTTPS")
    func cookieAttributes() async throws {
        try await Self.run { client, _, _ in
            let plain = try await client.signIn(Self.name, Self.password)
            #expect(plain.status == .seeOther)
            #expect(plain.headers[.location] == "/admin/")
            let cookie = try #require(plain.headers[.setCookie])
            let attributes = cookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(attributes.first?.hasPrefix("policydesk_session=") == true)
            #expect(attributes.contains("HttpOnly"))
            #expect(attributes.contains("SameSite=Strict"))
            #expect(attributes.contains("Path=/admin"))
            #expect(attributes.contains("Max-Age=28800"))
            #expect(!attributes.contains("Secure"))

            let proxied = try await client.signIn(
                Self.name, Self.password, headers: [HTTPField.Name("X-Forwarded-Proto")!: "https"])
            #expect(proxied.headers[.setCookie]?.hasSuffix("; Secure") == true)
        }
    }

    @Test("a signed-in page shows who is signed in; without a session a page sends the browser to the sign-in form")
    func signedInPages() async throws {
        try await Self.run { client, _, _ in
            let anonymous = try await client.execute(uri: "/admin/kb", method: .get)
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers[.location] == "/admin/login")

            let cookie = try await client.sessionCookie(Self.name, Self.password)
            let page = try await client.page("/admin/kb", cookie: cookie)
            #expect(page.status == .ok)
            #expect(page.text.contains("第12条"))
            #expect(page.text.contains("<span id=\"who\">\(Self.name)</span>"))
            #expect(page.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("default-src 'none'") == true)
        }
    }

    @Test("a wrong password is refused in plain Chinese, sets no cookie and is counted")
    func wrongPassword() async throws {
        try await Self.run { client, _, _ in
            let response = try await client.signIn(Self.name, "wrong password")
            #expect(response.status == .unauthorized)
            #expect(response.text.contains("用户名或密码不正确"))
            #expect(
                response.headers[values: .setCookie].allSatisfy { !$0.hasPrefix("policydesk_session=") },
                "no session cookie (only a fresh sign-in form's)")
            let unknown = try await client.signIn("nobody", Self.password)
            #expect(unknown.status == .unauthorized)
            let wrongToken = try await client.signIn("", "not-the-token")
            #expect(wrongToken.status == .unauthorized)
            #expect(wrongToken.text.contains("管理令牌不正确"))
            let metrics = try await client.metrics()
            #expect(metrics.sum("policydesk_admin_refusals_total", ["reason": "password"]) == 2)
            #expect(metrics.sum("policydesk_admin_refusals_total", ["reason": "token"]) == 1)
        }
    }

    @Test("the admin token signs in too, and its edits are recorded as 'admin token'")
    func tokenSignIn() async throws {
        try await Self.run { client, _, _ in
            let cookie = try await client.sessionCookie("", AdminTest.token)
            let page = try await client.page("/admin/kb/12.2", cookie: cookie)
            let csrf = try #require(page.csrf)
            let added = try await client.form(
                "/admin/kb/12.2/examples/add", ["csrf": csrf, "text": "令牌登录加的问法"], cookie: cookie)
            #expect(added.status == .seeOther)
            #expect(try await client.auditEntries().first?["who"] as? String == "admin token")
        }
    }

    @Test("an expired cookie is refused by the pages and the API; the same cookie unexpired is accepted")
    func expiredCookie() async throws {
        try await Self.run { client, store, _ in
            let account = try #require(try await store.staff(named: Self.name))
            let signer = SessionSigner(secret: AdminTest.token)
            func cookie(expires: Date) -> String {
                let session = StaffSession(
                    kind: .staff, name: Self.name, expires: expires,
                    fingerprint: signer.fingerprint(of: account.passwordHash))
                return "policydesk_session=" + signer.cookieValue(for: session)
            }
            let fresh = try await client.page("/admin/kb", cookie: cookie(expires: Date().addingTimeInterval(60)))
            #expect(fresh.status == .ok)

            let stale = cookie(expires: Date().addingTimeInterval(-1))
            let page = try await client.page("/admin/kb", cookie: stale)
            #expect(page.status == .seeOther)
            #expect(page.headers[.location] == "/admin/login")
            #expect(page.headers[.setCookie]?.contains("Max-Age=0") == true)
            let api = try await client.page("/admin/clauses", cookie: stale)
            #expect(api.status == .unauthorized)
            #expect(api.error.contains("expired"))
        }
    }

    @Test("a cookie changed in any way is refused: another name, a cut signature, another key")
    func tamperedCookie() async throws {
        try await Self.run { client, _, _ in
            let cookie = try await client.sessionCookie(Self.name, Self.password)
            let value = String(cookie.dropFirst("policydesk_session=".count))
            let parts = value.split(separator: ".").map(String.init)
            let payload = try #require(SessionSigner.unbase64url(Substring(parts[0])))
            let renamed = String(decoding: payload, as: UTF8.self).replacingOccurrences(of: Self.name, with: "王芳")
            let forged = SessionSigner.base64url(Data(renamed.utf8)) + "." + parts[1]
            let otherKey = SessionSigner(secret: "another-secret").cookieValue(
                for: StaffSession(
                    kind: .adminToken, name: "admin token", expires: Date().addingTimeInterval(3600), fingerprint: ""))
            for bad in [forged, parts[0] + "." + String(parts[1].dropLast(2)), otherKey, "garbage", parts[0]] {
                let page = try await client.page("/admin/history", cookie: "policydesk_session=" + bad)
                #expect(page.status == .seeOther, "\(bad)")
                let api = try await client.page("/admin/audit", cookie: "policydesk_session=" + bad)
                #expect(api.status == .unauthorized, "\(bad)")
            }
            #expect(try await client.metrics().sum("policydesk_admin_refusals_total", ["reason": "session"]) == 10)
        }
    }

    @Test(
        "a form without its session's CSRF token is refused with 403 and nothing is written; with it the edit is made as the person"
    )
    func formCSRF() async throws {
        try await Self.run { client, _, copy in
            let cookie = try await client.sessionCookie(Self.name, Self.password)
            let otherSession = try await client.sessionCookie("", AdminTest.token)
            let otherToken = try #require(try await client.page("/admin/kb/12.2", cookie: otherSession).csrf)
            let before = try copy.snapshot()
            for fields in [
                ["text": "没有令牌的问法"], ["text": "错误令牌的问法", "csrf": "AAAA"], ["text": "别人令牌的问法", "csrf": otherToken],
            ] {
                let response = try await client.form("/admin/kb/12.2/examples/add", fields, cookie: cookie)
                #expect(response.status == .forbidden, "\(fields)")
                #expect(response.text.contains("CSRF"))
            }
            #expect(try copy.snapshot() == before)
            #expect(try await client.metrics().sum("policydesk_admin_refusals_total", ["reason": "csrf"]) == 3)

            let csrf = try #require(try await client.page("/admin/kb/12.2", cookie: cookie).csrf)
            let response = try await client.form(
                "/admin/kb/12.2/examples/add", ["text": "带令牌的问法", "csrf": csrf], cookie: cookie)
            #expect(response.status == .seeOther)
            #expect(try await client.auditEntries().first?["who"] as? String == Self.name)
            #expect(try copy.text("clauses/12.yaml").contains("带令牌的问法"))
        }
    }

    @Test(
        "the JSON API takes the session cookie: reads as they are, writes only with X-CSRF-Token, recorded as the person"
    )
    func apiWithSession() async throws {
        try await Self.run { client, _, _ in
            let cookie = try await client.sessionCookie(Self.name, Self.password)
            #expect(try await client.page("/admin/clauses/12", cookie: cookie).status == .ok)
            let body = ByteBuffer(string: #"{"text":"会话加的问法"}"#)
            var headers: HTTPFields = [.cookie: cookie, .contentType: "application/json"]
            let refused = try await client.execute(
                uri: "/admin/items/12.2/examples", method: .post, headers: headers, body: body)
            #expect(refused.status == .forbidden)
            #expect(refused.error.contains("X-CSRF-Token"))
            let token = try #require(try await client.page("/admin/kb", cookie: cookie).csrf)
            headers[HTTPField.Name("X-CSRF-Token")!] = token
            let accepted = try await client.execute(
                uri: "/admin/items/12.2/examples", method: .post, headers: headers, body: body)
            #expect(accepted.status == .ok, "\(accepted.text)")
            #expect(accepted.json["who"] as? String == Self.name)
        }
    }

    @Test("HTTP Basic staff credentials work for scripts and are recorded as the person; a wrong password is 401")
    func basicCredentials() async throws {
        try await Self.run { client, _, _ in
            func basic(_ password: String) -> HTTPFields {
                [
                    .authorization: "Basic " + Data("\(Self.name):\(password)".utf8).base64EncodedString(),
                    .contentType: "application/json",
                ]
            }
            let body = ByteBuffer(string: #"{"text":"脚本加的问法"}"#)
            let ok = try await client.execute(
                uri: "/admin/items/12.2/examples", method: .post, headers: basic(Self.password), body: body)
            #expect(ok.status == .ok)
            #expect(ok.json["who"] as? String == Self.name)
            let wrong = try await client.execute(
                uri: "/admin/items/12.2/examples", method: .post, headers: basic("nope"), body: body)
            #expect(wrong.status == .unauthorized)
        }
    }

    @Test("a new password or a removed account ends the sessions opened before")
    func revocation() async throws {
        try await Self.run { client, store, _ in
            let cookie = try await client.sessionCookie(Self.name, Self.password)
            #expect(try await client.page("/admin/kb", cookie: cookie).status == .ok)
            let newHash = try PasswordHash.make(password: "a new password", rounds: 1 << 10).encoded
            #expect(try await store.setStaffPassword(named: Self.name, passwordHash: newHash, at: Date()) == true)
            #expect(try await client.page("/admin/kb", cookie: cookie).status == .seeOther)

            let again = try await client.sessionCookie(Self.name, "a new password")
            #expect(try await client.page("/admin/kb", cookie: again).status == .ok)
            #expect(try await store.removeStaff(named: Self.name) == true)
            #expect(try await client.page("/admin/kb", cookie: again).status == .seeOther)
        }
    }

    @Test("signing out clears the cookie")
    func signOut() async throws {
        try await Self.run { client, _, _ in
            let cookie = try await client.sessionCookie(Self.name, Self.password)
            let csrf = try #require(try await client.page("/admin/", cookie: cookie).csrf)
            let response = try await client.form("/admin/logout", ["csrf": csrf], cookie: cookie)
            #expect(response.status == .seeOther)
            #expect(response.headers[.setCookie]?.hasPrefix("policydesk_session=; Max-Age=0; Path=/admin") == true)
        }
    }

    @Test("sign-in attempts for one name are limited to 10 a minute")
    func throttled() async throws {
        // The clock stands still, so no attempt is given back however slowly the test runs.
        let instant = Date()
        try await Self.run(now: { instant }) { client, _, _ in
            for _ in 0..<10 { #expect(try await client.signIn(Self.name, "wrong").status == .unauthorized) }
            let eleventh = try await client.signIn(Self.name, Self.password)
            #expect(eleventh.status == .tooManyRequests)
            #expect(eleventh.text.contains("过于频繁"))
            #expect(try await client.signIn("王芳", "wrong").status == .unauthorized, "another name is not held back")
        }
    }

    @Test("a refused edit on the page says what is wrong beside its form and writes nothing")
    func refusedEditShown() async throws {
        try await Self.run { client, _, copy in
            let cookie = try await client.sessionCookie(Self.name, Self.password)
            let csrf = try #require(try await client.page("/admin/kb/12.2", cookie: cookie).csrf)
            let before = try copy.snapshot()
            let existing = "首次认定国家高新技术企业区里奖多少"
            let response = try await client.form(
                "/admin/kb/12.2/examples/add", ["text": existing, "csrf": csrf], cookie: cookie)
            #expect(response.status == .conflict)
            #expect(response.text.contains("id=\"error-add\""))
            #expect(response.text.contains("「\(existing)」已经是 12.2 的问法，没有重复添加。"))
            #expect(try copy.snapshot() == before)
        }
    }

    @Test("an undo a later edit stands in the way of is refused in Chinese, naming that edit; nothing changes")
    func supersededUndoShown() async throws {
        try await Self.run { client, _, copy in
            let cookie = try await client.sessionCookie(Self.name, Self.password)
            let csrf = try #require(try await client.page("/admin/kb/12.2", cookie: cookie).csrf)
            for text in ["第一次加的问法", "第二次加的问法"] {
                let added = try await client.form(
                    "/admin/kb/12.2/examples/add", ["text": text, "csrf": csrf], cookie: cookie)
                #expect(added.status == .seeOther)
            }
            let before = try copy.snapshot()
            let refused = try await client.form("/admin/history/1/undo", ["csrf": csrf], cookie: cookie)
            #expect(refused.status == .conflict)
            #expect(refused.text.contains("没有撤销 #1：之后的修改 #2 也改了这一处；请先撤销它（从最新的开始）。没有做任何修改。"))
            #expect(try copy.snapshot() == before)
        }
    }

    @Test("the try page shows the answer as WeCom and as DingTalk/Feishu show it, and how it was read")
    func tryPage() async throws {
        try await Self.run { client, _, _ in
            let cookie = try await client.sessionCookie(Self.name, Self.password)
            let q = "新认定的高企能拿多少钱".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let page = try await client.page("/admin/try?q=\(q)", cookie: cookie)
            #expect(page.status == .ok)
            #expect(page.text.contains("【第12条 扶优做强高新技术企业】"))
            #expect(page.text.contains("**"))  // the Markdown flavour
            #expect(page.text.contains("id=\"explain\""))
        }
    }
}

/// The two settings of staff sessions.
@Suite("Staff pages: session settings")
struct StaffSessionConfigurationTests {
    @Test("POLICYDESK_SESSION_HOURS sets how long a sign-in lasts; 8 hours unless set")
    func hours() throws {
        #expect(try ServerConfiguration.load(file: nil, environment: [:]).sessionLifetime == .seconds(8 * 3600))
        let set = try ServerConfiguration.load(file: nil, environment: ["POLICYDESK_SESSION_HOURS": "1.5"])
        #expect(set.sessionLifetime == .seconds(5400))
        #expect(try ServerConfiguration.load(file: nil, environment: ["POLICYDESK_SESSION_KEY": "k"]).sessionKey == "k")
    }

    @Test(
        "a session length that is not a number of hours from above 0 to 720 stops the start, naming the key",
        arguments: ["0", "-1", "721", "eight"])
    func badHours(_ value: String) {
        do {
            _ = try ServerConfiguration.load(file: nil, environment: ["POLICYDESK_SESSION_HOURS": value])
            Issue.record("POLICYDESK_SESSION_HOURS=\(value) was accepted")
        } catch {
            #expect(
                error.description
                    == "POLICYDESK_SESSION_HOURS in the environment must be a number of hours above 0 and at most 720")
        }
    }

    @Test("a session signed with another key is not accepted: POLICYDESK_SESSION_KEY ends every session")
    func keySeparation() {
        // The cookie carries whole seconds.
        let expires = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 60).rounded(.down))
        let session = StaffSession(kind: .staff, name: "李伟", expires: expires, fingerprint: "f")
        let cookie = SessionSigner(secret: "first key").cookieValue(for: session)
        #expect((try? SessionSigner(secret: "first key").session(from: cookie, now: Date()).get()) == session)
        #expect(SessionSigner(secret: "second key").session(from: cookie, now: Date()) == .failure(.badSignature))
    }
}

extension TestClientProtocol {
    /// Opens the sign-in form and posts it, as a browser does: with the form's pre-session cookie
    /// and its hidden CSRF token.
    func signIn(_ name: String, _ password: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        let page = try await execute(uri: "/admin/login", method: .get, headers: headers)
        let cookie = page.headers[.setCookie].map { String($0.prefix { $0 != ";" }) }
        return try await form(
            "/admin/login", ["name": name, "password": password, "csrf": page.csrf ?? ""], cookie: cookie,
            headers: headers)
    }

    /// Signs in and returns the `Cookie` header value the browser would send.
    func sessionCookie(_ name: String, _ password: String) async throws -> String {
        let response = try await signIn(name, password)
        let setCookie = try #require(response.headers[.setCookie], "sign-in of \(name): \(response.status)")
        return String(setCookie.prefix { $0 != ";" })
    }

    /// Posts the campaign preview form with `roster` as its uploaded file (none when nil).
    func previewCampaign(_ roster: Data?, items: String = "12.2", csrf: String, cookie: String) async throws
        -> TestResponse
    {
        let (type, body) = StaffCampaignPreviewTests.multipart(csrf: csrf, items: items, roster: roster)
        return try await execute(
            uri: "/admin/campaigns/preview", method: .post, headers: [.cookie: cookie, .contentType: type], body: body)
    }

    /// GETs `uri` with the session cookie.
    func page(_ uri: String, cookie: String) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: [.cookie: cookie])
    }

    /// Posts an HTML form.
    func form(_ uri: String, _ fields: [String: String], cookie: String?, headers: HTTPFields = [:]) async throws
        -> TestResponse
    {
        var headers = headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        if let cookie { headers[.cookie] = cookie }
        let body = fields.map { key, value in
            "\(key)=" + (value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        }.joined(separator: "&")
        return try await execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }
}

extension TestResponse {
    /// The CSRF token of the page's forms.
    var csrf: String? {
        guard let range = text.range(of: #"name="csrf" value=""#) else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "\"" })
    }
}

/// The campaign preview: a roster uploaded as a file, read and planned, nothing stored.
@Suite("Staff pages: campaign preview")
struct StaffCampaignPreviewTests {
    /// A `multipart/form-data` body of the CSRF token, the items and the roster file.
    static func multipart(csrf: String, items: String, roster: Data?) -> (String, ByteBuffer) {
        let boundary = "----PolicyDeskTestBoundary7MA4YWxk"
        var body = Data()
        func field(_ name: String, _ value: String) {
            body.append(
                Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        field("csrf", csrf)
        field("items", items)
        if let roster {
            body.append(
                Data(
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"roster\"; filename=\"名单.csv\"\r\nContent-Type: text/csv\r\n\r\n"
                        .utf8))
            body.append(roster)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return ("multipart/form-data; boundary=\(boundary)", ByteBuffer(bytes: body))
    }

    @Test(
        "an uploaded roster is read, its bad line listed with why, and each item's enterprises and yuan shown; no file is a 400"
    )
    func preview() async throws {
        try await StaffSessionTests.run { client, store, _ in
            let cookie = try await client.sessionCookie(StaffSessionTests.name, StaffSessionTests.password)
            let csrf = try #require(try await client.page("/admin/campaigns", cookie: cookie).csrf)
            let roster = """
                企业名称,统一社会信用代码,规模,平台,机器人地址,首次认定高企
                示例甲公司,91150602MAEXAMP01A,规上,企业微信,https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=a,是
                坏行公司,,规上,企业微信,https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=b,是

                """
            // GB18030 is read by the same reader (RosterTests); the browser test uploads a GB18030 file.
            let page = try await client.previewCampaign(Data(roster.utf8), csrf: csrf, cookie: cookie)
            #expect(page.status == .ok, "\(page.text)")
            #expect(page.text.contains("编码 UTF-8"))
            #expect(page.text.contains("<span id=\"enterprise-count\">1</span>"))
            #expect(page.text.contains("<span id=\"refused-count\">1</span>"))
            #expect(page.text.contains("第3行"))
            #expect(page.text.contains("12.2 首次认定国家高新技术企业：1 家，可算出的合计 200000 元"))
            #expect(try await store.campaigns().isEmpty, "a preview stores no campaign")

            let refused = try await client.previewCampaign(nil, csrf: csrf, cookie: cookie)
            #expect(refused.status == .badRequest)
            #expect(refused.text.contains("请选择名单文件"))
        }
    }
}
