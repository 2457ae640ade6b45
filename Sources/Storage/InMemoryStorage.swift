public import Foundation

/// Every store kept in memory, for tests of the modules that use storage.
///
/// It follows the same rules as ``SQLiteStorage`` (expiry at or before `now`, group order, ids that
/// only grow, resolved groups never reopened) so a test that passes against it means the same
/// against the database. Nothing survives the process.
public actor InMemoryStorage: DedupeStore, ConversationStore, MissLog, AuditLog, StoreProbe, StaffStore {
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
        var summary: MissGroup
        // The wordings kept, in insertion order.
        var samples: [MissRecord]
    }

    private var claims: [String: Claim] = [:]
    private var conversations: [String: Conversation] = [:]
    // In id order, the last tie-breaker of the list order.
    private var groups: [Group] = []
    private var lastGroupID: Int64 = 0
    private var auditEntries: [AuditEntry] = []
    private var staffAccounts: [String: StaffAccount] = [:]

    /// How much of the review log is kept, as in ``SQLiteStorage``.
    public let missLimits: MissLogLimits

    /// Creates empty stores.
    public init(missLimits: MissLogLimits = MissLogLimits()) {
        self.missLimits = missLimits
    }

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

    /// Adds the miss to its open group, opening one if needed, within ``missLimits``.
    public func record(_ miss: MissRecord) {
        var miss = miss
        miss.text = missLimits.cut(miss.text)
        miss.normalizedText = missLimits.cut(miss.normalizedText)
        miss.user = miss.user ?? ""
        let index = groups.firstIndex { $0.normalizedText == miss.normalizedText && $0.resolution == nil }
        let rowsOfUser = groups.reduce(0) { $0 + $1.samples.filter { $0.user == miss.user }.count }
        let admission = missLimits.admit(
            groupExists: index != nil, samplesInGroup: index.map { groups[$0].samples.count } ?? 0,
            rowsOfUser: rowsOfUser, openGroupCount: groups.filter { $0.resolution == nil }.count)
        switch admission {
        case .drop:
            return
        case .openGroup:
            lastGroupID += 1
            let summary = MissGroup(
                id: lastGroupID, normalizedText: miss.normalizedText, latestText: miss.text, count: 1,
                firstSeen: miss.at,
                lastSeen: miss.at, bestGuessItem: miss.bestGuessItem, maxConfidence: miss.confidence, resolution: nil)
            groups.append(
                Group(id: lastGroupID, normalizedText: miss.normalizedText, summary: summary, samples: [miss]))
        case .count, .countAndKeep:
            guard let index else { return }
            var summary = groups[index].summary
            summary.count += 1
            if miss.at >= summary.lastSeen {
                summary.latestText = miss.text
                summary.bestGuessItem = miss.bestGuessItem
            }
            summary.firstSeen = min(summary.firstSeen, miss.at)
            summary.lastSeen = max(summary.lastSeen, miss.at)
            summary.maxConfidence = max(summary.maxConfidence, miss.confidence)
            groups[index].summary = summary
            if admission == .countAndKeep { groups[index].samples.append(miss) }
        }
    }

    /// The group with `id`, open or resolved.
    public func group(id: Int64) -> MissGroup? {
        groups.first { $0.id == id }.map(Self.summary)
    }

    /// Deletes wordings asked at or before `cutoff` and groups last asked then.
    @discardableResult
    public func purgeMisses(askedBefore cutoff: Date) -> Int {
        var removed = 0
        for index in groups.indices {
            let before = groups[index].samples.count
            groups[index].samples.removeAll { $0.at <= cutoff }
            removed += before - groups[index].samples.count
        }
        let before = groups.count
        groups.removeAll { $0.summary.lastSeen <= cutoff }
        return removed + before - groups.count
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
        var summary = group.summary
        summary.resolution = group.resolution
        return summary
    }

    // MARK: StoreProbe

    /// Memory always takes a write.
    public func probeWrite() {}

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

    public func latestChange(of target: String, after id: Int64) -> AuditEntry? {
        auditEntries.last { ($0.id ?? 0) > id && $0.target == target }
    }

    // MARK: StaffStore

    /// Adds the account unless the name is taken.
    public func addStaff(_ account: StaffAccount) -> Bool {
        guard staffAccounts[account.name] == nil else { return false }
        staffAccounts[account.name] = account
        return true
    }

    /// The account named `name`.
    public func staff(named name: String) -> StaffAccount? { staffAccounts[name] }

    /// Replaces the hash of an existing account.
    public func setStaffPassword(named name: String, passwordHash: String, at: Date) -> Bool {
        guard staffAccounts[name] != nil else { return false }
        staffAccounts[name]?.passwordHash = passwordHash
        staffAccounts[name]?.passwordChangedAt = at
        return true
    }

    /// Removes the account.
    public func removeStaff(named name: String) -> Bool { staffAccounts.removeValue(forKey: name) != nil }

    /// Every account, by name.
    public func listStaff() -> [StaffAccount] { staffAccounts.values.sorted { $0.name < $1.name } }
}
