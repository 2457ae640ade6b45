import Foundation
import Storage
import Testing

/// How every ``ConversationStore`` keeps and expires conversation state.
@Suite("ConversationStore")
struct ConversationStoreTests {
    private let state = Data(#"{"step":"askAge","answers":{"city":"杭州"}}"#.utf8)

    @Test("a saved value loads back byte for byte", arguments: StorageKind.allCases)
    func saveThenLoad(kind: StorageKind) async throws {
        try await kind.withStorage { store in
            try await store.save(key: "wecom:user:alice", value: state, expiresAt: epoch + 600)
            #expect(try await store.load(key: "wecom:user:alice", now: epoch) == state)
        }
    }

    @Test("binary values, including the empty one, survive unchanged", arguments: StorageKind.allCases)
    func binaryValues(kind: StorageKind) async throws {
        try await kind.withStorage { store in
            let binary = Data([0, 255, 0, 1, 0x80])
            try await store.save(key: "binary", value: binary, expiresAt: epoch + 600)
            try await store.save(key: "empty", value: Data(), expiresAt: epoch + 600)
            #expect(try await store.load(key: "binary", now: epoch) == binary)
            #expect(try await store.load(key: "empty", now: epoch) == Data())
        }
    }

    @Test("a missing key loads as nil", arguments: StorageKind.allCases)
    func missingKey(kind: StorageKind) async throws {
        try await kind.withStorage { store in
            try await store.save(key: "wecom:user:alice", value: state, expiresAt: epoch + 600)
            #expect(try await store.load(key: "wecom:user:bob", now: epoch) == nil)
        }
    }

    @Test("a value loads until just before its expiry and not from then on", arguments: StorageKind.allCases)
    func expiry(kind: StorageKind) async throws {
        try await kind.withStorage { store in
            try await store.save(key: "k", value: state, expiresAt: epoch + 600)
            #expect(try await store.load(key: "k", now: epoch + 599.5) == state)
            #expect(try await store.load(key: "k", now: epoch + 600) == nil)
            #expect(try await store.load(key: "k", now: epoch + 601) == nil)
        }
    }

    @Test("saving again replaces both the value and the expiry", arguments: StorageKind.allCases)
    func saveReplaces(kind: StorageKind) async throws {
        try await kind.withStorage { store in
            let newer = Data(#"{"step":"done"}"#.utf8)
            try await store.save(key: "k", value: state, expiresAt: epoch + 10)
            try await store.save(key: "k", value: newer, expiresAt: epoch + 600)
            #expect(try await store.load(key: "k", now: epoch + 300) == newer)
        }
    }

    @Test("delete forgets the value and tolerates a missing key", arguments: StorageKind.allCases)
    func delete(kind: StorageKind) async throws {
        try await kind.withStorage { store in
            try await store.save(key: "k", value: state, expiresAt: epoch + 600)
            try await store.save(key: "other", value: state, expiresAt: epoch + 600)
            try await store.delete(key: "k")
            try await store.delete(key: "never-saved")
            #expect(try await store.load(key: "k", now: epoch) == nil)
            #expect(try await store.load(key: "other", now: epoch) == state)
        }
    }

    @Test("purging deletes only expired values and counts them", arguments: StorageKind.allCases)
    func purge(kind: StorageKind) async throws {
        try await kind.withStorage { store in
            try await store.save(key: "old", value: state, expiresAt: epoch + 10)
            try await store.save(key: "edge", value: state, expiresAt: epoch + 20)
            try await store.save(key: "live", value: state, expiresAt: epoch + 600)
            #expect(try await store.purgeExpiredConversations(now: epoch + 20) == 2)
            #expect(try await store.purgeExpiredConversations(now: epoch + 20) == 0)
            #expect(try await store.load(key: "live", now: epoch + 20) == state)
        }
    }

    @Test("purging conversations leaves dedupe claims alone", arguments: StorageKind.allCases)
    func purgesAreSeparate(kind: StorageKind) async throws {
        try await kind.withStorage { store in
            _ = try await store.claim(key: "k", now: epoch, ttl: .seconds(10))
            try await store.save(key: "k", value: state, expiresAt: epoch + 10)
            #expect(try await store.purgeExpiredConversations(now: epoch + 20) == 1)
            #expect(try await store.purgeExpiredClaims(now: epoch + 20) == 1)
        }
    }
}
