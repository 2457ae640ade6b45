import Matching
import Synchronization

/// How questions already seen were read: normalized, their facts extracted, the items ranked.
/// All three are pure functions of the question's text and the knowledge base, and together
/// they are most of an answer's cost; in a group chat the same questions come back in the
/// same words («新认定的高企能拿多少钱», «贴息找谁»), so each is read once per snapshot.
/// The conversation and the clock are applied afresh every time. Bounded: when full it
/// starts afresh.
final class ReadingCache: Sendable {
    struct Reading: Sendable {
        var scalars: [UInt32]
        var extraction: Extraction
        var ranking: Ranking
    }

    private let entries = Mutex<[String: Reading]>([:])
    private let capacity: Int

    init(capacity: Int = 8192) {
        self.capacity = capacity
    }

    func reading(of text: String, read: () -> Reading) -> Reading {
        // Long texts rarely repeat word for word; keeping them would only push out the ones that do.
        guard text.utf8.count <= 600 else { return read() }
        if let hit = entries.withLock({ $0[text] }) { return hit }
        let reading = read()
        entries.withLock { map in
            if map.count >= capacity { map.removeAll(keepingCapacity: true) }
            map[text] = reading
        }
        return reading
    }
}
