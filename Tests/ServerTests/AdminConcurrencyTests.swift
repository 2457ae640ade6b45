import Desk
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PolicyKit
import Testing

@testable import Server

/// Edits at once: each lands or is refused whole, the file is never seen half-written, and the
/// served snapshot ends with every edit that landed.
@Suite("Admin API: edits at once")
struct AdminConcurrencyTests {
    /// Ten new ways of asking for 12.2 that no item has.
    static let questions = (1...10).map { "并发测试问法第\($0)种：高企首次认定区里给多少" }

    /// One admin write.
    struct Edit: Sendable {
        var method: HTTPRequest.Method
        var uri: String
        var body: String

        init(_ method: HTTPRequest.Method, _ uri: String, _ object: [String: Any]) {
            self.method = method
            self.uri = uri
            body = AdminTest.json(object)
        }

        /// Adding `text` as an example of 12.2.
        static func example(_ text: String) -> Edit { Edit(.post, "/admin/items/12.2/examples", ["text": text]) }
    }

    /// Sends `edits` at once and returns the responses in the order of `edits`.
    static func atOnce(_ edits: [Edit], client: any TestClientProtocol) async throws -> [TestResponse] {
        try await withThrowingTaskGroup(of: (Int, TestResponse).self) { group in
            for index in edits.indices {
                let edit = edits[index]
                group.addTask {
                    let response = try await client.admin(edit.method, edit.uri, body: edit.body, user: "编辑\(index)")
                    return (index, response)
                }
            }
            var responses: [(Int, TestResponse)] = []
            for try await response in group { responses.append(response) }
            return responses.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    @Test func tenEditsAtOnceAllLandAndEachExampleIsThereOnce() async throws {
        try await AdminTest.run { client, parts, copy in
            let old = try #require(examples(of: "12.2", in: parsedYAML(try copy.bytes("clauses/12.yaml"))))
            let responses = try await Self.atOnce(Self.questions.map(Edit.example), client: client)
            for response in responses { #expect(response.status == .ok, "\(response.text)") }

            let file = try copy.bytes("clauses/12.yaml")
            let now = try #require(
                examples(of: "12.2", in: parsedYAML(file)), "the file does not parse after the edits")
            #expect(Array(now.prefix(old.count)) == old)
            #expect(now.count == old.count + Self.questions.count)
            for question in Self.questions {
                #expect(now.filter { $0 == question }.count == 1, "\(question) is not in the file exactly once")
            }
            // Only lines were added: every old line is still there, in order.
            let change = LineChange(
                try Data(
                    contentsOf: URL(fileURLWithPath: Repository.intents).appendingPathComponent("clauses/12.yaml")),
                file)
            #expect(change.removed.isEmpty && change.added.count == Self.questions.count, "\(change)")
            // The served snapshot has all of them, and answers each at once.
            #expect(Set(parts.desks.desk.knowledge.policy.item("12.2")?.examples ?? []) == Set(old + Self.questions))
            for question in Self.questions {
                let answer = try await client.answer(question)
                #expect(answer["item"] as? String == "12.2" && answer["confidence"] as? Double == 1, "\(question)")
            }
            let log = try await client.auditEntries()
            #expect(log.count == Self.questions.count)
            #expect(Set(log.compactMap { $0["id"] as? Int }).count == Self.questions.count)
            #expect(try copy.snapshot().keys.allSatisfy { !$0.contains(".tmp") })
        }
    }

    @Test func twoEditsAtOnceToOneFileAndToTwoFilesBothLand() async throws {
        try await AdminTest.run { client, parts, copy in
            let responses = try await Self.atOnce(
                [
                    Edit(.post, "/admin/items/12.1/examples", ["text": "领军企业那个一百万怎么申请"]),
                    Edit(.put, "/admin/items/12.2/checklist", ["checklist": ["奖补申请表", "国家高新技术企业证书"]]),
                    Edit(.put, "/admin/items/17.1/text", ["text": "对新批复备案的自治区创新联合体一次性给予30万元奖补。"]),
                    Edit(.put, "/admin/contacts/\(AdminTest.segment("区财政局"))", ["phone": "0477-8390000"]),
                ], client: client)
            for response in responses { #expect(response.status == .ok, "\(response.text)") }
            let policy = parts.desks.desk.knowledge.policy
            #expect(policy.item("12.1")?.examples.last == "领军企业那个一百万怎么申请")
            #expect(policy.item("12.2")?.checklist == ["奖补申请表", "国家高新技术企业证书"])
            #expect(policy.item("17.1")?.text == "对新批复备案的自治区创新联合体一次性给予30万元奖补。")
            #expect(parts.desks.desk.knowledge.contacts["区财政局"]?.phone == "0477-8390000")
            let twelve = parsedYAML(try copy.bytes("clauses/12.yaml"))
            #expect(examples(of: "12.1", in: twelve)?.last == "领军企业那个一百万怎么申请")
            #expect(try await client.auditEntries().count == 4)
        }
    }

    @Test func twoEditsThatClashAtOnceOneLandsAndTheOtherIsRefused() async throws {
        try await AdminTest.run { client, parts, copy in
            let wording = "拿到那个牌子以后区里给多少"
            let responses = try await Self.atOnce(
                [Edit(.post, "/admin/items/12.1/examples", ["text": wording]), Edit.example(wording)], client: client)
            let statuses = responses.map(\.status)
            #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == .unprocessableContent }.count == 1, "\(statuses)")
            let refused = try #require(responses.first { $0.status == .unprocessableContent })
            #expect(refused.error.contains("is given for both 12.1 and 12.2"))
            let twelve = parsedYAML(try copy.bytes("clauses/12.yaml"))
            let holders = ["12.1", "12.2"].filter { examples(of: $0, in: twelve)?.contains(wording) == true }
            #expect(holders.count == 1)
            #expect(
                parts.desks.desk.knowledge.policy.items.filter { $0.examples.contains(wording) }.map(\.id) == holders)
            #expect(try await client.auditEntries().count == 1)
        }
    }

    /// Reads and parses the file at `url` as fast as it can until `stop` is set, checking each
    /// read is whole; returns how many reads it made.
    static func read(_ url: URL, original: Data, until stop: Flag) async throws -> Int {
        var reads = 0
        var count = examples(of: "12.2", in: parsedYAML(original))?.count ?? 0
        let tail = original.suffix(original.count / 2)
        while !stop.isSet {
            let data = try Data(contentsOf: url)
            let now = examples(of: "12.2", in: parsedYAML(data))
            let size = data.count
            #expect(now != nil, "the file is not valid YAML (\(size) bytes)")
            // Edits only add: the list never shrinks, and the end of the file stays as it was.
            let seen = now?.count ?? 0
            #expect(seen >= count)
            count = max(count, seen)
            #expect(data.suffix(tail.count) == tail)
            reads += 1
            await Task.yield()
        }
        return reads
    }

    @Test func aReaderNeverSeesTheFileHalfWritten() async throws {
        try await AdminTest.run { client, _, copy in
            let url = copy.url("clauses/12.yaml")
            let original = try copy.bytes("clauses/12.yaml")
            let edits = (1...20).map { "读写并发问法第\($0)种：首次认定高企奖多少" }
            let stop = Flag()
            let reader = Task { try await Self.read(url, original: original, until: stop) }
            // Two writers at a time, twenty edits in all.
            var responses: [TestResponse] = []
            for pair in stride(from: 0, to: edits.count, by: 2) {
                responses += try await Self.atOnce(
                    edits[pair..<min(pair + 2, edits.count)].map(Edit.example), client: client)
            }
            stop.set()
            let reads = try await reader.value
            #expect(responses.count == edits.count)
            #expect(responses.allSatisfy { $0.status == .ok })
            #expect(reads > 0)
            let now = try #require(examples(of: "12.2", in: parsedYAML(try copy.bytes("clauses/12.yaml"))))
            #expect(Set(edits).isSubset(of: Set(now)))
        }
    }

    @Test func editsDuringReloadsAllEndUpServed() async throws {
        try await AdminTest.run { client, parts, copy in
            let stop = Flag()
            // Reloads back to back until the edits are done …
            let reloader = Task { () throws -> Int in
                var reloads = 0
                while !stop.isSet {
                    let response = try await client.admin(.post, "/admin/reload")
                    #expect(response.status == .ok)
                    reloads += 1
                }
                return reloads
            }
            // … while the edits land one after another, each checked served as soon as it answers.
            var lost: [String] = []
            for question in Self.questions {
                let response = try await client.admin(.post, "/admin/items/12.2/examples", json: ["text": question])
                #expect(response.status == .ok, "\(response.text)")
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...40)))
                if parts.desks.desk.knowledge.policy.item("12.2")?.examples.contains(question) != true {
                    lost.append(question)
                }
            }
            stop.set()
            let reloads = try await reloader.value
            #expect(reloads > 0)
            #expect(lost.isEmpty, "a reload that read the files before an edit put back the old snapshot: \(lost)")
            // Every edit is on disk and served.
            let onDisk = try #require(examples(of: "12.2", in: parsedYAML(try copy.bytes("clauses/12.yaml"))))
            #expect(Set(Self.questions).isSubset(of: Set(onDisk)))
            let served = parts.desks.desk.knowledge.policy.item("12.2")?.examples ?? []
            #expect(served == onDisk, "the served snapshot lost \(Set(onDisk).subtracting(served).sorted())")
        }
    }
}
