import Desk
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PolicyKit
import Testing

@testable import Server

/// `/admin/…` needs the bearer token, and does not exist at all when no token is configured.
@Suite("Admin API: the bearer token")
struct AdminAuthTests {
    /// Every admin route, with a body where it takes one.
    static let routes: [(HTTPRequest.Method, String, String?)] = [
        (.get, "/admin/clauses", nil),
        (.get, "/admin/clauses/12", nil),
        (.get, "/admin/items/12.2", nil),
        (.post, "/admin/items/12.2/examples", #"{"text":"新问法"}"#),
        (.delete, "/admin/items/12.2/examples", #"{"text":"首次认定高企奖补找哪个局"}"#),
        (.put, "/admin/items/12.2/text", #"{"text":"新原文"}"#),
        (.put, "/admin/items/12.2/checklist", #"{"checklist":["营业执照"]}"#),
        (.get, "/admin/contacts", nil),
        (.put, "/admin/contacts/\(AdminTest.segment("区财政局"))", #"{"phone":"0477-1"}"#),
        (.get, "/admin/audit", nil),
        (.post, "/admin/audit/1/undo", nil),
        (.post, "/admin/reload", nil),
        (.get, "/admin/misses", nil),
        (.post, "/admin/misses/1/answer", #"{"item":"12.2"}"#),
        (.post, "/admin/misses/1/dismiss", nil),
    ]

    @Test func everyRouteIs401WithoutTheTokenAndNothingChanges() async throws {
        try await AdminTest.run { client, _, copy in
            let before = try copy.snapshot()
            for (method, uri, body) in Self.routes {
                let response = try await client.admin(method, uri, body: body, token: nil)
                #expect(response.status == .unauthorized, "\(method) \(uri) without a token: \(response.status)")
                #expect(response.error.contains("Authorization: Bearer"), "\(method) \(uri): \(response.text)")
            }
            #expect(try copy.snapshot() == before)
        }
    }

    @Test(arguments: [
        "Bearer wrong-token", "Bearer \(AdminTest.token)x", "Bearer ", "bearer \(AdminTest.token)", AdminTest.token,
        "Basic \(Data("admin:\(AdminTest.token)".utf8).base64EncodedString())", "Bearer  \(AdminTest.token)",
    ])
    func aWrongTokenIs401(_ authorization: String) async throws {
        try await AdminTest.run { client, _, copy in
            let before = try copy.snapshot()
            for (method, uri, body) in Self.routes {
                var headers = HTTPFields()
                headers[.authorization] = authorization
                let response = try await client.execute(
                    uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
                #expect(
                    response.status == .unauthorized, "\(method) \(uri) with 「\(authorization)」: \(response.status)")
            }
            #expect(try copy.snapshot() == before)
            #expect(try await client.auditEntries().isEmpty)
        }
    }

    @Test func theRightTokenIsLetThrough() async throws {
        try await AdminTest.run { client, _, _ in
            let response = try await client.admin(.get, "/admin/clauses")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test func withoutAConfiguredTokenTheRoutesDoNotExist() async throws {
        try await AdminTest.run(token: nil) { client, _, copy in
            let before = try copy.snapshot()
            for (method, uri, body) in Self.routes {
                // Not even the right-looking token opens them: they are not there.
                let response = try await client.admin(method, uri, body: body, token: AdminTest.token)
                #expect(response.status == .notFound, "\(method) \(uri) with admin off: \(response.status)")
            }
            #expect(try copy.snapshot() == before)
            // The rest of the server is unaffected.
            #expect(try await client.answer("规上企业新认定高企能拿多少钱")["item"] as? String == "12.2")
        }
    }
}
