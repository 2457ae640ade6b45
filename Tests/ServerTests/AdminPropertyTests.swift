import Desk
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PolicyKit
import TestSupport
import Testing
import Yams

@testable import Server

/// A few hundred generated values sent through every write route of the admin API and undone:
/// an edit is refused (never with a 500) and every file stays byte for byte as it was, or the
/// file parses to exactly the old document plus the change; the undo gives the file back byte
/// for byte. `POLICYDESK_PROPERTY_SEED` repeats another run's cases.
@Suite("Admin API: generated values")
struct AdminPropertyTests {
    /// How many edits are sent, spread over the five write routes.
    static let cases = 200

    enum Route: CaseIterable {
        case addExample, removeExample, text, checklist, contact
    }

    @Test func everyWriteRouteWritesExactlyTheChangeOrNothing() async throws {
        let seed = PropertySeed.value
        try await AdminTest.run { client, parts, copy in
            var random = SeededGenerator(seed: seed)
            var written: [Route: Int] = [:], refused: [String: Int] = [:]
            var failures = 0
            for n in 0..<Self.cases where failures < 5 {
                let route = Route.allCases[n % Route.allCases.count]
                let request = Self.request(route, parts.desks.desk.knowledge, &random)
                let context =
                    "seed \(seed) (POLICYDESK_PROPERTY_SEED), case \(n): \(request.method) \(request.uri) \(HostileStrings.shown(AdminTest.json(request.body)))"
                let files = try copy.snapshot()
                let original = try copy.bytes(request.file)
                let response = try await client.admin(request.method, request.uri, json: request.body)
                guard response.status == .ok else {
                    refused["\(route) \(response.status.code)", default: 0] += 1
                    if try copy.snapshot() != files {
                        Issue.record("\(context): refused with \(response.status) but a file changed")
                        failures += 1
                    }
                    if let problem = Self.wrongRefusal(response, request) {
                        Issue.record("\(context): \(problem)")
                        failures += 1
                    }
                    continue
                }
                written[route, default: 0] += 1
                let edited = try copy.bytes(request.file)
                if let problem = Self.mismatch(request, before: original, after: edited) {
                    Issue.record("\(context): \(problem)")
                    failures += 1
                }
                if request.refusable {
                    Issue.record("\(context): written although the value holds a character a field refuses")
                    failures += 1
                }
                var others = try copy.snapshot()
                others[request.file] = original
                if others != files {
                    Issue.record("\(context): a file other than \(request.file) changed")
                    failures += 1
                }
                // The undo gives the file back byte for byte.
                guard let id = response.json["id"] as? Int else {
                    Issue.record("\(context): no audit id in \(response.text)")
                    failures += 1
                    continue
                }
                let undo = try await client.admin(.post, "/admin/audit/\(id)/undo")
                let undone = try copy.snapshot()
                if undo.status != .ok || undone != files {
                    Issue.record(
                        "\(context): undo \(undo.status) \(undo.text) did not give \(request.file) back byte for byte")
                    failures += 1
                    try? copy.write(String(decoding: original, as: UTF8.self), to: request.file)
                    _ = try await client.admin(.post, "/admin/reload")
                }
            }
            print(
                "AdminPropertyTests (seed \(seed)): written \(written.map { "\($0.key): \($0.value)" }.sorted()), refused \(refused.sorted { $0.key < $1.key })"
            )
            for route in Route.allCases {
                #expect(written[route, default: 0] > 0, "no \(route) was written (seed \(seed))")
            }
        }
    }

    /// One generated request and what it means.
    struct Request {
        var route: Route
        var method: HTTPRequest.Method
        var uri: String
        var body: [String: Any]
        /// The file it edits, under `Intents/`.
        var file: String
        var item: String?
        var unit: String?
        /// The values as the server writes them (trimmed where the route trims).
        var values: [String]
        /// Whether a value holds a character a field must refuse.
        var refusable: Bool
        /// Whether a value holds a character a field may refuse (a joiner outside an emoji).
        var mayRefuse: Bool
    }

    static func request(_ route: Route, _ knowledge: KnowledgeBase, _ random: inout SeededGenerator) -> Request {
        let item = knowledge.policy.items.randomElement(using: &random)!
        let file = String(format: "clauses/%02d.yaml", item.clause)
        func trimmed(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }
        func request(
            _ method: HTTPRequest.Method, _ path: String, _ body: [String: Any], _ values: [String],
            multiline: Bool = false
        ) -> Request {
            Request(
                route: route, method: method, uri: path, body: body, file: file, item: item.id, unit: nil,
                values: values,
                refusable: values.contains { HostileStrings.mustRefuse($0, multiline: multiline) },
                mayRefuse: values.contains(where: HostileStrings.mayRefuse))
        }
        switch route {
        case .addExample:
            let text = HostileStrings.value(&random)
            return request(.post, "/admin/items/\(item.id)/examples", ["text": text], [trimmed(text)])
        case .removeExample:
            let text =
                Bool.random(using: &random)
                ? item.examples.randomElement(using: &random) ?? "" : HostileStrings.value(&random)
            return request(.delete, "/admin/items/\(item.id)/examples", ["text": text], [])
        case .text:
            let text = HostileStrings.text(&random)
            return request(.put, "/admin/items/\(item.id)/text", ["text": text], [trimmed(text)], multiline: true)
        case .checklist:
            let list = (0..<Int.random(in: 0...3, using: &random)).map { _ in HostileStrings.value(&random) }
            return request(.put, "/admin/items/\(item.id)/checklist", ["checklist": list], list.map(trimmed))
        case .contact:
            let unit = knowledge.contacts.keys.sorted().randomElement(using: &random)!
            var fields: [String: String] = [:]
            for field in IntentFileEditor.contactFields.shuffled(using: &random).prefix(
                Int.random(in: 1...2, using: &random))
            {
                fields[field] = HostileStrings.value(&random)
            }
            let values = fields.sorted { $0.key < $1.key }.map(\.value)
            return Request(
                route: route, method: .put, uri: "/admin/contacts/\(AdminTest.segment(unit))", body: fields,
                file: "contacts.yaml",
                item: nil, unit: unit, values: values,
                refusable: values.contains { HostileStrings.mustRefuse($0, multiline: false) },
                mayRefuse: values.contains(where: HostileStrings.mayRefuse))
        }
    }

    /// Why a refusal is wrong; nil when it is right. A refusal is a 4xx with a message; only a
    /// value with a character to refuse (or a joiner outside an emoji) is refused for a
    /// character; and a value a person may write is never refused as one the editor cannot
    /// write. The other refusals are the ordinary ones: empty, unknown, unchanged, refused by lint.
    static func wrongRefusal(_ response: TestResponse, _ request: Request) -> String? {
        guard (400..<500).contains(response.status.code), !response.error.isEmpty else {
            return "answered \(response.status) \(response.text)"
        }
        if request.refusable {
            return response.status == .badRequest ? nil : "answered \(response.status) \(response.error)"
        }
        if response.error.contains(" at character ") && !request.mayRefuse {
            return "refused a character it need not: \(response.error)"
        }
        if response.error.contains("nothing was changed in Intents/") {
            return "could not write a value a person may write: \(response.error)"
        }
        return nil
    }

    /// Why `after` is not `before` with exactly the request's change; nil when it is.
    static func mismatch(_ request: Request, before: Data, after: Data) -> String? {
        guard var old = parsedYAML(before), var new = parsedYAML(after) else { return "the edited file does not parse" }
        let placeholder = Node("⟪the edited value⟫")
        if let unit = request.unit {
            guard case .sequence(let units)? = old["units"],
                let index = units.firstIndex(where: { $0["name"]?.string == unit }),
                case .sequence(let newUnits)? = new["units"], newUnits.count > index,
                let fields = request.body as? [String: String]
            else { return "unit \(unit) is gone" }
            for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
                guard same(newUnits[index][name]?.string, value) else {
                    return "\(unit) › \(name) reads \(newUnits[index][name]?.string ?? "nothing")"
                }
                old["units"]?[index]?[name] = placeholder
                new["units"]?[index]?[name] = placeholder
            }
            return old == new ? nil : "something besides \(unit)'s fields changed"
        }
        guard let id = request.item, case .sequence(let items)? = old["items"],
            let index = items.firstIndex(where: { $0["id"]?.string == id }),
            case .sequence(let newItems)? = new["items"], newItems.count > index
        else { return "item \(request.item ?? "") is gone" }
        let key: String
        let oldExamples = items[index]["examples"]?.array().compactMap(\.string) ?? []
        let expected: [String]?
        switch request.route {
        case .addExample:
            key = "examples"
            expected = oldExamples + request.values
        case .removeExample:
            key = "examples"
            var rest = oldExamples
            guard let text = request.body["text"] as? String, let at = rest.firstIndex(where: { same($0, text) }) else {
                return "removed an example the item did not have"
            }
            rest.remove(at: at)
            expected = rest
        case .checklist:
            key = "checklist"
            expected = request.values
        case .text:
            key = "text"
            expected = nil
            let value = request.values[0], read = newItems[index][key]?.string
            // A text of several lines is written as a block, which ends with a line break.
            guard same(read, value) || value.contains("\n") && same(read, value + "\n") else {
                return
                    "\(id) › text reads \(HostileStrings.shown(read ?? "nothing")), not \(HostileStrings.shown(value))"
            }
        case .contact:
            return nil
        }
        if let expected {
            let read = newItems[index][key]?.array().compactMap(\.string) ?? []
            guard read.count == expected.count, zip(read, expected).allSatisfy({ same($0, $1) }) else {
                return
                    "\(id) › \(key) reads \(read.map(HostileStrings.shown)), not \(expected.map(HostileStrings.shown))"
            }
        }
        old["items"]?[index]?[key] = placeholder
        new["items"]?[index]?[key] = placeholder
        return old == new ? nil : "something besides \(id)'s \(key) changed"
    }

    /// Whether two texts are the same, scalar for scalar.
    static func same(_ a: String?, _ b: String) -> Bool {
        a.map { $0.unicodeScalars.elementsEqual(b.unicodeScalars) } ?? false
    }
}
