import Foundation
public import PolicyKit

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
        /// Words that tell the item apart from the other items of its clause (`terms` in `Intents/`).
        public var terms: [String]

        public init(
            itemID: String, clause: Int, facts: Set<FactName>, paysMoney: Bool, examples: [String],
            descriptions: [String], level: Level? = nil, terms: [String] = []
        ) {
            self.level = level
            self.terms = terms
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
    /// Words that name a measure: the clauses' `keywords` and the items' `terms`. A question
    /// naming none of them is not about the plan (unless it states a granted amount, when the
    /// desk asks which measure is meant).
    public var measureTerms: [(term: String, clause: Int)]
    /// Words common to the plan and to other business (高新区, 银行, 贷款, 科技): a measure term
    /// found only inside one of them does not count.
    public var genericWords: [String]

    public init(
        entries: [Entry], outOfScope: [String], nearMisses: [String], measureTerms: [(term: String, clause: Int)] = [],
        genericWords: [String] = []
    ) {
        self.entries = entries
        self.outOfScope = outOfScope
        self.nearMisses = nearMisses
        self.measureTerms = measureTerms
        self.genericWords = genericWords
    }

    /// The corpus of a policy, with out-of-scope examples.
    public init(policy: Policy, outOfScope: [String], nearMisses: [String], genericWords: [String] = []) {
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
                entries.append(
                    Entry(
                        itemID: item.id, clause: clause.number,
                        facts: Set(item.award.facts + item.requires.map(\.fact)),
                        paysMoney: pays, examples: item.examples, descriptions: descriptions,
                        level: Level.named(in: item.title), terms: item.terms))
            }
        }
        let measureTerms = policy.clauses.flatMap { clause in
            (clause.keywords + clause.items.flatMap(\.terms)).map { (term: $0, clause: clause.number) }
        }
        self.init(
            entries: entries, outOfScope: outOfScope, nearMisses: nearMisses, measureTerms: measureTerms,
            genericWords: genericWords)
    }
}

/// A level of government that tells two otherwise alike items apart (国家级 and 自治区级 孵化器).
public enum Level: Sendable, Hashable {
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
    /// The levels a question names. In a question 「自治区」 alone usually says who paid, not the
    /// level of a platform; only 「自治区级」 (or 「省级」) names a level.
    public static func named(in scalars: [UInt32]) -> Set<Level> {
        Set(Self.phrases.hits(in: scalars).map(\.value))
    }

    /// The one level a question names, or nil when it names none or both.
    public static func asked(in scalars: [UInt32]) -> Level? {
        let levels = named(in: scalars)
        return levels.count == 1 ? levels.first : nil
    }

    static let phrases = PhraseMatcher<Level>([("国家", .national), ("自治区级", .region), ("省级", .region)])
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
    /// Whether the question names a measure (a clause keyword or an item term); when it does
    /// not but states a granted amount, the desk asks which measure is meant.
    public var namesMeasure = true
    /// The items whose `terms` the question names.
    public var namedItems: [String] = []
    /// The clauses the question names only by words that name the clause as a whole and none
    /// of its items (「研发平台」 for 重点实验室, 技术创新中心 …): which item is meant is not said.
    public var namedOnlyAsAWhole: Set<Int> = []
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
    /// A question that names no measure (no clause keyword, no item term) is refused unless a
    /// known wording matches it at least this well: the wording of a measure's own questions,
    /// not shared words such as 高新区 or 银行, is then what tells it is about the plan.
    public var unnamedMeasureMinimum: Float = 0.45
    /// When the question names no measure, an out-of-scope wording that comes within this much of
    /// the best item refuses: the item's lead then rests on words the plan shares with other
    /// business (「银行贷款逾期了怎么办」 against 贴息).
    public var unnamedOutOfScopeReach: Float = 0.05
    /// When the question names an item's own term (贴息), an out-of-scope wording must beat the
    /// best item by this much to refuse (「贴息怎么算」 is not 「定期存款利息怎么算」).
    public var namedTermOutOfScopeMargin: Float = 0.1
    /// When the question names a measure of one clause (上市 → 第30条) and the best item is of a
    /// clause it names nothing of, that clause's best item goes first if it scores within this
    /// much of the top: words shared by accident (「评上市级」 holds 上市) weigh less than the
    /// measure the asker named.
    public var namedClauseReach: Float = 0.4

    public init() {}
}

/// Ranks items for a normalized question: BM25 over character n-grams of examples and
/// descriptions, re-ranked by the facts the question states.
public struct Matcher: Sendable {
    /// The n-gram index over examples and descriptions.
    public let index: NGramIndex
    private let entries: [MatcherCorpus.Entry]
    /// What re-ranking reads of each label, flat, so that scoring copies no arrays.
    private let labelFacts: [UInt32]
    private let labelPays: [Bool]
    private let labelLevels: [Level?]
    private let nearMisses: PhraseMatcher<Bool>
    /// Measure terms (with their clause) and generic words (-1).
    private let measureWords: PhraseMatcher<Int32>
    private let checksMeasureTerms: Bool
    /// Whether some clause keyword names its clause as a whole (see `init`).
    private let namesWholeClauses: Bool
    /// The value of a generic word among the measure words; a clause's own words are its number,
    /// or `-(number + 2)` for a word naming the clause as a whole.
    static let genericWord: Int32 = -1

    /// The clause a measure word names, or nil for a generic word.
    static func clause(of value: Int32) -> Int? {
        value >= 0 ? Int(value) : value <= -2 ? Int(-value - 2) : nil
    }
    /// Every item's distinguishing terms, to the item's label.
    private let terms: PhraseMatcher<Int32>
    private let labelClauses: [Int]
    private let outOfScopeLabel: Int
    public var tuning: MatcherTuning

    /// Builds the matcher; `corpus` texts are normalized with `normalizer` first.
    public init(corpus: MatcherCorpus, normalizer: Normalizer, tuning: MatcherTuning = MatcherTuning()) {
        var texts: [[UInt32]] = []
        var documents: [NGramIndex.Document] = []
        for (label, entry) in corpus.entries.enumerated() {
            for example in entry.examples {
                texts.append(normalizer.normalizedScalars(example))
                documents.append(.init(label: label, weight: 1.0))
            }
            for description in entry.descriptions {
                texts.append(normalizer.normalizedScalars(description))
                documents.append(.init(label: label, weight: 0.75))
            }
        }
        let oos = corpus.entries.count
        for example in corpus.outOfScope {
            texts.append(normalizer.normalizedScalars(example))
            documents.append(.init(label: oos, weight: 1.0))
        }
        self.index = NGramIndex(texts: texts, documents: documents)
        self.entries = corpus.entries
        self.labelFacts = corpus.entries.map { Self.mask($0.facts) }
        self.labelPays = corpus.entries.map(\.paysMoney)
        self.labelLevels = corpus.entries.map(\.level)
        self.labelClauses = corpus.entries.map(\.clause)
        var termPhrases: [(String, Int32)] = []
        for (label, entry) in corpus.entries.enumerated() {
            for term in entry.terms {
                let folded = normalizer.normalize(term)
                if !folded.isEmpty { termPhrases.append((folded, Int32(label))) }
            }
        }
        self.terms = PhraseMatcher(termPhrases)
        // A clause keyword that names the clause as a whole (it stands in the title or text of
        // none, or of every one, of the clause's two or more paying items) is kept as
        // `-(clause + 2)`, so one pass over the measure words also tells which words name no item.
        var foldedTexts: [Int: [String]] = [:]
        var measure: [(String, Int32)] = []
        var namesWholeClauses = false
        for (term, clause) in corpus.measureTerms {
            let folded = normalizer.normalize(term)
            guard !folded.isEmpty else { continue }
            let paying = corpus.entries.indices.filter {
                corpus.entries[$0].clause == clause && corpus.entries[$0].paysMoney
            }
            let isItemTerm = corpus.entries.contains { $0.clause == clause && $0.terms.contains(term) }
            var whole = false
            if paying.count >= 2 && !isItemTerm {
                let naming = paying.filter { index in
                    let texts =
                        foldedTexts[index]
                        ?? corpus.entries[index].descriptions.prefix(2).map { normalizer.normalize($0) }
                    foldedTexts[index] = texts
                    return texts.contains { $0.contains(folded) }
                }.count
                whole = naming == 0 || naming == paying.count
            }
            namesWholeClauses = namesWholeClauses || whole
            measure.append((folded, whole ? Int32(-(clause + 2)) : Int32(clause)))
        }
        measure += corpus.genericWords.map { (normalizer.normalize($0), Self.genericWord) }.filter { !$0.0.isEmpty }
        self.measureWords = PhraseMatcher(measure)
        self.checksMeasureTerms = !corpus.measureTerms.isEmpty
        self.namesWholeClauses = namesWholeClauses
        self.nearMisses = PhraseMatcher(
            corpus.nearMisses.map { (normalizer.normalize($0), true) }.filter { !$0.0.isEmpty })
        self.outOfScopeLabel = oos
        self.tuning = tuning
    }

    /// The number of indexed texts.
    public var documentCount: Int { index.documents.count }

    /// Ranks the items for a normalized question.
    public func rank(_ normalized: String, extraction: Extraction) -> Ranking {
        rank(scalars: normalized.unicodeScalars.map(\.value), extraction: extraction)
    }

    /// Ranks the items for a normalized question given as scalar values, using the facts in
    /// `extraction` to break near ties.
    public func rank(scalars: [UInt32], extraction: Extraction) -> Ranking {
        let nearMiss = nearMisses.occurs(in: scalars)
        let labelScores = index.labelScores(for: NGramIndex.grams(of: scalars))
        guard !labelScores.isEmpty else {
            return Ranking(candidates: [], outOfScopeScore: 0, nearMiss: nearMiss, confidence: 0, isOutOfScope: true)
        }
        // One pass over the measure words serves the named clauses, the named terms and the
        // generic-word check.
        let measureHits = checksMeasureTerms ? measureWords.hits(in: scalars) : []
        let namedClauses = checksMeasureTerms ? self.namedClauses(measureHits) : []
        let namesMeasure = !checksMeasureTerms || !namedClauses.isEmpty
        var outOfScopeScore: Float = 0
        let statesAmount = !extraction.money.isEmpty
        // Asking about money about a measure it names (「高企奖励咋领」) is asking about an award, not a task.
        let asksForMoney = extraction.asksForMoney
        let levels = Level.named(in: scalars)
        let level = levels.count == 1 ? levels.first : nil
        let stated = Self.mask(Set(extraction.facts.values.keys).subtracting([.scale]))
        let roles = extraction.money.compactMap(\.role)
        let named = namedTerms(scalars, measureHits: measureHits)
        var best: [(label: Int, score: Float)] = []
        best.reserveCapacity(6)
        var scored: [(label: Int, score: Float)] = []
        scored.reserveCapacity(labelScores.count)
        for (label, first, second) in labelScores {
            // The best wording counts fully, a second one a little.
            var s = first + 0.15 * second
            if label == outOfScopeLabel {
                outOfScopeScore = s
                continue
            }
            s += boost(label, stated: stated, roles: roles)
            if (statesAmount || (asksForMoney && namesMeasure)) && !labelPays[label] { s -= tuning.nonPayingPenalty }
            if let level, let own = labelLevels[label], own != level { s -= tuning.levelBoost }
            scored.append((label, s))
        }
        var levelNamed: [Int] = []
        if let level {
            levelNamed = Self.putLevelFirst(level, in: &scored, levels: labelLevels, clauses: labelClauses)
        } else if levels.count == 2 {
            // 「国家级孵化器，同时自治区级众创空间」 names an item of each level of the clause it names.
            levelNamed = Self.bestOfEachLevel(in: scored, levels: labelLevels, clauses: labelClauses, of: namedClauses)
        }
        if !named.isEmpty { Self.putNamedFirst(named, in: &scored, clauses: labelClauses) }
        if namedClauses.count == 1 {
            Self.putNamedClauseFirst(namedClauses, in: &scored, clauses: labelClauses, reach: tuning.namedClauseReach)
        }
        for candidate in scored { Self.insert(candidate, into: &best, keep: 5) }
        let candidates = best.map {
            Candidate(itemID: entries[$0.label].itemID, clause: entries[$0.label].clause, score: $0.score)
        }
        let top = candidates.first?.score ?? 0
        let statesGrant = extraction.money.contains { $0.role?.isGrantAmount ?? false }
        let margin = named.isEmpty ? tuning.outOfScopeMargin : tuning.namedTermOutOfScopeMargin
        let refuse =
            top < tuning.minimumScore
            || outOfScopeScore > top + margin
            || (nearMiss && outOfScopeScore + 0.25 > top)
            || (!namesMeasure && !statesGrant && outOfScopeScore + tuning.unnamedOutOfScopeReach > top)
            || (!namesMeasure && !statesGrant
                && (top < tuning.unnamedMeasureMinimum || !matchesBeyondGenericWords(scalars, measureHits: measureHits)))
        let confidence = Self.calibrate(
            top: top, second: candidates.dropFirst().first?.score ?? 0, outOfScope: outOfScopeScore)
        var ranking = Ranking(
            candidates: candidates, outOfScopeScore: outOfScopeScore, nearMiss: nearMiss,
            confidence: confidence, isOutOfScope: refuse, namesMeasure: namesMeasure)
        ranking.namedItems = named.map { entries[$0.label].itemID }
        ranking.namedOnlyAsAWhole = namedOnlyAsAWhole(scalars, measureHits: measureHits, named: namedClauses)
        for label in levelNamed where !ranking.namedItems.contains(entries[label].itemID) {
            ranking.namedItems.append(entries[label].itemID)
        }
        return ranking
    }

    /// Whether the question still matches some measure's wording once its generic words (高新区,
    /// 银行, 科技 …) are taken out: 「高新区哪里吃饭好」 matches 第31条 only through 高新区, which
    /// says nothing about what is asked. Read only for questions that name no measure.
    func matchesBeyondGenericWords(_ scalars: [UInt32], measureHits: [PhraseMatcher<Int32>.Hit]) -> Bool {
        let generic = measureHits.filter { $0.value == Self.genericWord }
        guard !generic.isEmpty else { return true }
        var kept: [UInt32] = []
        kept.reserveCapacity(scalars.count)
        for (i, scalar) in scalars.enumerated() where !generic.contains(where: { $0.start <= i && i < $0.end }) {
            kept.append(scalar)
        }
        var best: Float = 0
        for (label, first, second) in index.labelScores(for: NGramIndex.grams(of: kept)) where label != outOfScopeLabel
        {
            best = max(best, first + 0.15 * second)
        }
        return best >= tuning.unnamedMeasureMinimum
    }

    /// Of the `named` clauses, those every word of which in the question names the clause as a whole.
    func namedOnlyAsAWhole(_ scalars: [UInt32], measureHits: [PhraseMatcher<Int32>.Hit], named: Set<Int>) -> Set<Int> {
        guard namesWholeClauses, !named.isEmpty else { return [] }
        var specific = Set<Int>()
        var whole = Set<Int>()
        for hit in measureHits {
            guard let clause = Self.clause(of: hit.value), named.contains(clause) else { continue }
            // A word inside a longer measure word counts as the longer one.
            if measureHits.contains(where: { $0.value != Self.genericWord && hit.lies(inside: $0) }) { continue }
            if hit.value <= -2 { whole.insert(clause) } else { specific.insert(clause) }
        }
        return whole.subtracting(specific)
    }

    /// The clauses whose measure terms the question names; a term only inside a generic word
    /// (「高新技术」 inside 「鄂尔多斯高新技术产业开发区」) does not count.
    func namedClauses(_ hits: [PhraseMatcher<Int32>.Hit]) -> Set<Int> {
        let generic = hits.filter { $0.value == Self.genericWord }
        var clauses = Set<Int>()
        for hit in hits {
            guard let clause = Self.clause(of: hit.value) else { continue }
            if !generic.contains(where: hit.lies(inside:)) { clauses.insert(clause) }
        }
        return clauses
    }

    /// The labels whose terms the question names, each with the length of its longest term
    /// found; a term inside a longer term of another item counts only as the longer one.
    func namedTerms(_ scalars: [UInt32], measureHits: [PhraseMatcher<Int32>.Hit]) -> [(label: Int, length: Int)] {
        let hits = terms.hits(in: scalars)
        guard !hits.isEmpty else { return [] }
        // A term inside a generic word (新技术 inside 鄂尔多斯高新技术产业开发区) names nothing.
        let generic = measureHits.filter { $0.value == Self.genericWord }
        var result: [(label: Int, length: Int)] = []
        for hit in hits {
            let length = hit.end - hit.start
            let covered = hits.contains { other in other.value != hit.value && hit.lies(inside: other) }
            if covered || generic.contains(where: hit.lies(inside:)) { continue }
            let label = Int(hit.value)
            if let i = result.firstIndex(where: { $0.label == label }) {
                result[i].length = max(result[i].length, length)
            } else {
                result.append((label, length))
            }
        }
        return result
    }

    /// Puts the item whose term the question names ahead of the other items of its clause: it
    /// takes the clause's best score and a hair more. Of several named items of one clause the
    /// one with the longest term goes first. No weight is involved: the order within the clause
    /// follows the words staff listed as `terms`.
    static func putNamedFirst(
        _ named: [(label: Int, length: Int)], in scored: inout [(label: Int, score: Float)], clauses: [Int]
    ) {
        var clauseBest: [Int: Float] = [:]
        for (label, score) in scored {
            clauseBest[clauses[label]] = max(clauseBest[clauses[label]] ?? -.infinity, score)
        }
        var winner: [Int: (label: Int, length: Int, score: Float)] = [:]
        for (label, length) in named {
            guard let score = scored.first(where: { $0.label == label })?.score else { continue }
            let clause = clauses[label]
            if let w = winner[clause], w.length > length || (w.length == length && w.score >= score) { continue }
            winner[clause] = (label, length, score)
        }
        for (clause, w) in winner {
            guard let best = clauseBest[clause], let i = scored.firstIndex(where: { $0.label == w.label }) else {
                continue
            }
            if scored[i].score < best + 0.001 { scored[i].score = best + 0.001 }
        }
        // Terms of one clause only: its named item also goes ahead of the items of clauses the
        // question names nothing of (「首台套奖补找哪个部门」 is not about patents).
        if winner.count == 1, let (_, w) = winner.first, let top = scored.map(\.score).max(),
            let i = scored.firstIndex(where: { $0.label == w.label }), scored[i].score < top
        {
            scored[i].score = top + 0.001
        }
    }

    /// Puts the item of the level the question names (国家级孵化器) ahead of its clause's items of
    /// the other level, whatever words they share: the level is what tells them apart. Returns
    /// the labels so told apart, which the question then names as if by a term.
    @discardableResult
    static func putLevelFirst(
        _ level: Level, in scored: inout [(label: Int, score: Float)], levels: [Level?], clauses: [Int]
    ) -> [Int] {
        var ownBest: [Int: Int] = [:]  // clause → index in `scored` of its best item of `level`
        var otherBest: [Int: Float] = [:]  // clause → best score of its items of another level
        for (i, (label, score)) in scored.enumerated() {
            guard let own = levels[label] else { continue }
            let clause = clauses[label]
            if own == level {
                if let j = ownBest[clause], scored[j].score >= score { continue }
                ownBest[clause] = i
            } else {
                otherBest[clause] = max(otherBest[clause] ?? -.infinity, score)
            }
        }
        var told: [Int] = []
        for (clause, i) in ownBest.sorted(by: { $0.key < $1.key }) {
            guard let other = otherBest[clause] else { continue }
            if scored[i].score <= other { scored[i].score = other + 0.001 }
            told.append(scored[i].label)
        }
        return told
    }

    /// The best-scoring item of each level in each of `named` clauses that has items of both.
    static func bestOfEachLevel(
        in scored: [(label: Int, score: Float)], levels: [Level?], clauses: [Int], of named: Set<Int>
    ) -> [Int] {
        var best: [Int: [Level: (label: Int, score: Float)]] = [:]
        for (label, score) in scored {
            guard named.contains(clauses[label]), let own = levels[label] else { continue }
            if let b = best[clauses[label]]?[own], b.score >= score { continue }
            best[clauses[label], default: [:]][own] = (label, score)
        }
        return best.sorted { $0.key < $1.key }.flatMap { _, byLevel in
            byLevel.count == 2 ? byLevel.values.sorted { $0.score > $1.score }.map(\.label) : []
        }
    }

    /// Puts the best item of the clause the question names ahead of a top item of a clause it
    /// names nothing of, when it is within `reach` of it.
    static func putNamedClauseFirst(
        _ named: Set<Int>, in scored: inout [(label: Int, score: Float)], clauses: [Int], reach: Float
    ) {
        guard let top = scored.max(by: { $0.score < $1.score }), !named.contains(clauses[top.label]) else { return }
        guard
            let i = scored.indices.filter({ named.contains(clauses[scored[$0].label]) }).max(by: {
                scored[$0].score < scored[$1].score
            }),
            scored[i].score >= top.score - reach
        else { return }
        scored[i].score = top.score + 0.001
    }

    /// Keeps the best `keep` labels in order without sorting every label; ties go to the
    /// earlier label, so rankings are stable.
    private static func insert(
        _ c: (label: Int, score: Float), into list: inout [(label: Int, score: Float)], keep: Int
    ) {
        var i = list.count
        while i > 0, c.score > list[i - 1].score || (c.score == list[i - 1].score && c.label < list[i - 1].label) {
            i -= 1
        }
        guard i < keep else { return }
        list.insert(c, at: i)
        if list.count > keep { list.removeLast() }
    }

    static func mask(_ facts: Set<FactName>) -> UInt32 {
        facts.reduce(0) { $0 | bit($1) }
    }

    static func bit(_ fact: FactName) -> UInt32 {
        1 << UInt32(FactName.allCases.firstIndex(of: fact) ?? 0)
    }

    private func boost(_ label: Int, stated: UInt32, roles: [FactName]) -> Float {
        var s: Float = 0
        let facts = labelFacts[label]
        if facts & stated != 0 { s += tuning.factBoost }
        for role in roles {
            if facts & Self.bit(role) != 0 {
                s += tuning.factBoost
                break
            }
            if role.isGrantAmount, facts & Self.bit(.superiorAmount) != 0 {
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
