import Desk
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PolicyKit
import Testing

@testable import Server

/// `POST /admin/reload`: files changed by hand are served after a reload; a broken file keeps the
/// old snapshot serving and says where it is broken; answers keep flowing while it reloads.
@Suite("Admin API: reload")
struct AdminReloadTests {
    /// A problem line as lint prints it: `FILE:LINE: message`.
    static var problemLine: Regex<Substring> { #/[A-Za-z0-9_./-]+:\d+: .+/# }

    @Test func reloadSaysOkWithTheItemCountAndHowLongItTook() async throws {
        try await AdminTest.run { client, parts, _ in
            let before = ObjectIdentifier(parts.desks.desk.knowledge)
            let response = try await client.admin(.post, "/admin/reload")
            #expect(response.status == .ok)
            let body = response.json
            #expect(body["ok"] as? Bool == true)
            #expect(body["items"] as? Int == parts.desks.desk.knowledge.policy.items.count)
            #expect((body["items"] as? Int ?? 0) > 30)
            #expect((body["milliseconds"] as? Double ?? 0) > 0)
            #expect((body["problems"] as? [String])?.isEmpty == true)
            #expect(ObjectIdentifier(parts.desks.desk.knowledge) != before, "a reload swaps in a new snapshot")
            #expect(try await client.metrics().sum("policydesk_reloads_total", ["result": "ok"]) == 1)
        }
    }

    @Test func aFileEditedByHandIsServedAfterAReload() async throws {
        try await AdminTest.run { client, _, copy in
            let question = "刚拿到高企证书能领多少"
            try copy.replace(
                "      - 首次认定高企奖补找哪个局\n", with: "      - 首次认定高企奖补找哪个局\n      - \(question)\n", in: "clauses/12.yaml")
            // Not before the reload …
            #expect(try await client.answer(question)["confidence"] as? Double != 1)
            #expect(try await client.admin(.post, "/admin/reload").status == .ok)
            // … and at once after it.
            let answer = try await client.answer(question)
            #expect(answer["item"] as? String == "12.2")
            #expect(answer["confidence"] as? Double == 1)
        }
    }

    /// Ways to break the files, with the file and line the report must name.
    struct Breakage: Sendable, CustomTestStringConvertible {
        var name: String
        var file: String
        var old: String
        var new: String
        /// Where the problem must be reported: this many lines below the first line of `new`
        /// (nil when no one line is to blame), so the shipped files may grow without moving it.
        var lineOffset: Int?
        var says: String
        /// Whether the report must hold this one problem only (nothing reported twice over).
        var alone = false
        var testDescription: String { name }
    }

    static let breakages: [Breakage] = [
        Breakage(
            name: "YAML syntax", file: "clauses/12.yaml", old: "  - id: \"12.2\"\n", new: "  - id: \"12.2\n",
            lineOffset: nil,
            says: "YAML syntax", alone: true),
        Breakage(
            name: "an unknown award shape", file: "clauses/17.yaml", old: "award: {shape: fixed, yuan: 300000}",
            new: "award: {shape: lottery, yuan: 300000}", lineOffset: 0, says: "17.1"),
        Breakage(
            name: "a clause without its lead unit", file: "clauses/17.yaml", old: "leadUnit: 区工信和科技局\n", new: "",
            lineOffset: nil,
            says: "牵头单位"),
        Breakage(
            name: "an example given for two items", file: "clauses/12.yaml", old: "      - 科技领军企业（是企业不是人才）奖多少\n",
            new: "      - 科技领军企业（是企业不是人才）奖多少\n      - 首次认定国家高新技术企业区里奖多少\n", lineOffset: 1,
            says: "is given for both 12.1 and 12.2"),
    ]

    @Test(arguments: breakages)
    func aBrokenFileKeepsTheOldSnapshotServingAndSaysWhere(_ b: Breakage) async throws {
        try await AdminTest.run { client, parts, copy in
            let served = ObjectIdentifier(parts.desks.desk.knowledge)
            let before = try await client.answer("规上企业新认定高企能拿多少钱")
            let original = try copy.text(b.file)
            try copy.replace(b.old, with: b.new, in: b.file)

            let response = try await client.admin(.post, "/admin/reload")
            #expect(response.status == .unprocessableContent)
            let body = response.json
            #expect(body["ok"] as? Bool == false)
            #expect(body["items"] as? Int == parts.desks.desk.knowledge.policy.items.count)
            let problems = try #require(body["problems"] as? [String])
            #expect(!problems.isEmpty)
            for problem in problems {
                #expect(problem.wholeMatch(of: Self.problemLine) != nil, "not FILE:LINE: message: \(problem)")
            }
            let mine = problems.filter { $0.hasPrefix(b.file + ":") }
            #expect(!mine.isEmpty, "\(problems)")
            #expect(mine.contains { $0.contains(b.says) }, "\(problems)")
            if let offset = b.lineOffset {
                let broken = try copy.text(b.file)
                let start = try #require(broken.range(of: b.new), "the breakage is in \(b.file)")
                let line = broken[..<start.lowerBound].count(where: { $0 == "\n" }) + 1 + offset
                #expect(mine.contains { $0.hasPrefix("\(b.file):\(line): ") }, "line \(line): \(problems)")
            }
            if b.alone { #expect(problems.count == 1, "\(problems)") }

            // The old snapshot keeps serving, unchanged.
            #expect(ObjectIdentifier(parts.desks.desk.knowledge) == served)
            let after = try await client.answer("规上企业新认定高企能拿多少钱")
            #expect(after["item"] as? String == "12.2")
            #expect(after["reply"] as? String == before["reply"] as? String)
            #expect(try await client.execute(uri: "/healthz", method: .get).status == .ok)
            #expect(try await client.metrics().sum("policydesk_reloads_total", ["result": "rejected"]) == 1)

            // An edit through the API is refused too while the file on disk is broken, and leaves it be.
            if b.file == "clauses/12.yaml" {
                let broken = try copy.bytes(b.file)
                let edit = try await client.admin(.post, "/admin/items/12.2/examples", json: ["text": "刚拿到高企证书能领多少"])
                #expect(edit.status.code >= 400 && edit.status.code < 500, "\(edit.status) \(edit.text)")
                #expect(try copy.bytes(b.file) == broken)
                #expect(ObjectIdentifier(parts.desks.desk.knowledge) == served)
            }

            // Fixed, it reloads.
            try copy.write(original, to: b.file)
            let fixed = try await client.admin(.post, "/admin/reload")
            #expect(fixed.status == .ok)
            #expect(fixed.json["ok"] as? Bool == true)
        }
    }

    /// Questions whose answers must not waver while the knowledge base reloads.
    static let steady: [(question: String, item: String)] = [
        ("规上企业新认定高企能拿多少钱", "12.2"),
        ("创新联合体一次性奖补多少万", "17.1"),
        ("首次认定自治区科技领军企业奖多少", "12.1"),
    ]

    @Test func answersFlowWithoutErrorWhileTheKnowledgeBaseReloads100Times() async throws {
        try await AdminTest.run { client, _, copy in
            let done = Flag()
            let extra = "重载测试问法：高企证书刚下来区里给多少"
            let plain = try copy.text("clauses/12.yaml")
            let withExtra = plain.replacingOccurrences(
                of: "      - 首次认定高企奖补找哪个局\n", with: "      - 首次认定高企奖补找哪个局\n      - \(extra)\n")
            try #require(withExtra != plain)

            let (answered, reloads) = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                // Four askers, asking until the reloads are done.
                for asker in 0..<4 {
                    group.addTask {
                        var count = 0
                        while !done.isSet {
                            let (question, item) = Self.steady[(asker + count) % Self.steady.count]
                            let response = try await client.ask(question, user: "asker\(asker)")
                            #expect(response.status == .ok, "\(response.status) \(response.text)")
                            let answer = response.json
                            #expect(AskAPITests.interfaceKeys.isSubset(of: Set(answer.keys)), "\(response.text)")
                            #expect(answer["matched"] as? Bool == true)
                            #expect(answer["item"] as? String == item, "\(question) → \(answer["item"] ?? "nil")")
                            #expect((answer["reply"] as? String)?.isEmpty == false)
                            // The question that comes and goes is answered either way, never with an error.
                            let toggled = try await client.ask(extra, user: "asker\(asker)")
                            #expect(toggled.status == .ok)
                            #expect(toggled.json["reply"] is String)
                            count += 2
                        }
                        return (count, 0)
                    }
                }
                // One reloader: the file changes on disk (atomically, as an editor saves it)
                // between reloads, so that the snapshots really differ.
                group.addTask {
                    defer { done.set() }
                    var reloads = 0
                    for round in 0..<100 {
                        let text = round.isMultiple(of: 2) ? withExtra : plain
                        try IntentsAdmin.writeAtomically(text, to: copy.url("clauses/12.yaml"))
                        let response = try await client.admin(.post, "/admin/reload")
                        #expect(response.status == .ok, "\(response.text)")
                        #expect(response.json["ok"] as? Bool == true)
                        reloads += 1
                    }
                    return (0, reloads)
                }
                var answered = 0, reloads = 0
                for try await (a, r) in group {
                    answered += a
                    reloads += r
                }
                return (answered, reloads)
            }
            #expect(reloads == 100)
            #expect(answered > 100, "only \(answered) answers during 100 reloads")
            // After an even number of swaps the file is back to plain, and so is the answer.
            let metrics = try await client.metrics()
            #expect(metrics.sum("policydesk_reloads_total", ["result": "ok"]) == 100)
            #expect(metrics.sum("policydesk_requests_total", ["route": "/v1/ask", "status": "500"]) == 0)
        }
    }
}
