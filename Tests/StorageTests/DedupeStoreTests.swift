import Foundation
import Storage
import Testing

/// How every ``DedupeStore`` recognizes a platform's redelivery.
@Suite("DedupeStore")
struct DedupeStoreTests {
    @Test("the first claim of a key is new", arguments: StorageKind.allCases)
    func firstClaimIsNew(kind: StorageKind) async throws {
        try await kind.withStorage { store in
            let claim = try await store.claim(key: "wecom:msg:1", now: epoch, ttl: .seconds(60))
            #expect(claim == .new)
        }
    }

    @Test("a second claim within the time to live is a duplicate with no reply yet", arguments: StorageKind.allCases)
    func secondClaimIsDuplicate(kind: StorageKind) async throws {
        try await kind.withStorage { store in
            _ = try await store.claim(key: "wecom:msg:1", now: epoch, ttl: .seconds(60))
            // Within the few seconds an answer could still be on its way: a shared store takes over a
            // claim left without a reply for longer (see PostgresCrossInstanceTests).
            let retry = try await store.claim(key: "wecom:msg:1", now: epoch + 3, ttl: .seconds(60))
            #expect(retry == .duplicate(storedReply: nil))
        }
    }

    @Test("a retry gets the reply recorded for the first delivery", arguments: StorageKind.allCases)
    func retryGetsRecordedReply(kind: StorageKind) async throws {
        try await kind.withStorage { store in
            _ = try await store.claim(key: "wecom:msg:1", now: epoch, ttl: .seconds(60))
            try await store.recordReply(key: "wecom:msg:1", reply: "养老金每年调整一次。")
            let retry = try await store.claim(key: "wecom:msg:1", now: epoch + 5, ttl: .seconds(60))
            #expect(retry == .duplicate(storedReply: "养老金每年调整一次。"))
        }
    }

    @Test(
        "a claim expires at its time to live and the key can be claimed afresh without the old reply",
        arguments: StorageKind.allCases)
    func claimExpires(kind: StorageKind) async throws {
        try await kind.withStorage { store in
            _ = try await store.claim(key: "wecom:msg:1", now: epoch, ttl: .seconds(60))
            try await store.recordReply(key: "wecom:msg:1", reply: "old")
            #expect(try await store.claim(key: "wecom:msg:1", now: epoch + 60, ttl: .seconds(60)) == .new)
            let retry = try await store.claim(key: "wecom:msg:1", now: epoch + 61, ttl: .seconds(60))
            #expect(retry == .duplicate(storedReply: nil))
        }
    }

    @Test("sub-second time to live is honoured", arguments: StorageKind.allCases)
    func subSecondTTL(kind: StorageKind) async throws {
        try await kind.withStorage { store in
            _ = try await store.claim(key: "k", now: epoch, ttl: .milliseconds(1500))
            #expect(try await store.claim(key: "k", now: epoch + 1.4, ttl: .seconds(1)) == .duplicate(storedReply: nil))
            #expect(try await store.claim(key: "k", now: epoch + 1.5, ttl: .seconds(1)) == .new)
        }
    }

    @Test("keys from different namespaces do not collide", arguments: StorageKind.allCases)
    func namespacesAreIndependent(kind: StorageKind) async throws {
        try await kind.withStorage { store in
            let wecom = try await store.claim(key: "wecom:msg:123", now: epoch, ttl: .seconds(60))
            let feishu = try await store.claim(key: "feishu:msg:123", now: epoch, ttl: .seconds(60))
            #expect(wecom == .new)
            #expect(feishu == .new)
        }
    }

    @Test("recording a reply for a key never claimed creates no claim", arguments: StorageKind.allCases)
    func replyWithoutClaimIsIgnored(kind: StorageKind) async throws {
        try await kind.withStorage { store in
            try await store.recordReply(key: "wecom:msg:9", reply: "stray")
            #expect(try await store.claim(key: "wecom:msg:9", now: epoch, ttl: .seconds(60)) == .new)
        }
    }

    @Test("purging deletes only expired claims and counts them", arguments: StorageKind.allCases)
    func purgeDeletesExpired(kind: StorageKind) async throws {
        try await kind.withStorage { store in
            _ = try await store.claim(key: "short", now: epoch, ttl: .seconds(10))
            _ = try await store.claim(key: "exact", now: epoch, ttl: .seconds(50))
            _ = try await store.claim(key: "long", now: epoch, ttl: .seconds(100))
            try await store.recordReply(key: "long", reply: "kept")
            #expect(try await store.purgeExpiredClaims(now: epoch + 50) == 2)
            #expect(try await store.purgeExpiredClaims(now: epoch + 50) == 0)
            #expect(
                try await store.claim(key: "long", now: epoch + 50, ttl: .seconds(1)) == .duplicate(storedReply: "kept")
            )
        }
    }

    @Test("of 100 concurrent claims of one key exactly one is new", arguments: StorageKind.allCases)
    func concurrentClaimsAreAtomic(kind: StorageKind) async throws {
        try await kind.withStorage { store in
            let outcomes = try await withThrowingTaskGroup(of: DedupeClaim.self) { group in
                for _ in 0..<100 {
                    group.addTask { try await store.claim(key: "wecom:msg:race", now: epoch, ttl: .seconds(60)) }
                }
                return try await group.reduce(into: [DedupeClaim]()) { $0.append($1) }
            }
            #expect(outcomes.count == 100)
            #expect(outcomes.filter { $0 == .new }.count == 1)
            #expect(outcomes.filter { $0 == .duplicate(storedReply: nil) }.count == 99)
        }
    }
}
