public import Foundation

/// Every store kept in memory, for tests of the modules that use storage.
///
/// It follows the same rules as ``SQLiteStorage`` (expiry at or before `now`, group order, ids that
/// only grow, resolved groups never reopened) so a test that passes against it means the same
/// against the database. Nothing survives the process.
public actor InMemoryStorage: DedupeStore, ConversationStore, MissLog, AuditLog {
    private struct Claim {
        var expiresAt: Date
        var reply: String?
    }

    private struct Conversation {
        var value: Data
        var expiresAt: Date
    }

    private struct Group {
        let id: Int64
        let normalizedText: String
        var resolution: String?
        // In insertion order, which breaks ties in `at` the same way the database does.
        var misses: [MissRecord]
    }

    private var claims: [String: Claim] = [:]
    private var conversations: [String: Conversation] = [:]
    // In id order, the last tie-breaker of the list order.
    private var groups: [Group] = []
    private var lastGroupID: Int64 = 0
    private var auditEntries: [AuditEntry] = []

    /// Creates empty stores.
    public init() {}

    // MARK: DedupeStore

    /// Claims `key`; the actor's isolation makes the check and the write one step.
    public func claim(key: String, now: Date, ttl: Duration) -> DedupeClaim {
        if let claim = claims[key], claim.expiresAt > now {
            return .duplicate(storedReply: claim.reply)
        }
        claims[key] = Claim(expiresAt: now.addingTimeInterval(ttl.seconds), reply: nil)
        return .new
    }

    /// Stores the reply on an existing claim; an unknown key is ignored.
    public func recordReply(key: String, reply: String) {
        claims[key]?.reply = reply
    }

    /// Deletes expired claims and returns how many.
    @discardableResult
    public func purgeExpiredClaims(now: Date) -> Int {
        let before = claims.count
        claims = claims.filter { $0.value.expiresAt > now }
        return before - claims.count
    }

    // MARK: ConversationStore

    /// Returns the unexpired value under `key`.
    public func load(key: String, now: Date) -> Data? {
        guard let conversation = conversations[key], conversation.expiresAt > now else {
            return nil
        }
        return conversation.value
    }

    /// Saves `value` under `key` until `expiresAt`.
    public func save(key: String, value: Data, expiresAt: Date) {
        conversations[key] = Conversation(value: value, expiresAt: expiresAt)
    }

    /// Forgets the value under `key`.
    public func delete(key: String) {
        conversations[key] = nil
    }

    /// The keys of open conversations and their expiry.
    public func liveExpiries(now: Date, limit: Int) -> [String: Date]? {
        let live = conversations.filter { $0.value.expiresAt > now }.mapValues(\.expiresAt)
        return live.count > limit ? nil : live
    }

    /// Deletes expired conversations and returns how many.
    @discardableResult
    public func purgeExpiredConversations(now: Date) -> Int {
        let before = conversations.count
        conversations = conversations.filter { $0.value.expiresAt > now }
        return before - conversations.count
    }

    // MARK: MissLog

    /// Adds the miss to its open group, opening one if needed.
    public func record(_ miss: MissRecord) {
        if let index = groups.firstIndex(where: { $0.normalizedText == miss.normalizedText && $0.resolution == nil }) {
            groups[index].misses.append(miss)
        } else {
            lastGroupID += 1
            groups.append(Group(id: lastGroupID, normalizedText: miss.normalizedText, misses: [miss]))
        }
    }

    /// Returns up to `limit` open groups in list order.
    public func list(limit: Int) -> [MissGroup] {
        Array(summaries(includeResolved: false).prefix(max(0, limit)))
    }

    /// Marks the group resolved.
    public func resolve(groupID: Int64, as resolution: String) throws {
        guard let index = groups.firstIndex(where: { $0.id == groupID }) else {
            throw StorageError.missGroupNotFound(id: groupID)
        }
        groups[index].resolution = resolution
    }

    /// Returns every open group, and the resolved ones when asked.
    public func listAll(includeResolved: Bool) -> [MissGroup] {
        summaries(includeResolved: includeResolved)
    }

    private func summaries(includeResolved: Bool) -> [MissGroup] {
        groups
            .filter { includeResolved || $0.resolution == nil }
            .map(Self.summary)
            .sorted { left, right in
                if left.count != right.count { return left.count > right.count }
                if left.lastSeen != right.lastSeen { return left.lastSeen > right.lastSeen }
                return left.id < right.id
            }
    }

    private static func summary(of group: Group) -> MissGroup {
        // A group is created with its first miss and misses are never removed, so it is never empty.
        var latest = group.misses[0]
        for miss in group.misses where miss.at >= latest.at {
            latest = miss
        }
        return MissGroup(
            id: group.id,
            normalizedText: group.normalizedText,
            latestText: latest.text,
            count: group.misses.count,
            firstSeen: group.misses.map(\.at).min() ?? latest.at,
            lastSeen: latest.at,
            bestGuessItem: latest.bestGuessItem,
            maxConfidence: group.misses.map(\.confidence).max() ?? latest.confidence,
            resolution: group.resolution
        )
    }

    // MARK: AuditLog

    /// Appends the entry with the next id.
    @discardableResult
    public func append(_ entry: AuditEntry) -> Int64 {
        var entry = entry
        let id = Int64(auditEntries.count + 1)
        entry.id = id
        auditEntries.append(entry)
        return id
    }

    /// Returns a page of entries, newest first.
    public func list(limit: Int, offset: Int) -> [AuditEntry] {
        Array(auditEntries.reversed().dropFirst(max(0, offset)).prefix(max(0, limit)))
    }

    /// Returns the entry with `id`.
    public func entry(id: Int64) -> AuditEntry? {
        auditEntries.first { $0.id == id }
    }
}
