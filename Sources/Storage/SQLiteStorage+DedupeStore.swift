public import Foundation
import GRDB
import Synchronization

/// Claims held by this process, in memory, and the durable record written with the reply.
///
/// A webhook used to write twice per message: the claim, then the reply. The claim only has to
/// stop a second delivery while the first is being answered, and that second delivery comes to
/// this same process, so the claim is kept in memory; what must outlive a restart is the reply a
/// retry gets, and that is written (one row, in a shared transaction) before the first delivery is
/// answered. A key not held in memory is looked up in the file, so retries after a restart, or
/// after the memory was trimmed, still find their reply. The database file belongs to one server
/// process: two processes on one file would each hold their own claims.
final class ClaimTable: Sendable {
    struct Entry {
        var expiresAt: Double
        var reply: String?
        /// Whether the file holds this claim and its reply, so the entry may be dropped.
        var durable: Bool
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Above this many entries the durable and expired ones are dropped; the bar rises with
        /// the claims still in flight, so that trimming stays rare however many there are.
        var trimAbove: Int
    }

    private let state: Mutex<State>
    private let minimumTrim: Int

    init(trimAbove: Int = 4096) {
        self.state = Mutex(State(trimAbove: trimAbove))
        self.minimumTrim = trimAbove
    }

    /// How many claims are held in memory.
    var count: Int { state.withLock { $0.entries.count } }

    /// The unexpired entry for `key`, if this process holds one.
    func entry(_ key: String, now: Double) -> Entry? {
        state.withLock { $0.entries[key].flatMap { $0.expiresAt > now ? $0 : nil } }
    }

    /// Claims `key` unless someone holds it; `stored` is the file's unexpired row, read before.
    func claim(_ key: String, now: Double, expiresAt: Double, stored: Entry?) -> DedupeClaim {
        state.withLock { state in
            if let held = state.entries[key], held.expiresAt > now { return .duplicate(storedReply: held.reply) }
            state.entries[key] = stored ?? Entry(expiresAt: expiresAt, reply: nil, durable: false)
            // Both kinds of entry count towards the trim: retries read back from the file fill
            // memory just as new claims do.
            if state.entries.count > state.trimAbove {
                state.entries = state.entries.filter { !$0.value.durable && $0.value.expiresAt > now }
                state.trimAbove = max(minimumTrim, state.entries.count * 2)
            }
            return stored.map { .duplicate(storedReply: $0.reply) } ?? .new
        }
    }

    /// Sets the reply of a held claim and returns its expiry, or nil when none is held.
    func setReply(_ key: String, reply: String) -> Double? {
        state.withLock { state in
            state.entries[key]?.reply = reply
            return state.entries[key]?.expiresAt
        }
    }

    func markDurable(_ key: String) {
        state.withLock { $0.entries[key]?.durable = true }
    }

    /// Drops the entries expired at `now`; returns how many of them the file did not hold.
    func purge(now: Double) -> Int {
        state.withLock { state in
            let expired = state.entries.filter { $0.value.expiresAt <= now }
            for key in expired.keys { state.entries[key] = nil }
            return expired.values.filter { !$0.durable }.count
        }
    }
}

extension SQLiteStorage: DedupeStore {
    /// Claims `key` in memory, after looking for a reply recorded in the file by an earlier
    /// delivery (or an earlier run). The lookup shares the writer's batches (see `batched`); it
    /// is never a blocking read in place: GRDB's async reads hold a reader while they wait to
    /// resume, so blocking the few cooperative threads on the pool can leave nobody to resume them.
    public func claim(key: String, now: Date, ttl: Duration) async throws -> DedupeClaim {
        let now = now.timeIntervalSince1970
        if let held = claims.entry(key, now: now) { return .duplicate(storedReply: held.reply) }
        let stored = try await batched("claim dedupe key \(key)") { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT expires_at, reply FROM dedupe_claim WHERE key = ? AND expires_at > ?"),
                arguments: [key, now]
            ).map { ClaimTable.Entry(expiresAt: $0[0], reply: $0[1], durable: true) }
        }
        return claims.claim(key, now: now, expiresAt: now + ttl.seconds, stored: stored)
    }

    /// Writes the claim and its reply to the file, so a retry after a restart gets the reply.
    /// A key this process does not hold is updated in the file only if a row is there.
    public func recordReply(key: String, reply: String) async throws {
        guard let expiresAt = claims.setReply(key, reply: reply) else {
            try await batched("record the reply for dedupe key \(key)") { db in
                try db.cachedStatement(sql: "UPDATE dedupe_claim SET reply = ? WHERE key = ?").execute(arguments: [
                    reply, key,
                ])
            }
            return
        }
        try await batched("record the reply for dedupe key \(key)") { db in
            try db.cachedStatement(
                sql: """
                    INSERT INTO dedupe_claim (key, expires_at, reply) VALUES (?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at, reply = excluded.reply
                    """
            ).execute(arguments: [key, expiresAt, reply])
        }
        claims.markDurable(key)
    }

    /// Deletes expired claims, in the file over the expiry index and in memory.
    @discardableResult
    public func purgeExpiredClaims(now: Date) async throws -> Int {
        let held = claims.purge(now: now.timeIntervalSince1970)
        let stored = try await write("purge expired dedupe claims") { db in
            try db.execute(
                sql: "DELETE FROM dedupe_claim WHERE expires_at <= ?", arguments: [now.timeIntervalSince1970])
            return db.changesCount
        }
        return held + stored
    }
}
