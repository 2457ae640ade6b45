import Channels
import Foundation
import Hummingbird
import HummingbirdTesting
import Outreach
import OutreachModel
import PostgresStorage
import Storage
import TestSupport
import Testing

@testable import Server

/// 开始发送 on a server whose store is a PostgreSQL database shared by several instances: the page
/// takes the same advisory lock as `policydesk campaign run` on any machine, and the ledger is
/// the database's.
@Suite(
    "Staff pages: sending a campaign from a PostgreSQL instance",
    .enabled(if: TestPostgres.url != nil, TestPostgres.skipNote),
    .timeLimit(TestTime.minutes(2)))
struct StaffCampaignSendingPostgresTests {
    @Test("a page start is refused while another instance holds the advisory lock, and sends once it is free")
    func startUnderAdvisoryLock() async throws {
        let address = try PostgresStorage.temporarySchema(url: TestPostgres.url ?? "")
        let logger = TestPostgres.logger("test.campaign-page")
        try await PostgresStorage.withSchema(address, logger: logger) { store in
            let hash = try PasswordHash.make(password: StaffSessionTests.password, rounds: 1 << 10).encoded
            _ = try await store.addStaff(
                StaffAccount(name: StaffSessionTests.name, passwordHash: hash, createdAt: Date()))
            var configuration = TestServer.configuration()
            configuration.adminToken = AdminTest.token
            var dependencies = ServerDependencies(store: store, transport: CurlTransport(), campaigns: store)
            dependencies.takeCampaignRunLock = { () async throws(CampaignRunLockError) in
                try await PostgresCampaignRunLock.acquire(address: address, logger: logger)
            }
            let built = try buildApplication(
                configuration: configuration, dependencies: dependencies, logger: TestServer.logger)
            try await FakePlatform.with { fake in
                try await built.application.test(.router) { client in
                    let (cookie, csrf) = try await StaffCampaignSendingTests.signIn(client)
                    let fields = StaffCampaignSendingTests.startFields(
                        csrf: csrf, roster: StaffCampaignSendingTests.roster(fake))
                    // Another instance's `policydesk campaign run` holds the lock of this database.
                    let elsewhere = try await PostgresCampaignRunLock.acquire(address: address, logger: logger)
                    let refused = try await client.form("/admin/campaigns/start", fields, cookie: cookie)
                    #expect(refused.status == .conflict)
                    #expect(refused.text.contains("已有一个活动正在发送"))
                    #expect(try await store.campaigns().isEmpty, "a refused start stores nothing")
                    await elsewhere.release()

                    let started = try await client.form("/admin/campaigns/start", fields, cookie: cookie)
                    #expect(started.status == .seeOther)
                    let done = try await eventually(timeout: .seconds(30)) {
                        let page = try await client.page("/admin/campaigns/1", cookie: cookie).text
                        return StaffCampaignSendingTests.count("delivered", in: page) == 2 && page.contains("已结束")
                    }
                    #expect(done)
                    #expect(fake.requests().count == 2, "each enterprise is sent one message, none twice")
                    let deliveries = try await store.deliveries(campaignID: 1)
                    #expect(deliveries.map(\.state) == [.delivered, .delivered], "the ledger in PostgreSQL says so")
                    // The run released the lock when it ended: the command line can take it now.
                    let after = try await PostgresCampaignRunLock.acquire(address: address, logger: logger)
                    await after.release()
                }
            }
        }
    }
}
