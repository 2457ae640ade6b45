import Channels
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Server
import Storage
import Testing

@Suite("Campaign reports under /admin")
struct CampaignReportRouteTests {
    func withApp(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var configuration = TestServer.configuration()
        configuration.adminToken = "report-token"
        let store = try SQLiteStorage.inMemory()
        let dependencies = ServerDependencies(store: store, transport: CurlTransport(), campaigns: store)
        let built = try buildApplication(
            configuration: configuration, dependencies: dependencies, logger: Logger(label: "test"))
        try await built.application.test(.router) { client in try await body(client) }
    }

    @Test("the report needs the admin token, names an unknown campaign, and refuses an unknown format")
    func refusals() async throws {
        try await withApp { client in
            let bare = try await client.execute(uri: "/admin/campaigns/1/report", method: .get)
            #expect(bare.status == .unauthorized)
            let auth: HTTPFields = [.authorization: "Bearer report-token"]
            let missing = try await client.execute(uri: "/admin/campaigns/42/report", method: .get, headers: auth)
            #expect(missing.status == .notFound)
            #expect(String(buffer: missing.body).contains("campaign 42"))
            let format = try await client.execute(
                uri: "/admin/campaigns/42/report?format=pdf", method: .get, headers: auth)
            #expect(format.status == .badRequest)
            #expect(String(buffer: format.body).contains("json, csv or html"))
        }
    }
}
