import Foundation
import Storage
import Testing

/// What strangers send is kept within bounds: anyone can ask anything, as often as they like.
@Suite("MissLog limits")
struct MissLogLimitTests {
    private func miss(_ text: String, user: String = "alice", at offset: TimeInterval = 0, confidence: Double = 0.1)
        -> MissRecord
    {
        MissRecord(
            text: text, normalizedText: text, channel: "api", user: user, at: epoch + offset, confidence: confidence)
    }

    @Test(
        "a question is kept cut to the text limit, and so is the text that groups it", arguments: StorageKind.allCases)
    func cut(kind: StorageKind) async throws {
        try await kind.withStorage(missLimits: MissLogLimits(maxTextLength: 10)) { log in
            let long = String(repeating: "买房补贴", count: 15_000)
            try await log.record(miss(long))
            let groups = try await log.list(limit: 10)
            #expect(groups.count == 1)
            #expect(groups.first?.latestText == String(long.prefix(10)))
            #expect(groups.first?.normalizedText == String(long.prefix(10)))
        }
    }

    @Test("repeats are counted on their group, not stored again past the samples kept", arguments: StorageKind.allCases)
    func repeatsCounted(kind: StorageKind) async throws {
        try await kind.withStorage(missLimits: MissLogLimits(samplesPerGroup: 2)) { log in
            for i in 0..<50 {
                try await log.record(miss("高新区哪里好吃", user: "u\(i)", at: Double(i), confidence: Double(i) / 100))
            }
            let group = try #require(try await log.list(limit: 10).first)
            #expect(group.count == 50)
            #expect(group.firstSeen == epoch)
            #expect(group.lastSeen == epoch + 49)
            #expect(group.maxConfidence == 0.49)
            // Found again by its id, without listing every group.
            #expect(try await log.group(id: group.id) == group)
        }
    }

    @Test(
        "one sender fills at most their share; repeats of questions under review still count",
        arguments: StorageKind.allCases)
    func perUser(kind: StorageKind) async throws {
        try await kind.withStorage(missLimits: MissLogLimits(samplesPerGroup: 1, rowsPerUser: 3)) { log in
            for i in 0..<100 { try await log.record(miss("问题\(i)", user: "flood", at: Double(i))) }
            #expect(try await log.listAll(includeResolved: false).count == 3)
            try await log.record(miss("问题1", user: "flood", at: 200))
            #expect(try await log.list(limit: 10).first { $0.normalizedText == "问题1" }?.count == 2)
            // Somebody else is still heard.
            try await log.record(miss("另一个问题", user: "bob"))
            #expect(try await log.listAll(includeResolved: false).count == 4)
        }
    }

    @Test("past the number of open groups, new questions are not kept", arguments: StorageKind.allCases)
    func total(kind: StorageKind) async throws {
        try await kind.withStorage(missLimits: MissLogLimits(openGroups: 5)) { log in
            for i in 0..<40 { try await log.record(miss("问题\(i)", user: "u\(i)", at: Double(i))) }
            let groups = try await log.listAll(includeResolved: false)
            #expect(groups.count == 5)
            #expect(Set(groups.map(\.normalizedText)) == Set((0..<5).map { "问题\($0)" }))
        }
    }

    @Test("questions not asked since the retention cut-off are forgotten", arguments: StorageKind.allCases)
    func retention(kind: StorageKind) async throws {
        try await kind.withStorage { log in
            try await log.record(miss("旧问题", at: 0))
            try await log.record(miss("新问题", at: 1000))
            try await log.record(miss("旧问题但又问了", at: 0))
            try await log.record(miss("旧问题但又问了", at: 2000))
            let removed = try await log.purgeMisses(askedBefore: epoch + 500)
            #expect(removed >= 2)
            let left = try await log.listAll(includeResolved: true).map(\.normalizedText).sorted()
            #expect(left == ["新问题", "旧问题但又问了"])
        }
    }

    @Test("listing the log at its largest reads the summaries, not every question")
    func listingAtMaximum() async throws {
        try await withDatabasePath { path in
            let limits = MissLogLimits(openGroups: 2000)
            let log = try SQLiteStorage(path: path, missLimits: limits)
            for i in 0..<3000 { try await log.record(miss("问题\(i % 2500)", user: "u\(i % 300)", at: Double(i))) }
            let all = try await log.listAll(includeResolved: false)
            #expect(all.count == 2000)
            #expect(all.reduce(0) { $0 + $1.count } <= 3000)
            let top = try await log.list(limit: 10)
            #expect(top.count == 10)
            #expect(top.first.map { $0.count >= 2 } == true, "repeats come first")
            try log.close()
        }
    }
}
