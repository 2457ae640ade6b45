import Foundation
import Storage
import Testing

/// How every ``MissLog`` groups, orders and resolves unanswered questions.
@Suite("MissLog")
struct MissLogTests {
    private func miss(
        _ normalized: String,
        at offset: TimeInterval,
        text: String? = nil,
        guess: String? = nil,
        confidence: Double = 0.2
    ) -> MissRecord {
        MissRecord(
            text: text ?? normalized,
            normalizedText: normalized,
            channel: "wecom",
            user: "alice",
            at: epoch + offset,
            bestGuessItem: guess,
            confidence: confidence
        )
    }

    @Test(
        "misses with the same normalized text form one group with count and first and last seen",
        arguments: StorageKind.allCases)
    func grouping(kind: StorageKind) async throws {
        try await kind.withStorage { log in
            // Out of order on purpose: first and last seen follow `at`, not arrival.
            try await log.record(miss("pension rate", at: 10, text: "Pension rate?", guess: "pension", confidence: 0.4))
            try await log.record(miss("pension rate", at: 0, text: "pension RATE", guess: "tax", confidence: 0.6))
            try await log.record(miss("pension rate", at: 20, text: "What's the pension rate", guess: "pension-2024"))
            try await log.record(miss("parking permit", at: 5))

            let groups = try await log.list(limit: 10)
            try #require(groups.count == 2)
            let pension = groups[0]
            #expect(pension.normalizedText == "pension rate")
            #expect(pension.count == 3)
            #expect(pension.firstSeen == epoch)
            #expect(pension.lastSeen == epoch + 20)
            #expect(pension.latestText == "What's the pension rate")
            #expect(pension.bestGuessItem == "pension-2024")
            #expect(pension.maxConfidence == 0.6)
            #expect(pension.resolution == nil)
            #expect(groups[1].normalizedText == "parking permit")
            #expect(groups[1].count == 1)
            #expect(groups[1].id != pension.id)
        }
    }

    @Test("the best guess is the latest miss's, even when it had none", arguments: StorageKind.allCases)
    func latestGuessWins(kind: StorageKind) async throws {
        try await kind.withStorage { log in
            try await log.record(miss("q", at: 0, guess: "item-a"))
            try await log.record(miss("q", at: 1, guess: nil))
            #expect(try await log.list(limit: 1).first?.bestGuessItem == nil)
        }
    }

    @Test("a group keeps its id as more misses join it", arguments: StorageKind.allCases)
    func stableID(kind: StorageKind) async throws {
        try await kind.withStorage { log in
            try await log.record(miss("q", at: 0))
            let before = try #require(try await log.list(limit: 1).first)
            try await log.record(miss("other", at: 1))
            try await log.record(miss("q", at: 2))
            let after = try #require(try await log.listAll(includeResolved: false).first { $0.normalizedText == "q" })
            #expect(after.id == before.id)
            #expect(after.count == 2)
        }
    }

    @Test("groups list by count, then most recently seen, and the limit is honoured", arguments: StorageKind.allCases)
    func order(kind: StorageKind) async throws {
        try await kind.withStorage { log in
            try await log.record(miss("once-old", at: 0))
            try await log.record(miss("twice", at: 1))
            try await log.record(miss("twice", at: 2))
            try await log.record(miss("once-new", at: 3))
            #expect(try await log.list(limit: 10).map(\.normalizedText) == ["twice", "once-new", "once-old"])
            #expect(try await log.list(limit: 2).map(\.normalizedText) == ["twice", "once-new"])
            #expect(try await log.list(limit: 0).isEmpty)
        }
    }

    @Test("resolving a group takes it off the list but keeps it in the full history", arguments: StorageKind.allCases)
    func resolveHides(kind: StorageKind) async throws {
        try await kind.withStorage { log in
            try await log.record(miss("pension rate", at: 0))
            try await log.record(miss("parking permit", at: 1))
            let pension = try #require(try await log.list(limit: 10).first { $0.normalizedText == "pension rate" })

            try await log.resolve(groupID: pension.id, as: "example:pension")

            #expect(try await log.list(limit: 10).map(\.normalizedText) == ["parking permit"])
            #expect(try await log.listAll(includeResolved: false).map(\.normalizedText) == ["parking permit"])
            let all = try await log.listAll(includeResolved: true)
            let resolved = try #require(all.first { $0.id == pension.id })
            #expect(resolved.resolution == "example:pension")
            #expect(resolved.isResolved)
            #expect(all.count == 2)
        }
    }

    @Test("a miss after its group was resolved opens a new group", arguments: StorageKind.allCases)
    func missAfterResolution(kind: StorageKind) async throws {
        try await kind.withStorage { log in
            try await log.record(miss("q", at: 0))
            try await log.record(miss("q", at: 1))
            let first = try #require(try await log.list(limit: 1).first)
            try await log.resolve(groupID: first.id, as: "dismissed")

            try await log.record(miss("q", at: 5))

            let open = try await log.list(limit: 10)
            try #require(open.count == 1)
            #expect(open[0].id != first.id)
            #expect(open[0].count == 1)
            #expect(open[0].firstSeen == epoch + 5)
            let old = try #require(try await log.listAll(includeResolved: true).first { $0.id == first.id })
            #expect(old.count == 2)
            #expect(old.resolution == "dismissed")
        }
    }

    @Test("resolving an unknown group id fails with an error naming it", arguments: StorageKind.allCases)
    func resolveUnknown(kind: StorageKind) async throws {
        try await kind.withStorage { log in
            try await log.record(miss("q", at: 0))
            await #expect(throws: StorageError.missGroupNotFound(id: 999)) {
                try await log.resolve(groupID: 999, as: "dismissed")
            }
            #expect(StorageError.missGroupNotFound(id: 999).description.contains("999"))
            #expect(try await log.list(limit: 10).count == 1)
        }
    }
}
