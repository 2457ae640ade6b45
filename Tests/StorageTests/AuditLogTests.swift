import Foundation
import Storage
import Testing

/// How every ``AuditLog`` numbers, keeps and pages admin changes.
@Suite("AuditLog")
struct AuditLogTests {
    private func entry(_ action: String, at offset: TimeInterval = 0) -> AuditEntry {
        AuditEntry(who: "admin", at: epoch + offset, action: action, target: "kb")
    }

    @Test("append returns ids that grow with each entry", arguments: StorageKind.allCases)
    func idsGrow(kind: StorageKind) async throws {
        try await kind.withStorage { log in
            let first = try await log.append(entry("a"))
            let second = try await log.append(entry("b"))
            let third = try await log.append(entry("c"))
            #expect(first < second)
            #expect(second < third)
        }
    }

    @Test(
        "the latest change of a target after an entry is the newest later one on that target",
        arguments: StorageKind.allCases)
    func latestChange(kind: StorageKind) async throws {
        try await kind.withStorage { log in
            func on(_ target: String) -> AuditEntry {
                AuditEntry(who: "admin", at: epoch, action: "set", target: target)
            }
            let first = try await log.append(on("item:12.2/examples"))
            _ = try await log.append(on("item:12.1/examples"))
            let third = try await log.append(on("item:12.2/examples"))
            let fourth = try await log.append(on("item:12.2/examples"))
            #expect(try await log.latestChange(of: "item:12.2/examples", after: first)?.id == fourth)
            #expect(try await log.latestChange(of: "item:12.2/examples", after: third)?.id == fourth)
            #expect(try await log.latestChange(of: "item:12.2/examples", after: fourth) == nil)
            #expect(try await log.latestChange(of: "item:12.1/examples", after: first + 1) == nil)
            #expect(try await log.latestChange(of: "contact:区科协", after: 0) == nil)
        }
    }

    @Test("an entry reads back with every field and its id", arguments: StorageKind.allCases)
    func roundTrip(kind: StorageKind) async throws {
        try await kind.withStorage { log in
            let written = AuditEntry(
                id: 4242,
                who: "li.wei",
                at: epoch + 0.125,
                action: "miss.resolve",
                target: "miss-group:7",
                before: #"{"resolution":null}"#,
                after: #"{"resolution":"dismissed"}"#
            )
            let id = try await log.append(written)
            let read = try #require(try await log.entry(id: id))
            var expected = written
            expected.id = id
            #expect(read == expected)
            #expect(id != 4242)
        }
    }

    @Test("absent before and after values stay absent", arguments: StorageKind.allCases)
    func optionalFields(kind: StorageKind) async throws {
        try await kind.withStorage { log in
            let id = try await log.append(entry("kb.publish"))
            let read = try #require(try await log.entry(id: id))
            #expect(read.before == nil)
            #expect(read.after == nil)
        }
    }

    @Test("an unknown id has no entry", arguments: StorageKind.allCases)
    func unknownID(kind: StorageKind) async throws {
        try await kind.withStorage { log in
            let id = try await log.append(entry("a"))
            #expect(try await log.entry(id: id + 1) == nil)
        }
    }

    @Test("list pages newest first by append order, not by timestamp", arguments: StorageKind.allCases)
    func listOrder(kind: StorageKind) async throws {
        try await kind.withStorage { log in
            // The last entry's clock stepped back; it is still the newest.
            for (index, action) in ["1", "2", "3", "4"].enumerated() {
                try await log.append(entry(action, at: TimeInterval(index)))
            }
            try await log.append(entry("5", at: -100))

            #expect(try await log.list(limit: 2, offset: 0).map(\.action) == ["5", "4"])
            #expect(try await log.list(limit: 2, offset: 2).map(\.action) == ["3", "2"])
            #expect(try await log.list(limit: 2, offset: 4).map(\.action) == ["1"])
            #expect(try await log.list(limit: 2, offset: 5).isEmpty)
            #expect(try await log.list(limit: 0, offset: 0).isEmpty)
            let ids = try await log.list(limit: 100, offset: 0).compactMap(\.id)
            #expect(ids.count == 5)
            #expect(ids == ids.sorted(by: >))
        }
    }
}
