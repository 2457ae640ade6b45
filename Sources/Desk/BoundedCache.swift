import Matching
import PolicyKit
import Synchronization

/// Values already computed, by key; bounded: when full it starts afresh. One per knowledge-base
/// snapshot, so a reload never serves what the old snapshot computed.
final class BoundedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let entries = Mutex<[Key: Value]>([:])
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    func value(for key: Key, make: () -> Value) -> Value {
        if let hit = entries.withLock({ $0[key] }) { return hit }
        let value = make()
        entries.withLock { map in
            if map.count >= capacity { map.removeAll(keepingCapacity: true) }
            map[key] = value
        }
        return value
    }
}

/// Everything a reply template can read, and so the reply cache's key: `Desk` renders a reply
/// from its key and the knowledge base alone. The question's own words are not here, so two
/// questions that reach the same item with the same facts get the same text, and every
/// refusal (or greeting, or choice between the same two items) in one flavour is the same
/// text; rendering each once saves the larger part of an answer's cost.
enum ReplyKey: Hashable, Sendable {
    /// An answer about `item`; `title` names a second item when two are answered together.
    case answer(item: String, title: String, calculation: Calculation?, flavour: ReplyFlavour)
    case clarification(items: [String], flavour: ReplyFlavour)
    case refusal(flavour: ReplyFlavour)
    case smalltalk(kind: String, flavour: ReplyFlavour)
    /// What the question asks of the units it names (their contacts, or the measures they handle).
    case unit(UnitQuestion, flavour: ReplyFlavour)
}

/// How a question was read: normalized, its facts extracted, the items ranked, and whether it
/// is small talk. All are pure functions of the question's text and the knowledge base, and together they are most
/// of an answer's cost; in a group chat the same questions come back in the same words
/// («新认定的高企能拿多少钱», «贴息找谁»), so each is read once per snapshot. The conversation
/// and the clock are applied afresh every time.
struct Reading: Sendable {
    /// Which small talk a short message is (「你好」「在吗」), and whether exactly.
    struct Smalltalk: Sendable {
        var kind: String
        var exact: Bool
    }

    var normalized: String
    var extraction: Extraction
    var ranking: Ranking
    var smalltalk: Smalltalk?
    /// The units the question names and what it asks of them, when it asks about a unit.
    var unitQuestion: UnitQuestion?
}
