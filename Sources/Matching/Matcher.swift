import Foundation
import PolicyKit

/// The matcher's view of the items it can answer and the questions it must refuse.
public struct MatcherCorpus: Sendable {
    /// One answerable item and the texts that point at it.
    public struct Entry: Sendable {
        public var itemID: String
        public var clause: Int
        public var facts: Set<FactName>
        public var paysMoney: Bool
        public var examples: [String]
        public var descriptions: [String]
        /// The level of government the item's title names (国家级 or 自治区级), if one.
        public var level: Level?

        public init(
            itemID: String, clause: Int, facts: Set<FactName>, paysMoney: Bool, examples: [String],
            descriptions: [String], level: Level? = nil
        ) {
            self.level = level
            self.itemID = itemID
            self.clause = clause
            self.facts = facts
            self.paysMoney = paysMoney
            self.examples = examples
            self.descriptions = descriptions
        }
    }

    public var entries: [Entry]
    /// Questions the bot must refuse.
    public var outOfScope: [String]
    /// Phrases that mark a question as a near miss (购房补贴).
    public var nearMisses: [String]

    public init(entries: [Entry], outOfScope: [String], nearMisses: [String]) {
        self.entries = entries
        self.outOfScope = outOfScope
        self.nearMisses = nearMisses
    }

    /// The corpus of a policy, with out-of-scope examples.
    public init(policy: Policy, outOfScope: [String], nearMisses: [String]) {
        var entries: [Entry] = []
        for clause in policy.clauses {
            for item in clause.items {
                let pays: Bool
                switch item.award {
                case .none, .unspecified: pays = false
                default: pays = true
                }
                var descriptions = [item.title, item.text]
                if !clause.keywords.isEmpty { descriptions.append(clause.keywords.joined(separator: " ")) }
                descriptions.append(clause.title)
                entries.append(Entry(
                    itemID: item.id, clause: clause.number, facts: Set(item.award.facts + item.requires.map(\.fact)),
                    paysMoney: pays, examples: item.examples, descriptions: descriptions,
                    level: Level.named(in: item.title)))
            }
        }
        self.init(entries: entries, outOfScope: outOfScope, nearMisses: nearMisses)
    }
}

/// A level of government that tells two otherwise alike items apart (国家级 and 自治区级 孵化器).
public enum Level: Sendable, Equatable {
    case national, region

    /// The one level `text` names, or nil when it names none or both.
    public static func named(in text: String) -> Level? {
        let national = text.contains("国家")
        let region = text.contains("自治区") || text.contains("省级")
        switch (national, region) {
        case (true, false): return .national
        case (false, true): return .region
        default: return nil
        }
    }
}

extension Level {
    /// The one level a question names. In a question 「自治区」 alone usually says who paid,
    /// not the level of a platform; only 「自治区级」 (or 「省级」) names a level.
    public static func asked(in text: String) -> Level? {
        let national = text.contains("国家")
        let region = text.contains("自治区级") || text.contains("省级")
        switch (national, region) {
        case (true, false): return .national
        case (false, true): return .region
        default: return nil
        }
    }
}

/// One ranked candidate.
public struct Candidate: Sendable, Equatable {
    public var itemID: String
    public var clause: Int
    /// The score on a 0…1 scale: how much of the question a known wording covers.
    public var score: Float
}

/// What the matcher makes of a question.
public struct Ranking: Sendable {
    /// Items, best first (at most a handful).
    public var candidates: [Candidate]
    /// How close the question is to a question the bot must refuse, 0…1.
    public var outOfScopeScore: Float
    /// Whether a near-miss phrase (购房补贴) stands in the question.
    public var nearMiss: Bool
    /// The calibrated confidence that the best candidate is right, 0…1.
    public var confidence: Double
    /// Whether the bot should refuse.
    public var isOutOfScope: Bool
}

/// Thresholds of the matcher's decisions.
public struct MatcherTuning: Sendable {
    /// Below this score the best item is not trusted at all.
    public var minimumScore: Float = 0.22
    /// The out-of-scope score must beat the best item by this much to refuse.
    public var outOfScopeMargin: Float = 0.0
    /// Added to an item whose rule reads a fact the question states.
    public var factBoost: Float = 0.08
    /// Subtracted from an item of the other level than the one the question names.
    public var levelBoost: Float = 0.1
    /// Subtracted from an item that pays nothing when the question states an amount.
    public var nonPayingPenalty: Float = 0.04

    public init() {}
}

/// Ranks items for a normalized question: BM25 over character n-grams of examples and
/// descriptions, re-ranked by the facts the question states.
public struct Matcher: Sendable {
    private let index: NGramIndex
    private let entries: [MatcherCorpus.Entry]
    private let nearMisses: [String]
    private let outOfScopeLabel: Int
    public var tuning: MatcherTuning

    /// Builds the matcher; `corpus` texts are normalized with `normalizer` first.
    public init(corpus: MatcherCorpus, normalizer: Normalizer, tuning: MatcherTuning = MatcherTuning()) {
        var texts: [String] = []
        var documents: [NGramIndex.Document] = []
        for (label, entry) in corpus.entries.enumerated() {
            for example in entry.examples {
                texts.append(normalizer.normalize(example))
                documents.append(.init(label: label, weight: 1.0))
            }
            for description in entry.descriptions {
                texts.append(normalizer.normalize(description))
                documents.append(.init(label: label, weight: 0.75))
            }
        }
        let oos = corpus.entries.count
        for example in corpus.outOfScope {
            texts.append(normalizer.normalize(example))
            documents.append(.init(label: oos, weight: 1.0))
        }
        self.index = NGramIndex(texts: texts, documents: documents)
        self.entries = corpus.entries
        self.nearMisses = corpus.nearMisses.map { normalizer.normalize($0) }.filter { !$0.isEmpty }
        self.outOfScopeLabel = oos
        self.tuning = tuning
    }

    /// The number of indexed texts.
    public var documentCount: Int { index.documents.count }

    /// Ranks the items for `normalized`, using the facts in `extraction` to break near ties.
    public func rank(_ normalized: String, extraction: Extraction) -> Ranking {
        let grams = NGramIndex.grams(of: normalized)
        let selfScore = index.selfScore(of: grams)
        let nearMiss = nearMisses.contains { normalized.contains($0) }
        guard selfScore > 0 else {
            return Ranking(candidates: [], outOfScopeScore: 0, nearMiss: nearMiss, confidence: 0, isOutOfScope: true)
        }
        var scores = [Float](repeating: 0, count: index.documents.count)
        var touched: [Int] = []
        touched.reserveCapacity(256)
        index.score(grams: grams, into: &scores, touched: &touched)

        // Per label: the best document counts fully, the second best a little.
        var best: [Int: (Float, Float)] = [:]
        for d in touched {
            let doc = index.documents[d]
            let s = scores[d] * doc.weight / selfScore
            var pair = best[doc.label] ?? (0, 0)
            if s > pair.0 { pair = (s, pair.0) } else if s > pair.1 { pair.1 = s }
            best[doc.label] = pair
        }
        let outOfScopeScore = best[outOfScopeLabel].map { $0.0 + 0.15 * $0.1 } ?? 0

        let statesAmount = !extraction.money.isEmpty
        // In a question, 「自治区」 alone usually names who paid, not a level; only 「自治区级」 does.
        let level = Level.asked(in: normalized)
        var candidates: [Candidate] = []
        candidates.reserveCapacity(best.count)
        for (label, pair) in best where label != outOfScopeLabel {
            let entry = entries[label]
            var s = pair.0 + 0.15 * pair.1
            s += boost(entry, extraction: extraction)
            if let level, let own = entry.level, own != level { s -= tuning.levelBoost }
            if statesAmount && !entry.paysMoney { s -= tuning.nonPayingPenalty }
            candidates.append(Candidate(itemID: entry.itemID, clause: entry.clause, score: s))
        }
        candidates.sort { $0.score > $1.score || ($0.score == $1.score && $0.itemID < $1.itemID) }
        if candidates.count > 5 { candidates.removeLast(candidates.count - 5) }

        let top = candidates.first?.score ?? 0
        let refuse = top < tuning.minimumScore
            || outOfScopeScore > top + tuning.outOfScopeMargin
            || (nearMiss && outOfScopeScore + 0.25 > top)
        let confidence = Self.calibrate(top: top, second: candidates.dropFirst().first?.score ?? 0, outOfScope: outOfScopeScore)
        return Ranking(candidates: candidates, outOfScopeScore: outOfScopeScore, nearMiss: nearMiss,
                       confidence: confidence, isOutOfScope: refuse)
    }

    private func boost(_ entry: MatcherCorpus.Entry, extraction: Extraction) -> Float {
        var s: Float = 0
        let stated = Set(extraction.facts.values.keys)
        if !entry.facts.isDisjoint(with: stated.subtracting([.scale])) { s += tuning.factBoost }
        for money in extraction.money {
            guard let role = money.role else { continue }
            if entry.facts.contains(role) {
                s += tuning.factBoost
                break
            }
            if role.isGrantAmount, entry.facts.contains(.superiorAmount) {
                s += tuning.factBoost / 2
                break
            }
        }
        return s
    }

    /// Maps raw scores to a confidence: high when the best score is high and clear of the
    /// runner-up and of the out-of-scope examples.
    static func calibrate(top: Float, second: Float, outOfScope: Float) -> Double {
        let margin = Double(top - max(second, outOfScope))
        let level = Double(top)
        let x = 6.0 * (level - 0.3) + 8.0 * margin
        return 1 / (1 + exp(-x))
    }
}
