import Desk
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PolicyKit
import Testing

@testable import Server

/// Listing and reading clauses, items, their example questions and the contacts.
@Suite("Admin API: reading")
struct AdminReadTests {
    @Test func clausesListEveryClauseWithItsItemsAndExampleCounts() async throws {
        try await AdminTest.run { client, parts, _ in
            let response = try await client.admin(.get, "/admin/clauses")
            #expect(response.status == .ok)
            let clauses = response.jsonArray
            #expect(clauses.compactMap { $0["clause"] as? Int } == Array(0...31))
            let items = clauses.flatMap { $0["items"] as? [[String: Any]] ?? [] }
            #expect(items.count == parts.desks.desk.knowledge.policy.items.count)
            let twelve = try #require(clauses.first { $0["clause"] as? Int == 12 })
            #expect(twelve["title"] as? String == "扶优做强高新技术企业")
            #expect(twelve["leadUnit"] as? String == "区工信和科技局")
            let twelveItems = try #require(twelve["items"] as? [[String: Any]])
            #expect(twelveItems.count == 6)
            let item = try #require(twelveItems.first { $0["id"] as? String == "12.2" })
            #expect(item["title"] as? String == "首次认定国家高新技术企业")
            #expect(item["examples"] as? Int == parts.desks.desk.knowledge.policy.item("12.2")?.examples.count)
        }
    }

    @Test func aClauseShowsItsTextUnitsAndEveryItemInFull() async throws {
        try await AdminTest.run { client, _, _ in
            let response = try await client.admin(.get, "/admin/clauses/12")
            #expect(response.status == .ok)
            let clause = response.json
            #expect(clause["clause"] as? Int == 12)
            #expect(clause["leader"] as? String == "史雪松")
            #expect(clause["units"] as? [String] == ["区财政局"])
            #expect((clause["text"] as? String)?.hasPrefix("对首次认定自治区科技领军企业") == true)
            let items = try #require(clause["items"] as? [[String: Any]])
            #expect(items.compactMap { $0["id"] as? String } == ["12.1", "12.2", "12.3", "12.4", "12.5", "12.6"])
            #expect((items[1]["examples"] as? [String])?.first == "首次认定国家高新技术企业区里奖多少")
        }
    }

    @Test(arguments: ["99", "-1", "32", "twelve", "12.2"])
    func anUnknownClauseIs404(_ number: String) async throws {
        try await AdminTest.run { client, _, _ in
            let response = try await client.admin(.get, "/admin/clauses/\(number)")
            #expect(response.status == .notFound)
            #expect(response.error.contains("0 to 31"))
        }
    }

    @Test func anItemShowsItsTextChecklistAndExamples() async throws {
        try await AdminTest.run { client, _, copy in
            let response = try await client.admin(.get, "/admin/items/12.2")
            #expect(response.status == .ok)
            let item = response.json
            #expect(item["id"] as? String == "12.2")
            #expect(item["clause"] as? Int == 12)
            #expect(item["title"] as? String == "首次认定国家高新技术企业")
            #expect((item["text"] as? String)?.hasPrefix("对首次认定的国家高新技术企业") == true)
            #expect(
                item["checklist"] as? [String] == [
                    "奖补申请表", "营业执照（副本复印件）", "国家高新技术企业证书", "规模以上企业统计证明（规上企业提供）", "企业银行账户信息",
                ])
            #expect(item["conditions"] as? [String] == ["首次认定", "在自治区科研经费奖励基础上", "一次性"])
            #expect(item["amount"] as? String == "规模以上企业 20万，规模以下企业 10万（一次性）")
            // The examples are the file's, in the file's order.
            let onDisk = examples(of: "12.2", in: parsedYAML(try copy.bytes("clauses/12.yaml")))
            #expect(item["examples"] as? [String] == onDisk)
            #expect((onDisk?.count ?? 0) >= 8)
        }
    }

    @Test(arguments: ["99.1", "12.9", "12", "abc"])
    func anUnknownItemIs404(_ id: String) async throws {
        try await AdminTest.run { client, _, _ in
            let response = try await client.admin(.get, "/admin/items/\(id)")
            #expect(response.status == .notFound)
            #expect(response.error.contains("GET /admin/clauses"))
        }
    }

    @Test func contactsListEveryUnitWithItsFields() async throws {
        try await AdminTest.run { client, parts, _ in
            let response = try await client.admin(.get, "/admin/contacts")
            #expect(response.status == .ok)
            let contacts = response.jsonArray
            #expect(contacts.count == parts.desks.desk.knowledge.contacts.count)
            let finance = try #require(contacts.first { $0["unit"] as? String == "区财政局" })
            #expect(Set(finance.keys) == ["unit", "phone", "address", "person", "hours", "aliases"])
            #expect(finance["phone"] as? String == "")
            #expect(finance["aliases"] as? [String] == [])
            let development = try #require(contacts.first { $0["unit"] as? String == "区发展和改革委员会" })
            #expect(development["aliases"] as? [String] == ["发改委", "发改局", "发展改革委"])
            let units = contacts.compactMap { $0["unit"] as? String }
            #expect(units == units.sorted())
        }
    }
}
