public import Foundation
import JSONWriter
public import PolicyKit

/// The state of one person's conversation with the bot: what it asked back and the facts
/// already given. A value the core takes and returns; the edge stores it.
public struct Conversation: Sendable, Codable, Equatable {
    /// What the bot is waiting for.
    public enum Pending: Sendable, Codable, Equatable {
        /// Facts for an item (「规上还是规下？」).
        case facts(item: String, awaiting: [String])
        /// A choice between items (「您问的是 A 还是 B？」).
        case choice(items: [String])
    }

    public var pending: Pending?
    /// Facts given so far, as `name → value` text.
    public var facts: [String: String]
    /// The question that opened the exchange.
    public var question: String
    /// When the conversation stops counting; a later message starts afresh.
    public var expiresAt: Date

    public init(pending: Pending?, facts: [String: String], question: String, expiresAt: Date) {
        self.pending = pending
        self.facts = facts
        self.question = question
        self.expiresAt = expiresAt
    }

    /// The key a store files a conversation under: one per channel, chat and user.
    public static func key(channel: String, chat: String, user: String) -> String {
        "\(channel)|\(chat)|\(user)"
    }

    /// The facts as values.
    public var knownFacts: Facts {
        var result = Facts()
        for (name, text) in facts {
            guard let fact = FactName(rawValue: name) else { continue }
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "yuan": if let v = Int64(parts[1]) { result[fact] = .yuan(v) }
            case "count": if let v = Int(parts[1]) { result[fact] = .count(v) }
            case "flag": result[fact] = .flag(parts[1] == "true")
            case "choice": result[fact] = .choice(parts[1])
            default: break
            }
        }
        return result
    }

    /// Encodes facts for storage.
    public static func encode(_ facts: Facts) -> [String: String] {
        var result: [String: String] = [:]
        for (name, value) in facts.values {
            switch value {
            case .yuan(let v): result[name.rawValue] = "yuan:\(v)"
            case .count(let v): result[name.rawValue] = "count:\(v)"
            case .flag(let v): result[name.rawValue] = "flag:\(v)"
            case .choice(let v): result[name.rawValue] = "choice:\(v)"
            }
        }
        return result
    }
}

extension Conversation {
    /// A conversation read back from its stored form (``storedJSON()``), or nil when the bytes
    /// are not one; the one reader of what the one writer below wrote.
    public init?(storedJSON data: Data) {
        guard let conversation = try? JSONDecoder().decode(Conversation.self, from: data) else { return nil }
        self = conversation
    }

    /// The stored form: the JSON the synthesized `Codable` conformance reads (so rows written
    /// by `JSONEncoder` and rows written here read back alike), written straight to bytes.
    /// `JSONEncoder` cost more than the rest of a clarifying answer.
    public func storedJSON() -> Data {
        var out = JSONBytes(capacity: 128 + question.utf8.count)
        out.raw("{")
        switch pending {
        case .facts(let item, let awaiting)?:
            out.raw("\"pending\":{\"facts\":{\"item\":")
            out.string(item)
            out.raw(",\"awaiting\":")
            out.strings(awaiting)
            out.raw("}},")
        case .choice(let items)?:
            out.raw("\"pending\":{\"choice\":{\"items\":")
            out.strings(items)
            out.raw("}},")
        case nil:
            break
        }
        out.raw("\"facts\":{")
        for (i, name) in facts.keys.sorted().enumerated() {
            if i > 0 { out.raw(",") }
            out.string(name)
            out.raw(":")
            out.string(facts[name])
        }
        out.raw("},\"question\":")
        out.string(question)
        // Date's own Codable form: seconds since 2001-01-01, as a round-tripping decimal.
        out.raw(",\"expiresAt\":\(expiresAt.timeIntervalSinceReferenceDate)}")
        return Data(out.bytes)
    }
}
