public import PolicyKit

/// Reads what a question says about the conditions of an item that staff wrote with words
/// (`conditions` with `confirm` and `break` in `Intents/`): 「复核通过」 breaks 首次认定,
/// 「成熟期」 breaks 种子期、初创期. It only reads; the calculator decides what a broken
/// condition means for the amount.
///
/// A word inside a longer listed word counts only as the longer one (「首次」 inside
/// 「不是首次」); when a question holds both a confirming and a breaking word, the breaking
/// one wins, since a reply that promises money wrongly costs more than one that says why not.
public struct ConditionReader: Sendable {
    struct Word: Sendable {
        var condition: String
        var breaks: Bool
        var word: String
        /// For a level, a question that names the item's own level and another one speaks of two
        /// platforms (国家级孵化器 and 自治区级众创空间): the own level wins.
        var confirmWins: Bool
    }

    private let matchers: [String: PhraseMatcher<Word>]

    /// A reader for every item of `policy` that has conditions with words; the words are
    /// folded by `normalizer` as questions are.
    public init(policy: Policy, normalizer: Normalizer) {
        var matchers: [String: PhraseMatcher<Word>] = [:]
        // Items of one clause share many words (a level's words joined to the clause's platforms):
        // each is folded once.
        var foldedWords: [String: String] = [:]
        for item in policy.items where !item.checks.isEmpty {
            var phrases: [(String, Word)] = []
            var seen = Set<String>()
            for condition in item.checks {
                // Two words that fold alike (成熟期, mature) are one phrase, reported as listed first.
                for (word, breaks) in condition.confirms.map({ ($0, false) }) + condition.breaks.map({ ($0, true) }) {
                    let folded = foldedWords[word] ?? normalizer.normalize(word)
                    foldedWords[word] = folded
                    guard seen.insert("\(condition.name)|\(folded)").inserted else { continue }
                    phrases.append(
                        (
                            folded,
                            Word(
                                condition: condition.name, breaks: breaks, word: word,
                                confirmWins: condition.kind == .level)
                        ))
                }
            }
            matchers[item.id] = PhraseMatcher(phrases.filter { !$0.0.isEmpty })
        }
        self.matchers = matchers
    }

    /// What the normalized question says about each condition of the item it names.
    public func read(itemID: String, scalars: [UInt32]) -> [String: ConditionEvidence] {
        guard let matcher = matchers[itemID] else { return [:] }
        let hits = matcher.hits(in: scalars)
        guard !hits.isEmpty else { return [:] }
        var result: [String: ConditionEvidence] = [:]
        for hit in hits {
            if hits.contains(where: hit.lies(inside:)) { continue }
            // A confirming word said negated (「不是迁进来的」, 「没有首次认定」) breaks the condition.
            if !hit.value.breaks, let negation = Self.negation(before: hit.start, in: scalars) {
                result[hit.value.condition] = .broken(word: negation + hit.value.word)
                continue
            }
            if hit.value.breaks {
                if case .broken? = result[hit.value.condition] { continue }
                if hit.value.confirmWins, case .confirmed? = result[hit.value.condition] { continue }
                result[hit.value.condition] = .broken(word: hit.value.word)
            } else if result[hit.value.condition] == nil || hit.value.confirmWins {
                result[hit.value.condition] = .confirmed(word: hit.value.word)
            }
        }
        return result
    }

    /// Words that negate what follows, longest first.
    static let negations: [[UInt32]] = ["不是", "没有", "并非", "并没", "从未", "没", "未", "非", "不"].map {
        $0.unicodeScalars.map(\.value)
    }

    /// The negation that ends right before `position`, if one does.
    static func negation(before position: Int, in scalars: [UInt32]) -> String? {
        for word in negations where position >= word.count {
            if scalars[(position - word.count)..<position].elementsEqual(word) {
                return String(String.UnicodeScalarView(word.compactMap(Unicode.Scalar.init)))
            }
        }
        return nil
    }
}
