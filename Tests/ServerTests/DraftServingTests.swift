import Channels
import Desk
import Foundation
import Hummingbird
import HummingbirdTesting
import Storage
import Testing

@testable import Server

/// A knowledge base with rules still marked `review: true` (a draft from `policydesk import`) is
/// served only when the configuration allows drafts, and then every answer says so.
struct DraftServingTests {
    /// A copy of the shipped `Intents/` in which clause 17's award awaits review.
    static func draftIntents() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("draft-intents-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: Repository.intents), to: folder)
        let file = folder.appendingPathComponent("clauses/17.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        let marked = text.replacingOccurrences(
            of: "award: {shape: fixed, yuan: 300000}", with: "award: {shape: fixed, yuan: 300000, review: true}")
        #expect(marked != text)
        try marked.write(to: file, atomically: true, encoding: .utf8)
        return folder
    }

    @Test("the server refuses to start on a draft unless allow_draft is set, naming the file and line")
    func refusedWithoutTheFlag() throws {
        let folder = try Self.draftIntents()
        defer { try? FileManager.default.removeItem(at: folder) }
        var configuration = TestServer.configuration()
        configuration.intents = folder.path
        let dependencies = ServerDependencies(store: try SQLiteStorage.inMemory(), transport: CurlTransport())
        do {
            _ = try buildApplication(
                configuration: configuration, dependencies: dependencies, logger: TestServer.logger)
            Issue.record("a draft knowledge base was served without allow_draft")
        } catch let error as StartupError {
            #expect(error.description.contains("clauses/17.yaml:15: rule not reviewed (item 17.1)"))
        }
    }

    @Test("with allow_draft, /v1/ask answers and marks the answer a draft, in the reply and in the JSON")
    func servedAsDraft() async throws {
        let folder = try Self.draftIntents()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await TestServer.run(configure: {
            $0.intents = folder.path; $0.allowDraft = true
        }) { client, parts in
            #expect(parts.desks.desk.knowledge.isDraft)
            let answer = try await client.ask("创新联合体一次性奖补是多少万").json
            #expect(answer["draft"] as? Bool == true)
            #expect(answer["clause"] as? Int == 17)
            #expect((answer["amount"] as? [String: Any])?["yuan"] as? Int == 300_000)
            #expect((answer["reply"] as? String)?.hasPrefix("【草稿】") == true)
        }
    }

    @Test("allow_draft reads true and false in the usual words, and refuses anything else by name")
    func configurationKey() throws {
        let on = try ServerConfiguration.load(file: nil, environment: ["POLICYDESK_ALLOW_DRAFT": "yes"])
        #expect(on.allowDraft)
        let off = try ServerConfiguration.load(file: nil, environment: ["POLICYDESK_ALLOW_DRAFT": "false"])
        #expect(!off.allowDraft)
        #expect(!ServerConfiguration().allowDraft)
        do {
            _ = try ServerConfiguration.load(file: nil, environment: ["POLICYDESK_ALLOW_DRAFT": "maybe"])
            Issue.record("allow_draft accepted `maybe`")
        } catch {
            #expect(error.description.contains("POLICYDESK_ALLOW_DRAFT"))
        }
    }
}
