import Foundation
import Matching
import PolicyKit
import Yams

extension KnowledgeBaseLoader {
    /// The sections of `facts.yaml`, each required: a missing one would silently stop the bot
    /// from reading that kind of fact.
    static let factSections = [
        "amounts", "amountsRightBefore", "scale", "listing", "total", "pair", "money", "patents", "subsidyYears",
    ]

    /// Reads `facts.yaml`: the words that tell what a question states.
    func loadFactCues(problems: inout [Problem]) -> FactCues {
        guard let doc = document("facts.yaml", problems: &problems) else { return FactCues() }
        var r = NodeReader(file: doc.file)
        defer { problems += r.problems }
        guard let map = r.mapping(doc.root, "facts.yaml") else { return FactCues() }
        for (key, _) in map {
            guard let name = key.string, !Self.factSections.contains(name) else { continue }
            r.problem(key, "unknown section `\(name)`; facts.yaml has \(Self.factSections.joined(separator: ", "))")
        }
        var cues = FactCues()
        cues.amounts = Self.factWords(map, "amounts", in: doc.root, reader: &r)
        cues.amountsRightBefore = Self.factWords(map, "amountsRightBefore", in: doc.root, reader: &r)
        let scale = Self.section(map, "scale", keys: ["above", "below"], in: doc.root, reader: &r)
        cues.above = scale["above"] ?? []
        cues.below = scale["below"] ?? []
        let listing = Self.section(
            map, "listing", keys: ["topic", "all", "accepted", "listed", "ipo"], in: doc.root, reader: &r)
        cues.listingTopic = listing["topic"] ?? []
        cues.listingAll = listing["all"] ?? []
        cues.listingAccepted = listing["accepted"] ?? []
        cues.listingListed = listing["listed"] ?? []
        cues.listingIPO = listing["ipo"] ?? []
        cues.total = Self.words(r.strings(map, "total", in: doc.root, required: true), "total", map["total"], &r)
        cues.pair = Self.words(r.strings(map, "pair", in: doc.root, required: true), "pair", map["pair"], &r)
        cues.money = Self.words(r.strings(map, "money", in: doc.root, required: true), "money", map["money"], &r)
        let patents = Self.section(
            map, "patents",
            keys: ["patent", "industrialized", "allIndustrialized", "notUsedForHighTech", "usedForHighTech"],
            in: doc.root, reader: &r)
        cues.patent = patents["patent"] ?? []
        cues.industrialized = patents["industrialized"] ?? []
        cues.allIndustrialized = patents["allIndustrialized"] ?? []
        cues.notUsedForHighTech = patents["notUsedForHighTech"] ?? []
        cues.usedForHighTech = patents["usedForHighTech"] ?? []
        cues.subsidyYears = Self.words(
            r.strings(map, "subsidyYears", in: doc.root, required: true), "subsidyYears", map["subsidyYears"], &r)
        return cues
    }

    /// A mapping of fact names to words (`amounts`), each name one of `FactName`.
    static func factWords(_ map: Node.Mapping, _ key: String, in root: Node?, reader r: inout NodeReader)
        -> [FactCues.Words]
    {
        guard let node = map[key] else {
            r.problem(root, "missing `\(key)`")
            return []
        }
        guard case .mapping(let facts) = node else {
            r.problem(node, "`\(key)` must map each fact name (interest, cityAmount …) to its words")
            return []
        }
        var result: [FactCues.Words] = []
        for (name, _) in facts {
            guard let raw = name.string else { continue }
            guard let fact = FactName(rawValue: raw) else {
                let known = FactName.allCases.map(\.rawValue).joined(separator: ", ")
                r.problem(name, "`\(key)`: unknown fact `\(raw)`; facts are \(known)")
                continue
            }
            let words = words(r.strings(facts, raw, in: node, required: true), "\(key).\(raw)", facts[raw], &r)
            result.append(FactCues.Words(fact: fact, words: words))
        }
        return result
    }

    /// A mapping of fixed keys to words (`scale: {above: […], below: […]}`), every key required.
    static func section(
        _ map: Node.Mapping, _ key: String, keys: [String], in root: Node?, reader r: inout NodeReader
    ) -> [String: [String]] {
        guard let node = map[key] else {
            r.problem(root, "missing `\(key)`")
            return [:]
        }
        guard let section = r.mapping(node, "`\(key)`") else { return [:] }
        var result: [String: [String]] = [:]
        for (name, _) in section {
            guard let raw = name.string, !keys.contains(raw) else { continue }
            r.problem(name, "`\(key)` has unknown key `\(raw)`; it has \(keys.joined(separator: ", "))")
        }
        for sub in keys {
            result[sub] = words(r.strings(section, sub, in: node, required: true), "\(key).\(sub)", section[sub], &r)
        }
        return result
    }

    /// The words of one list, without empty ones, each word once.
    static func words(_ list: [String], _ what: String, _ node: Node?, _ r: inout NodeReader) -> [String] {
        var seen = Set<String>()
        var result: [String] = []
        for word in list {
            let trimmed = word.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty {
                r.problem(node, "`\(what)` has an empty word")
            } else if !seen.insert(trimmed).inserted {
                r.problem(node, "`\(what)` lists 「\(trimmed)」 twice")
            } else {
                result.append(trimmed)
            }
        }
        return result
    }
}
