import PolicyKit
import Synchronization

/// Replies already written, by what they depend on: the item (or items), the flavour and the
/// calculation. The question's own words never appear in a reply, so two questions that
/// reach the same item with the same facts get the same text; rendering it once saves the
/// larger part of an answer's cost. Bounded: when full it starts afresh.
final class ReplyCache: Sendable {
    struct Key: Hashable, Sendable {
        var item: String
        var also: String?
        var flavour: String
        var calculation: Calculation?
    }

    private let entries = Mutex<[Key: String]>([:])
    private let capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    func reply(for key: Key, render: () -> String) -> String {
        if let hit = entries.withLock({ $0[key] }) { return hit }
        let text = render()
        entries.withLock { map in
            if map.count >= capacity { map.removeAll(keepingCapacity: true) }
            map[key] = text
        }
        return text
    }
}
