import Desk
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PolicyKit
import Testing

@testable import Server

/// A refused edit leaves the files on disk and the serving snapshot exactly as they were, is not
/// audited, and says what to fix.
@Suite("Admin API: refused edits")
struct AdminRejectionTests {
    /// One request that must be refused.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var method: HTTPRequest.Method
        var uri: String
        var body: String?
        var status: HTTPResponse.Status
        /// Text the error message must contain.
        var says: [String]

        var testDescription: String { name }
    }

    static let finance = AdminTest.segment("区财政局")

    static let cases: [Case] = [
        // Validated exactly as lint validates.
        Case(
            name: "an example of another item in the same file", method: .post, uri: "/admin/items/12.1/examples",
            body: #"{"text":"首次认定国家高新技术企业区里奖多少"}"#, status: .unprocessableContent,
            says: [
                "12.1", "12.2", "clauses/12.yaml:", "首次认定国家高新技术企业区里奖多少", "keep it under one item",
                "nothing was changed",
            ]),
        Case(
            name: "an example of an item in another file", method: .post, uri: "/admin/items/12.2/examples",
            body: #"{"text":"创新联合体一次性奖补多少万"}"#, status: .unprocessableContent,
            says: ["12.2", "17.1", "clauses/17.yaml:", "keep it under one item"]),
        Case(
            name: "an example the out-of-scope list also has: the bot would still refuse it", method: .post,
            uri: "/admin/items/12.2/examples", body: #"{"text":"注册公司需要什么材料?"}"#,
            status: .unprocessableContent,
            says: ["out_of_scope.yaml", "注册公司需要什么材料", "would still refuse it", "nothing was changed"]),
        Case(
            name: "an example the item already has", method: .post, uri: "/admin/items/12.2/examples",
            body: #"{"text":"首次认定高企奖补找哪个局"}"#, status: .conflict, says: ["already an example of 12.2"]),
        // Unknown things.
        Case(
            name: "adding to an unknown item", method: .post, uri: "/admin/items/99.1/examples", body: #"{"text":"x"}"#,
            status: .notFound, says: ["no such item"]),
        Case(
            name: "removing from an unknown item", method: .delete, uri: "/admin/items/12.9/examples",
            body: #"{"text":"x"}"#, status: .notFound, says: ["no such item"]),
        Case(
            name: "text of an unknown item", method: .put, uri: "/admin/items/99.1/text", body: #"{"text":"x"}"#,
            status: .notFound, says: ["no such item"]),
        Case(
            name: "checklist of an unknown item", method: .put, uri: "/admin/items/99.1/checklist",
            body: #"{"checklist":["x"]}"#, status: .notFound, says: ["no such item"]),
        Case(
            name: "an unknown unit", method: .put, uri: "/admin/contacts/\(AdminTest.segment("区宇宙局"))",
            body: #"{"phone":"1"}"#, status: .notFound, says: ["区宇宙局"]),
        Case(
            name: "removing an example the item does not have", method: .delete, uri: "/admin/items/12.2/examples",
            body: #"{"text":"从来没有这个问法"}"#, status: .notFound, says: ["从来没有这个问法", "12.2"]),
        Case(
            name: "undo of an unknown audit id", method: .post, uri: "/admin/audit/999/undo", body: nil,
            status: .notFound, says: ["audit entry 999"]),
        Case(
            name: "undo of an id that is not a number", method: .post, uri: "/admin/audit/abc/undo", body: nil,
            status: .badRequest, says: ["number"]),
        // Empty or missing text.
        Case(
            name: "an empty example", method: .post, uri: "/admin/items/12.2/examples", body: #"{"text":""}"#,
            status: .badRequest, says: ["text"]),
        Case(
            name: "a blank example", method: .post, uri: "/admin/items/12.2/examples", body: #"{"text":"  \n "}"#,
            status: .badRequest, says: ["text"]),
        Case(
            name: "an example without text", method: .post, uri: "/admin/items/12.2/examples", body: #"{}"#,
            status: .badRequest, says: ["missing `text`"]),
        Case(
            name: "an example of two lines", method: .post, uri: "/admin/items/12.2/examples",
            body: #"{"text":"第一行\n第二行"}"#, status: .badRequest, says: ["one line"]),
        Case(
            name: "removing an empty example", method: .delete, uri: "/admin/items/12.2/examples",
            body: #"{"text":""}"#, status: .badRequest, says: ["text"]),
        Case(
            name: "an empty item text", method: .put, uri: "/admin/items/12.2/text", body: #"{"text":""}"#,
            status: .badRequest, says: ["cannot be empty"]),
        Case(
            name: "a blank item text", method: .put, uri: "/admin/items/12.2/text", body: #"{"text":"   "}"#,
            status: .badRequest, says: ["cannot be empty"]),
        Case(
            name: "a checklist with an empty entry", method: .put, uri: "/admin/items/12.2/checklist",
            body: #"{"checklist":["营业执照",""]}"#, status: .badRequest, says: ["non-empty"]),
        Case(
            name: "a checklist entry of two lines", method: .put, uri: "/admin/items/12.2/checklist",
            body: #"{"checklist":["营业执照\n副本"]}"#, status: .badRequest,
            says: ["checklist entry 1 contains a line break (U+000A) at character 5", "one line"]),
        Case(
            name: "a body without checklist", method: .put, uri: "/admin/items/12.2/checklist",
            body: #"{"list":["营业执照"]}"#, status: .badRequest, says: ["missing `checklist`"]),
        // Malformed JSON.
        Case(
            name: "malformed JSON for an example", method: .post, uri: "/admin/items/12.2/examples",
            body: #"{"text": "#, status: .badRequest, says: ["JSON"]),
        Case(
            name: "no body for an example", method: .post, uri: "/admin/items/12.2/examples", body: nil,
            status: .badRequest, says: ["JSON"]),
        Case(
            name: "malformed JSON for removing", method: .delete, uri: "/admin/items/12.2/examples", body: "text=x",
            status: .badRequest, says: ["JSON"]),
        Case(
            name: "a number for text", method: .put, uri: "/admin/items/12.2/text", body: #"{"text": 5}"#,
            status: .badRequest, says: ["JSON"]),
        Case(
            name: "a string for a checklist", method: .put, uri: "/admin/items/12.2/checklist",
            body: #"{"checklist":"营业执照"}"#, status: .badRequest, says: ["JSON"]),
        Case(
            name: "malformed JSON for a contact", method: .put, uri: "/admin/contacts/\(finance)", body: "[",
            status: .badRequest, says: ["JSON"]),
        Case(
            name: "a number for a contact field", method: .put, uri: "/admin/contacts/\(finance)",
            body: #"{"phone": 4778581234}"#, status: .badRequest, says: ["JSON"]),
        // Contacts.
        Case(
            name: "an unknown contact field", method: .put, uri: "/admin/contacts/\(finance)",
            body: #"{"phone":"1","fax":"2"}"#,
            status: .badRequest, says: ["unknown contact field fax", "phone, address, person, hours"]),
        Case(
            name: "renaming a unit", method: .put, uri: "/admin/contacts/\(finance)", body: #"{"name":"区财政厅"}"#,
            status: .badRequest, says: ["unknown contact field name"]),
        Case(
            name: "a contact field of two lines", method: .put, uri: "/admin/contacts/\(finance)",
            body: #"{"address":"东胜区\n某路"}"#, status: .badRequest, says: ["one line"]),
        // Nothing to change.
        Case(
            name: "the text an item already has", method: .put, uri: "/admin/items/12.1/text",
            body: #"{"text":"对首次认定自治区科技领军企业，一次性给予100万元奖补。"}"#, status: .conflict, says: ["changes nothing"]),
        Case(
            name: "the contact a unit already has", method: .put, uri: "/admin/contacts/\(finance)",
            body: #"{"phone":""}"#, status: .conflict, says: ["changes nothing"]),
        // Misses that are not there.
        Case(
            name: "answering an unknown miss", method: .post, uri: "/admin/misses/999/answer",
            body: #"{"item":"12.2"}"#, status: .notFound, says: ["no open miss"]),
        Case(
            name: "dismissing an unknown miss", method: .post, uri: "/admin/misses/999/dismiss", body: nil,
            status: .notFound, says: ["no open miss"]),
    ]

    @Test(arguments: cases)
    func isRefusedAndChangesNothing(_ c: Case) async throws {
        try await AdminTest.run { client, parts, copy in
            let files = try copy.snapshot()
            let served = ObjectIdentifier(parts.desks.desk.knowledge)
            let clauses = try await client.admin(.get, "/admin/clauses").text
            let contacts = try await client.admin(.get, "/admin/contacts").text

            let response = try await client.admin(c.method, c.uri, body: c.body)
            #expect(response.status == c.status, "\(c.name): \(response.status) \(response.text)")
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            for words in c.says {
                #expect(response.error.contains(words), "\(c.name): 「\(response.error)」 does not say 「\(words)」")
            }

            #expect(try copy.snapshot() == files, "\(c.name) changed the files")
            #expect(ObjectIdentifier(parts.desks.desk.knowledge) == served, "\(c.name) swapped the snapshot")
            #expect(try await client.admin(.get, "/admin/clauses").text == clauses)
            #expect(try await client.admin(.get, "/admin/contacts").text == contacts)
            #expect(try await client.auditEntries().isEmpty, "\(c.name) was audited")
        }
    }

    @Test func aDuplicateNamesTheLineToFix() async throws {
        try await AdminTest.run { client, _, copy in
            let example = "首次认定国家高新技术企业区里奖多少"
            let response = try await client.admin(.post, "/admin/items/12.1/examples", json: ["text": example])
            #expect(response.status == .unprocessableContent)
            // 「clauses/12.yaml:LINE: example 「…」 is given for both 12.1 and 12.2; keep it under one item」
            let message = response.error
            let pattern = #/clauses/12\.yaml:(\d+): /#
            let location = try #require(message.firstMatch(of: pattern), "\(message)")
            let line = try #require(Int(location.1))
            // The line the example would have had: just after the last example of 12.1.
            let lines = try copy.text("clauses/12.yaml").components(separatedBy: "\n")
            let last = try #require(lines.firstIndex(of: "      - 科技领军企业（是企业不是人才）奖多少"))
            #expect(line == last + 2)
            #expect(message.contains("is given for both 12.1 and 12.2"))
        }
    }

    @Test func aBodyOverTheLimitIs413AndChangesNothing() async throws {
        try await AdminTest.run { client, _, copy in
            let files = try copy.snapshot()
            let response = try await client.admin(
                .post, "/admin/items/12.2/examples", json: ["text": String(repeating: "很长的问法", count: 20_000)])
            #expect(response.status == .contentTooLarge)
            #expect(response.error.contains("larger than"))
            #expect(try copy.snapshot() == files)
        }
    }

    @Test func undoingAnEditThatCanNoLongerBeUndoneIsRefusedWithTheReason() async throws {
        // An example moves from 12.2 to 12.1 in two edits. Undoing the first (putting the example
        // back under 12.2) is validated like any other edit: 12.1 has it now, so it is refused
        // with the reason, and nothing changes.
        try await AdminTest.run { client, parts, copy in
            let example = "首次认定高企奖补找哪个局"
            let removed = try await client.admin(.delete, "/admin/items/12.2/examples", json: ["text": example])
            #expect(removed.status == .ok)
            let added = try await client.admin(.post, "/admin/items/12.1/examples", json: ["text": example])
            #expect(added.status == .ok, "\(added.text)")
            let files = try copy.snapshot()
            let served = ObjectIdentifier(parts.desks.desk.knowledge)
            let undo = try await client.admin(.post, "/admin/audit/1/undo")
            #expect(undo.status == .unprocessableContent)
            #expect(undo.error.contains("is given for both 12.1 and 12.2"), "\(undo.error)")
            #expect(try copy.snapshot() == files)
            #expect(ObjectIdentifier(parts.desks.desk.knowledge) == served)
            #expect(try await client.auditEntries().count == 2)
        }
    }

    @Test("two edits of one item: the older cannot be undone past the newer, the newer undoes alone, then the older")
    func undoNeverLosesALaterEdit() async throws {
        try await AdminTest.run { client, parts, _ in
            func examples() -> [String] { parts.desks.desk.knowledge.policy.item("12.2")?.examples ?? [] }
            let original = examples()
            let first = "高企新认定后多久发钱", second = "新高企奖励走什么流程"
            #expect(try await client.admin(.post, "/admin/items/12.2/examples", json: ["text": first]).status == .ok)
            #expect(try await client.admin(.post, "/admin/items/12.2/examples", json: ["text": second]).status == .ok)
            #expect(examples() == original + [first, second])

            // Undoing #1 would restore the list as it was before #1, dropping #2 with it.
            let older = try await client.admin(.post, "/admin/audit/1/undo")
            #expect(older.status == .conflict)
            #expect(older.error.contains("a later edit #2 changed item:12.2/examples"), "\(older.error)")
            #expect(examples() == original + [first, second], "nothing changed")
            #expect(try await client.auditEntries().count == 2)

            // The newer one undoes alone: the older edit stays.
            #expect(try await client.admin(.post, "/admin/audit/2/undo").status == .ok)
            #expect(examples() == original + [first])
            // Undoing #2 again would bring its example back: its undo (#3) came after it.
            let again = try await client.admin(.post, "/admin/audit/2/undo")
            #expect(again.status == .conflict)
            #expect(again.error.contains("#3"), "\(again.error)")
            // Now #1's result stands again, so it can be undone.
            #expect(try await client.admin(.post, "/admin/audit/1/undo").status == .ok)
            #expect(examples() == original)
        }
    }
}
