import Foundation
import Logging
import ServiceLifecycle
import Storage
import Testing

@testable import Server

/// Expired records are swept out of the store, and the sweeper never holds up a shutdown.
@Suite("Housekeeping")
struct HousekeepingTests {
    private static let t0 = Date(timeIntervalSince1970: 1_750_000_000)

    @Test("a sweep deletes expired dedupe records and conversations and keeps live ones")
    func sweepDeletesExpired() async throws {
        let store = try SQLiteStorage.inMemory()
        _ = try await store.claim(key: "wecom:msg:old", now: Self.t0, ttl: .seconds(60))
        try await store.recordReply(key: "wecom:msg:old", reply: "old reply")
        _ = try await store.claim(key: "wecom:msg:new", now: Self.t0, ttl: .seconds(3600))
        try await store.recordReply(key: "wecom:msg:new", reply: "new reply")
        try await store.save(key: "api|api|gone", value: Data("{}".utf8), expiresAt: Self.t0 + 60)
        try await store.save(key: "api|api|open", value: Data("{}".utf8), expiresAt: Self.t0 + 3600)

        let sweeper = HousekeepingService(
            dedupe: store, conversations: store, interval: .seconds(600), now: { Self.t0 + 120 },
            logger: Logger(label: "test"))
        await sweeper.sweep()

        // Nothing expired is left for a second purge to find.
        #expect(try await store.purgeExpiredClaims(now: Self.t0 + 120) == 0)
        #expect(try await store.purgeExpiredConversations(now: Self.t0 + 120) == 0)
        #expect(try await store.liveExpiries(now: Self.t0 + 120, limit: 10) == ["api|api|open": Self.t0 + 3600])
        #expect(try await store.liveExpiries(now: Self.t0 + 120, limit: 0) == nil)
        #expect(
            try await store.claim(key: "wecom:msg:new", now: Self.t0 + 120, ttl: .seconds(60))
                == .duplicate(storedReply: "new reply"))
    }

    @Test("a graceful shutdown ends the sweeper at once, not after its interval")
    func shutdownIsPrompt() async throws {
        let store = InMemoryStorage()
        let sweeper = HousekeepingService(
            dedupe: store, conversations: store, interval: .seconds(3600), now: { Date() },
            logger: Logger(label: "test"))
        let group = ServiceGroup(services: [sweeper], logger: Logger(label: "test"))
        // The sweeper's interval is an hour: it ends before the watchdog (10 minutes, far past any
        // slow machine's scheduling delay) only if the shutdown cut its sleep short.
        let endedBy = try await withThrowingTaskGroup(of: String.self) { tasks in
            tasks.addTask {
                try await group.run()
                return "shutdown"
            }
            tasks.addTask {
                try await Task.sleep(for: .seconds(600))
                return "watchdog"
            }
            try await Task.sleep(for: .milliseconds(100))
            await group.triggerGracefulShutdown()
            let first = try await tasks.next() ?? "nothing"
            tasks.cancelAll()
            return first
        }
        #expect(endedBy == "shutdown")
    }
}
