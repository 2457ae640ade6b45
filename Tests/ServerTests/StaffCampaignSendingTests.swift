import Channels
import Desk
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Outreach
import OutreachModel
import Storage
import TestSupport
import Testing

@testable import Server

/// 开始发送 on the campaigns page: planned and stored as `policydesk campaign plan` does, sent in
/// the server's service group as `policydesk campaign run` does, under the same run lock, to a
/// fake robot platform on 127.0.0.1; progress and reports behind the staff session.
@Suite("Staff pages: sending a campaign", .timeLimit(TestTime.minutes(2)))
struct StaffCampaignSendingTests {
    /// Runs `body` against the real application with campaigns in an in-memory SQLite store whose
    /// run lock sits in a temporary folder (`lockPath` is the database path the lock is taken for).
    static func run(
        configure: (inout ServerConfiguration) -> Void = { _ in },
        store given: SQLiteStorage? = nil,
        settings: CampaignLaunch.RunSettings = .init(),
        _ body:
            @Sendable (_ client: any TestClientProtocol, _ store: SQLiteStorage, _ lockPath: String) async throws
            -> Void
    ) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "policydesk-campaign-send-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let lockPath = folder.appendingPathComponent("campaigns.sqlite").path
        let store: SQLiteStorage
        if let given { store = given } else { store = try await StaffSessionTests.store() }
        var configuration = TestServer.configuration()
        configuration.adminToken = AdminTest.token
        configure(&configuration)
        var dependencies = ServerDependencies(store: store, transport: CurlTransport(), campaigns: store)
        dependencies.takeCampaignRunLock = { () throws(CampaignRunLockError) in
            try FileCampaignRunLock.acquire(databasePath: lockPath)
        }
        dependencies.campaignRunSettings = settings
        let built = try buildApplication(
            configuration: configuration, dependencies: dependencies, logger: TestServer.logger)
        try await built.application.test(.router) { client in try await body(client, store, lockPath) }
    }

    /// Two enterprises that qualify for 12.2 (200 000 yuan above the size threshold, 100 000 below),
    /// each in a WeCom group of the fake.
    static func roster(_ fake: FakePlatform) -> Data {
        Data(
            """
            企业名称,统一社会信用代码,规模,平台,机器人地址,首次认定高企
            示例甲公司,91150602MAEXAMP01A,规上,企业微信,\(fake.weCom("k1")),是
            示例乙公司,91150602MAEXAMP02D,规下,企业微信,\(fake.weCom("k2")),是

            """.utf8)
    }

    /// The 开始发送 form as the preview page fills it in.
    static func startFields(csrf: String?, roster: Data) -> [String: String] {
        var fields = ["items": "12.2", "rosterName": "名单.csv", "roster": roster.base64EncodedString()]
        if let csrf { fields["csrf"] = csrf }
        return fields
    }

    /// Posts the 开始发送 form.
    static func start(_ client: any TestClientProtocol, roster: Data, csrf: String?, cookie: String) async throws
        -> TestResponse
    {
        try await client.form("/admin/campaigns/start", startFields(csrf: csrf, roster: roster), cookie: cookie)
    }

    /// Signs in as the staff account; the session cookie and the CSRF token of its forms.
    static func signIn(_ client: any TestClientProtocol) async throws -> (cookie: String, csrf: String) {
        let cookie = try await client.sessionCookie(StaffSessionTests.name, StaffSessionTests.password)
        let csrf = try #require(try await client.page("/admin/campaigns", cookie: cookie).csrf)
        return (cookie, csrf)
    }

    /// The count in the progress page's row of `state`.
    static func count(_ state: String, in page: String) -> Int? {
        guard let row = page.range(of: "<tr id=\"state-\(state)\">") else { return nil }
        let rest = page[row.upperBound...]
        guard let cell = rest.range(of: "<td class=\"count\">") else { return nil }
        return Int(rest[cell.upperBound...].prefix { $0.isNumber })
    }

    @Test("开始发送 without the form's CSRF token is refused with 403, and no campaign is stored")
    func startNeedsCSRF() async throws {
        try await FakePlatform.with { fake in
            try await Self.run { client, store, _ in
                let (cookie, _) = try await Self.signIn(client)
                let refused = try await Self.start(client, roster: Self.roster(fake), csrf: nil, cookie: cookie)
                #expect(refused.status == .forbidden)
                #expect(refused.text.contains("CSRF"))
                let forged = try await client.form(
                    "/admin/campaigns/start", Self.startFields(csrf: "forged", roster: Self.roster(fake)),
                    cookie: cookie)
                #expect(forged.status == .forbidden)
                #expect(try await store.campaigns().isEmpty)
                #expect(fake.requests().isEmpty)
            }
        }
    }

    @Test(
        "a start while another run holds the run lock (command line or page) is refused in Chinese; nothing is stored")
    func secondStartRefused() async throws {
        try await FakePlatform.with { fake in
            try await Self.run { client, store, lockPath in
                let (cookie, csrf) = try await Self.signIn(client)
                let fields = Self.startFields(csrf: csrf, roster: Self.roster(fake))
                do {
                    // `policydesk campaign run` holds the lock of the same database.
                    let commandLine = try FileCampaignRunLock.acquire(databasePath: lockPath)
                    let refused = try await client.form("/admin/campaigns/start", fields, cookie: cookie)
                    #expect(refused.status == .conflict)
                    #expect(refused.text.contains("已有一个活动正在发送"))
                    #expect(try await store.campaigns().isEmpty)
                    await commandLine.release()
                }
                // A page start whose first robot answers slowly is still sending when the second comes.
                fake.script(robot: "wecom:k1", [.init(body: #"{"errcode":0,"errmsg":"ok"}"#, delay: .seconds(2))])
                let first = try await client.form("/admin/campaigns/start", fields, cookie: cookie)
                #expect(first.status == .seeOther)
                #expect(first.headers[.location] == "/admin/campaigns/1?started=1")
                let second = try await client.form("/admin/campaigns/start", fields, cookie: cookie)
                #expect(second.status == .conflict)
                #expect(second.text.contains("已有一个活动正在发送"))
                #expect(try await store.campaigns().map(\.campaign.id) == [1])
                let finished = try await eventually(timeout: .seconds(30)) {
                    Self.count("delivered", in: try await client.page("/admin/campaigns/1", cookie: cookie).text) == 2
                }
                #expect(finished)
                #expect(fake.requests().count == 2, "each enterprise is sent one message, none twice")
            }
        }
    }

    @Test("the progress page counts the messages by state in Chinese, and the audit log names who started it")
    func progress() async throws {
        try await FakePlatform.with { fake in
            try await Self.run { client, store, _ in
                let (cookie, csrf) = try await Self.signIn(client)
                let started = try await Self.start(client, roster: Self.roster(fake), csrf: csrf, cookie: cookie)
                #expect(started.status == .seeOther)
                let done = try await eventually(timeout: .seconds(30)) {
                    let page = try await client.page("/admin/campaigns/1", cookie: cookie).text
                    return page.contains("已结束")
                }
                #expect(done)
                let page = try await client.page("/admin/campaigns/1", cookie: cookie)
                #expect(page.status == .ok)
                #expect(page.text.contains("<td>已送达</td><td class=\"count\">2</td>"))
                #expect(Self.count("delivered", in: page.text) == 2)
                #expect(Self.count("planned", in: page.text) == 0)
                #expect(Self.count("failed", in: page.text) == 0)
                #expect(Self.count("uncertain", in: page.text) == 0)
                #expect(Self.count("skipped", in: page.text) == 0)
                #expect(Self.count("total", in: page.text) == 2)
                #expect(page.text.contains("<span id=\"delivered-yuan\" data-yuan=\"300000\">30万</span>"))
                #expect(!page.text.contains("http-equiv=\"refresh\""), "a finished campaign's page stops reloading")
                #expect(!page.text.contains("id=\"continue\""), "nothing is left to continue")
                #expect(!page.text.contains("campaign resolve"), "no uncertain message, so no word on resolving one")

                let texts = fake.requests().compactMap(\.text)
                #expect(texts.count == 2)
                #expect(texts.contains { $0.contains("示例甲公司") } && texts.contains { $0.contains("示例乙公司") })

                let entry = try #require(try await store.list(limit: 1, offset: 0).first)
                #expect(entry.who == StaffSessionTests.name)
                #expect(entry.action == "campaign start")
                #expect(entry.target == "campaign 1")
                #expect(entry.before == nil, "starting a campaign is not undone from the history page")

                let noItem = try await client.page("/admin/kb/99.9", cookie: cookie)
                #expect(noItem.status == .notFound)
                #expect(noItem.headers[.contentType] == "text/html; charset=utf-8")
                #expect(noItem.text.contains("没有这个事项：请从知识库页面选择。"))

                let unknown = try await client.page("/admin/campaigns/99", cookie: cookie)
                #expect(unknown.status == .notFound)
                #expect(unknown.text.contains("没有编号为 99 的活动"))
            }
        }
    }

    @Test("the report routes answer a staff session as they answer the admin token, and refuse no credentials")
    func reportsBehindSession() async throws {
        try await FakePlatform.with { fake in
            try await Self.run { client, _, _ in
                let (cookie, csrf) = try await Self.signIn(client)
                _ = try await Self.start(client, roster: Self.roster(fake), csrf: csrf, cookie: cookie)
                let done = try await eventually(timeout: .seconds(30)) {
                    Self.count("delivered", in: try await client.page("/admin/campaigns/1", cookie: cookie).text) == 2
                }
                #expect(done)
                let csv = try await client.page("/admin/campaigns/1/report?format=csv", cookie: cookie)
                #expect(csv.status == .ok)
                #expect(csv.headers[.contentType] == "text/csv; charset=utf-8")
                let rows = csv.text.split(whereSeparator: \.isNewline).filter { !$0.isEmpty }
                #expect(rows.count == 3, "a header and one row per message: \(csv.text)")
                #expect(rows.dropFirst().allSatisfy { $0.contains("已送达") })
                #expect(rows.dropFirst().contains { $0.contains("91150602MAEXAMP01A") })

                let json = try await client.page("/admin/campaigns/1/report?format=json", cookie: cookie)
                #expect(json.status == .ok)
                let html = try await client.page("/admin/campaigns/1/report?format=html", cookie: cookie)
                #expect(html.status == .ok)
                #expect(html.text.contains("<html"))

                let bearer = try await client.execute(
                    uri: "/admin/campaigns/1/report?format=csv", method: .get,
                    headers: [.authorization: AdminTest.authorization])
                #expect(bearer.text == csv.text)
                let anonymous = try await client.execute(uri: "/admin/campaigns/1/report?format=csv", method: .get)
                #expect(anonymous.status == .unauthorized)
            }
        }
    }

    @Test("a graceful shutdown stops a run as Ctrl-C stops the command: the call in flight finishes, the rest waits")
    func gracefulShutdown() async throws {
        try await FakePlatform.with { fake in
            let store = try await StaffSessionTests.store()
            let roster = Data(
                """
                企业名称,统一社会信用代码,规模,平台,机器人地址,首次认定高企
                示例甲公司,91150602MAEXAMP01A,规上,企业微信,\(fake.weCom("shared")),是
                示例乙公司,91150602MAEXAMP02D,规下,企业微信,\(fake.weCom("shared")),是
                示例丙公司,91150602MAEXAMP03G,规下,企业微信,\(fake.weCom("shared")),是

                """.utf8)
            // The fake holds its first answer long enough for the shutdown to arrive while that call is
            // in flight, however slowly a loaded machine runs the test (the run waits up to a minute).
            fake.script(robot: "wecom:shared", [.init(body: #"{"errcode":0,"errmsg":"ok"}"#, delay: .seconds(15))])
            try await Self.run(store: store, settings: .init(timeout: 60)) { client, _, _ in
                let (cookie, csrf) = try await Self.signIn(client)
                let started = try await Self.start(client, roster: roster, csrf: csrf, cookie: cookie)
                #expect(started.status == .seeOther)
                // The first message is in flight (the fake holds its answer); the server then stops.
                #expect(await eventually { fake.requests().count == 1 })
            }
            let states = try await store.deliveries(campaignID: 1).map(\.state)
            #expect(states == [.delivered, .planned, .planned], "the answered call recorded, the rest still to send")
            #expect(fake.requests().count == 1)
        }
    }

    @Test(
        "继续发送 does what `campaign run ID` does after a crash: the message left in flight becomes uncertain, the rest are sent"
    )
    func continueAfterCrash() async throws {
        try await FakePlatform.with { fake in
            let store = try await StaffSessionTests.store()
            let knowledge = try KnowledgeBaseLoader(
                intents: URL(fileURLWithPath: Repository.intents), templates: URL(fileURLWithPath: Repository.templates)
            ).load()
            let planned = try await CampaignLaunch.plan(
                .init(roster: try Roster.parse(Self.roster(fake)), rosterName: "名单.csv", itemIDs: ["12.2"]),
                knowledge: knowledge, store: store, dryRun: false, now: Date())
            let id = try #require(planned.campaignID)
            // A run that died while the first message was in flight.
            let first = try #require(try await store.deliveries(campaignID: id).first)
            _ = try await store.claimSend(deliveryID: first.id, at: Date(), noRepeatSince: .distantPast)
            try await Self.run(store: store) { client, _, _ in
                let (cookie, csrf) = try await Self.signIn(client)
                let stopped = try await client.page("/admin/campaigns/\(id)", cookie: cookie)
                #expect(stopped.text.contains("id=\"continue\""))
                let continued = try await client.form(
                    "/admin/campaigns/\(id)/run", ["csrf": csrf], cookie: cookie)
                #expect(continued.status == .seeOther)
                let done = try await eventually(timeout: .seconds(30)) {
                    try await client.page("/admin/campaigns/\(id)", cookie: cookie).text.contains("已结束")
                }
                #expect(done)
                let page = try await client.page("/admin/campaigns/\(id)", cookie: cookie).text
                #expect(Self.count("uncertain", in: page) == 1)
                #expect(Self.count("delivered", in: page) == 1)
                #expect(page.contains("campaign resolve \(id)"), "the page says how to resolve the uncertain message")
                #expect(fake.requests().count == 1, "the message that may have arrived is not sent again")
                #expect(try await store.list(limit: 1, offset: 0).first?.action == "campaign continue")
            }
        }
    }

    @Test("a roster over POLICYDESK_UPLOAD_LIMIT is refused with 413 in Chinese, and nothing is stored")
    func uploadLimit() async throws {
        try await FakePlatform.with { fake in
            try await Self.run(configure: { $0.uploadLimit = 300 }) { client, store, _ in
                let (cookie, csrf) = try await Self.signIn(client)
                let roster = Self.roster(fake)
                #expect(roster.count > 300)
                let over = try await client.previewCampaign(roster, csrf: csrf, cookie: cookie)
                #expect(over.status == .contentTooLarge)
                #expect(over.text.contains("超过上传上限 300 字节"))

                // Far over: refused while reading, before the form is looked at.
                let huge = Data(repeating: UInt8(ascii: "a"), count: 200_000)
                let refused = try await client.previewCampaign(huge, csrf: csrf, cookie: cookie)
                #expect(refused.status == .contentTooLarge)
                #expect(refused.text.contains("上传的名单超过上限 300 字节"))

                let start = try await Self.start(client, roster: roster, csrf: csrf, cookie: cookie)
                #expect(start.status == .contentTooLarge)
                #expect(try await store.campaigns().isEmpty)
                #expect(fake.requests().isEmpty)
            }
        }
    }

    @Test("the preview offers 开始发送 carrying the roster back, with the previewed counts")
    func previewOffersStart() async throws {
        try await FakePlatform.with { fake in
            try await Self.run { client, store, _ in
                let (cookie, csrf) = try await Self.signIn(client)
                let page = try await client.previewCampaign(Self.roster(fake), csrf: csrf, cookie: cookie)
                #expect(page.status == .ok)
                #expect(page.text.contains("id=\"start-form\""))
                #expect(page.text.contains(Self.roster(fake).base64EncodedString()))
                #expect(page.text.contains("将向 <strong>2</strong> 家企业"))
                #expect(page.text.contains("12.2 首次认定国家高新技术企业：2 家，可算出的合计 300000 元</li>"))
                #expect(!page.text.contains("近 30 天已通知过"), "nobody was told recently, so no such note")
                #expect(!page.text.contains("id=\"refused\""), "no line was refused, so no list of them")
                #expect(try await store.campaigns().isEmpty, "a preview stores nothing")

                let unknownItem = try await client.previewCampaign(
                    Self.roster(fake), items: "12.2,99.9", csrf: csrf, cookie: cookie)
                #expect(unknownItem.status == .unprocessableContent)
                #expect(unknownItem.text.contains("无法生成预览：政策里没有事项「99.9」。可以通知的事项："))
                let noSuchCampaign = try await client.form("/admin/campaigns/7/run", ["csrf": csrf], cookie: cookie)
                #expect(noSuchCampaign.status == .notFound)
                #expect(noSuchCampaign.text.contains("没有编号为 7 的活动。"))
            }
        }
    }
}

/// The sign-in form: its own CSRF token (a pre-session cookie and a hidden field) and attempts
/// limited per client address as well as per name.
@Suite("Staff pages: the sign-in form")
struct StaffSignInFormTests {
    @Test("a sign-in without the form's token, or with a token of another form, is refused with 403")
    func loginCSRF() async throws {
        try await StaffSessionTests.run { client, _, _ in
            let bare = try await client.form(
                "/admin/login", ["name": StaffSessionTests.name, "password": StaffSessionTests.password], cookie: nil)
            #expect(bare.status == .forbidden)
            #expect(bare.text.contains("CSRF"))
            #expect(bare.headers[values: .setCookie].allSatisfy { !$0.hasPrefix("policydesk_session=") })

            let first = try await client.execute(uri: "/admin/login", method: .get)
            let second = try await client.execute(uri: "/admin/login", method: .get)
            let cookie = try #require(first.headers[.setCookie]).prefix { $0 != ";" }
            #expect(cookie.hasPrefix("policydesk_login="))
            #expect(first.headers[.setCookie]?.contains("HttpOnly; SameSite=Strict") == true)
            let mixed = try await client.form(
                "/admin/login",
                ["name": StaffSessionTests.name, "password": StaffSessionTests.password, "csrf": second.csrf ?? ""],
                cookie: String(cookie))
            #expect(mixed.status == .forbidden)

            let signedIn = try await client.signIn(StaffSessionTests.name, StaffSessionTests.password)
            #expect(signedIn.status == .seeOther)
        }
    }

    @Test("one client address is held back after 30 sign-in attempts a minute across names; another address is not")
    func throttledPerAddress() async throws {
        let instant = Date()
        try await StaffSessionTests.run(now: { instant }) { client, _, _ in
            let address: HTTPFields = [HTTPField.Name("X-Real-IP")!: "203.0.113.7"]
            for n in 0..<30 {
                #expect(try await client.signIn("名字\(n)", "wrong", headers: address).status == .unauthorized)
            }
            let next = try await client.signIn(StaffSessionTests.name, StaffSessionTests.password, headers: address)
            #expect(next.status == .tooManyRequests)
            #expect(next.text.contains("过于频繁"))
            let other = try await client.signIn(
                StaffSessionTests.name, StaffSessionTests.password,
                headers: [HTTPField.Name("X-Real-IP")!: "203.0.113.8"])
            #expect(other.status == .seeOther)
        }
    }
}
