import Desk
import Foundation
import Logging
import PolicyKit
import PostgresStorage
import Storage
import Testing

@testable import Server

/// Staff edits with several instances on one PostgreSQL database: each instance here is a desk
/// holder, its shared knowledge and its editor, on its own copy of the files, as on two machines.
@Suite("Shared Intents edits across instances", .enabled(if: TestPostgres.url != nil, TestPostgres.skipNote))
struct SharedIntentsTests {
    /// One instance's parts.
    struct Instance {
        let desks: DeskHolder
        let shared: SharedKnowledge
        let editor: IntentsAdmin

        init(store: PostgresStorage, copy: KnowledgeCopy) throws {
            let loader = KnowledgeBaseLoader(intents: copy.intents, templates: copy.templates)
            desks = DeskHolder(desk: Desk(knowledge: try loader.load()), loader: loader)
            shared = SharedKnowledge(store: store, desks: desks)
            editor = IntentsAdmin(
                desks: desks, audit: store, logger: TestPostgres.logger("test.admin"),
                now: { Date(timeIntervalSince1970: 1_780_000_000) }, shared: shared)
        }

        func text(of item: String) -> String? { desks.desk.knowledge.policy.item(item)?.text }
    }

    /// Runs `body` with two instances on one fresh schema, each on its own copy of the files.
    private func withTwoInstances(
        _ body: (_ a: Instance, _ b: Instance, _ store: PostgresStorage, _ filesOfA: KnowledgeCopy) async throws -> Void
    ) async throws {
        let copyA = try KnowledgeCopy()
        let copyB = try KnowledgeCopy()
        defer {
            copyA.remove()
            copyB.remove()
        }
        try await PostgresStorage.withSchema(
            PostgresStorage.temporarySchema(url: TestPostgres.url ?? ""), logger: TestPostgres.logger("test.postgres")
        ) { store in
            try await body(
                try Instance(store: store, copy: copyA), try Instance(store: store, copy: copyB), store, copyA)
        }
    }

    @Test(
        "an edit through one instance is served by the other once told, stays out of the files, and is undone from there"
    )
    func editServedAndUndoneAcrossInstances() async throws {
        try await withTwoInstances { a, b, store, copyA in
            let original = try #require(a.text(of: "12.2"))
            let fileBefore = try copyA.text("clauses/12.yaml")

            let edit = try await a.editor.apply(.setText(item: "12.2", text: original + "（两实例）"), who: "甲")
            #expect(a.text(of: "12.2") == original + "（两实例）")
            #expect(b.text(of: "12.2") == original, "B serves the edit only once it hears of it")
            #expect(try await b.shared.refresh(logger: TestPostgres.logger("test")))
            #expect(b.text(of: "12.2") == original + "（两实例）")
            #expect(
                try await !b.shared.refresh(logger: TestPostgres.logger("test")), "nothing newer: nothing installed")
            #expect(try copyA.text("clauses/12.yaml") == fileBefore, "the edit lives in the database, not in A's files")

            let undo = try await b.editor.undo(try #require(edit.id), who: "乙")
            #expect(undo.action == "undo \(try #require(edit.id))")
            #expect(b.text(of: "12.2") == original)
            #expect(try await a.shared.refresh(logger: TestPostgres.logger("test")))
            #expect(a.text(of: "12.2") == original)
            #expect(try await store.list(limit: 10, offset: 0).map(\.who) == ["乙", "甲"])
        }
    }

    @Test("an edit made on a snapshot that lacks another instance's edit first catches up and keeps both")
    func editCatchesUpFirst() async throws {
        try await withTwoInstances { a, b, _, _ in
            let text122 = try #require(a.text(of: "12.2"))
            let text121 = try #require(a.text(of: "12.1"))
            _ = try await a.editor.apply(.setText(item: "12.2", text: text122 + "（甲改）"), who: "甲")
            // B has not heard of A's edit; its own edit of the same file must not take A's back out.
            _ = try await b.editor.apply(.setText(item: "12.1", text: text121 + "（乙改）"), who: "乙")
            #expect(b.text(of: "12.2") == text122 + "（甲改）")
            #expect(b.text(of: "12.1") == text121 + "（乙改）")
            #expect(try await a.shared.refresh(logger: TestPostgres.logger("test")))
            #expect(a.text(of: "12.1") == text121 + "（乙改）")
            #expect(a.text(of: "12.2") == text122 + "（甲改）")
        }
    }
}

/// The PostgreSQL database these cases run on, when `POLICYDESK_TEST_POSTGRES_URL` names one.
enum TestPostgres {
    static var url: String? { TestDatabase.url }
    static let skipNote = Comment(rawValue: TestDatabase.skipNote)
    static func logger(_ label: String) -> Logger { TestDatabase.quietLogger(label) }
}
