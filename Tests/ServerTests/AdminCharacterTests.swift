import Desk
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PolicyKit
import Testing
import Yams

@testable import Server

/// The three edits an attacker-minded tester found rewriting policy they did not touch: each is
/// now refused with a message naming the field and the character, nothing is written, and the
/// edits after it change only what they name.
@Suite("Admin API: values with line breaks and invisible characters")
struct AdminCharacterTests {
    @Test func aCarriageReturnInAnExampleCannotAddAConditionToTheItem() async throws {
        try await AdminTest.run { client, parts, copy in
            let question = "规上企业首次认定高企能拿多少"
            let before = try await client.answer(question)
            let files = try copy.snapshot()
            let response = try await client.admin(
                .post, "/admin/items/12.2/examples", json: ["text": "新问法\r    exclusions:\r      - 注入的条件"])
            #expect(response.status == .badRequest, "\(response.text)")
            #expect(
                response.error == "the example contains a carriage return (U+000D) at character 4; write it on one line"
            )
            #expect(try copy.snapshot() == files, "a refused edit changed a file")
            #expect(try await client.auditEntries().isEmpty)
            #expect(parts.desks.desk.knowledge.policy.item("12.2")?.exclusions == [])
            let after = try await client.ask(question)
            #expect(!after.text.contains("注入的条件"))
            #expect(after.json["item"] as? String == before["item"] as? String)
        }
    }

    @Test func aLineSeparatorInAnExampleIsRefusedAndALaterDeleteRemovesTheExampleNamed() async throws {
        try await AdminTest.run { client, _, copy in
            let file = "clauses/12.yaml"
            let original = try copy.bytes(file)
            let refused = try await client.admin(
                .post, "/admin/items/12.2/examples", json: ["text": "高企首次认定\u{2028}        奖补多少"])
            #expect(refused.status == .badRequest, "\(refused.text)")
            #expect(refused.error == "the example contains a line break (U+2028) at character 7; write it on one line")
            #expect(try copy.bytes(file) == original)

            let oldExamples = try #require(examples(of: "12.3", in: parsedYAML(original)))
            let removed = try await client.admin(.delete, "/admin/items/12.3/examples", json: ["text": "高企复审奖补找谁"])
            #expect(removed.status == .ok, "\(removed.text)")
            let edited = try copy.bytes(file)
            #expect(examples(of: "12.3", in: parsedYAML(edited)) == oldExamples.filter { $0 != "高企复审奖补找谁" })
            #expect(examples(of: "12.2", in: parsedYAML(edited)) == examples(of: "12.2", in: parsedYAML(original)))
            #expect(LineChange(original, edited).removed == ["      - 高企复审奖补找谁"])
            #expect(LineChange(original, edited).added.isEmpty)
            let id = try #require(removed.json["id"] as? Int)
            #expect(try await client.admin(.post, "/admin/audit/\(id)/undo").status == .ok)
            #expect(try copy.bytes(file) == original)
        }
    }

    @Test func aLineSeparatorInAContactPhoneIsRefusedAndLaterContactEditsTouchOnlyTheirUnit() async throws {
        try await AdminTest.run { client, parts, copy in
            let file = "contacts.yaml"
            let original = try copy.bytes(file)
            let names = Self.units(original)
            let refused = try await client.admin(
                .put, "/admin/contacts/\(AdminTest.segment("区财政局"))", json: ["phone": "0477\u{2028}8581234"])
            #expect(refused.status == .badRequest, "\(refused.text)")
            #expect(
                refused.error == "the phone of 区财政局 contains a line break (U+2028) at character 5; write it on one line"
            )
            #expect(try copy.bytes(file) == original)

            let science = try await client.admin(
                .put, "/admin/contacts/\(AdminTest.segment("区科协"))",
                json: ["phone": "0477-8581234", "hours": "8:30-17:30"])
            #expect(science.status == .ok, "\(science.text)")
            let edited = try copy.bytes(file)
            #expect(Self.units(edited) == names, "the units of contacts.yaml changed")
            #expect(
                LineChange(original, edited).removed.count == 1
                    && LineChange(original, edited).removed[0].contains("区科协"))
            #expect(parts.desks.desk.knowledge.contacts["区科协"]?.phone == "0477-8581234")
            #expect(parts.desks.desk.knowledge.contacts["区财政局"]?.phone == "")
            let id = try #require(science.json["id"] as? Int)
            let undo = try await client.admin(.post, "/admin/audit/\(id)/undo")
            #expect(undo.status == .ok, "\(undo.text)")
            #expect(try copy.bytes(file) == original)
        }
    }

    @Test func everyWriteRouteNamesTheFieldAndTheCharacter() async throws {
        try await AdminTest.run { client, _, copy in
            let files = try copy.snapshot()
            let cases: [(HTTPRequest.Method, String, Any, String)] = [
                (
                    .put, "/admin/items/12.2/text", ["text": "对首次认定\u{85}的企业"],
                    "the text contains a line break (U+0085) at character 6"
                ),
                (
                    .put, "/admin/items/12.2/text", ["text": "第一行\r\n第二行"],
                    "the text contains a carriage return (U+000D) at character 4"
                ),
                (
                    .put, "/admin/items/12.2/checklist", ["checklist": ["营业执照", "证书\u{FEFF}"]],
                    "checklist entry 2 contains a byte order mark (U+FEFF) at character 3"
                ),
                (
                    .put, "/admin/contacts/\(AdminTest.segment("区科协"))", ["hours": "8:30\u{200B}"],
                    "the hours of 区科协 contains a zero-width space (U+200B) at character 5"
                ),
                (
                    .post, "/admin/items/12.2/examples", ["text": "高企\u{1B}[31m"],
                    "the example contains a control character (U+001B) at character 3"
                ),
            ]
            for (method, uri, body, message) in cases {
                let response = try await client.admin(method, uri, json: body)
                #expect(response.status == .badRequest, "\(uri): \(response.text)")
                #expect(response.error.hasPrefix(message), "\(uri): \(response.error)")
            }
            #expect(try copy.snapshot() == files)
        }
    }

    /// The unit names of a contacts file, in order.
    static func units(_ data: Data) -> [String] {
        guard case .sequence(let units)? = parsedYAML(data)?["units"] else { return [] }
        return units.compactMap { $0["name"]?.string }
    }
}
