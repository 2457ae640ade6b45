public import PolicyKit

/// The facts a question states, before they are bound to a rule.
public struct Extraction: Sendable, Equatable {
    /// An amount of money and the fact the words around it suggest.
    public struct Money: Sendable, Equatable {
        /// The amount in yuan.
        public var yuan: Int64
        /// The fact the context names (「市里给了」 → cityAmount), or nil.
        public var role: FactName?
        /// Whether the question gives the amount only roughly (「80多万」, 「三百万左右」).
        public var approximate: Bool

        public init(yuan: Int64, role: FactName?, approximate: Bool = false) {
            self.yuan = yuan
            self.role = role
            self.approximate = approximate
        }
    }

    /// Facts that do not need a rule to be read: scale, counts, stage, flags.
    public var facts: Facts
    /// Amounts of money in the order they appear.
    public var money: [Money]
    /// Whether the question asks for a total over two awards (「同时……两项一共」).
    public var asksForTotal: Bool
    /// Whether the question speaks of two things at once (「同时」, 「两个」, 「都」): with two items
    /// named apart (国家级孵化器 and 自治区级众创空间) it asks about both.
    public var speaksOfTwo = false
    /// Whether the question asks about money (「奖励咋领」, 「能拿多少」): a task that pays nothing is
    /// then a worse reading than an award.
    public var asksForMoney = false
    /// Where the question writes numbers too large to be meant (「一亿亿亿」), as scalar offsets of the
    /// normalized text: they stand for no fact, and `--explain` says so.
    public var implausible: [Range<Int>] = []

    public init(facts: Facts = Facts(), money: [Money] = [], asksForTotal: Bool = false) {
        self.facts = facts
        self.money = money
        self.asksForTotal = asksForTotal
    }

    /// Whether nothing was found.
    public var isEmpty: Bool { facts.isEmpty && money.isEmpty }

    /// The facts for a rule: amounts bound to the rule's base terms.
    ///
    /// An amount goes to the term its context names; failing that, an amount with no
    /// context; failing that, for a granted amount, an amount granted by another level
    /// (enterprises say 「市里」 loosely); and when the question states exactly one amount
    /// and the rule needs exactly one, that amount.
    public func facts(for rule: AwardRule) -> Facts {
        var result = facts
        // Every amount whose words say what it is counts as that fact, for conditions too
        // (「迁入当年销售才150万」 against 销售收入200万元以上).
        for m in money {
            if let role = m.role, result[role] == nil { result[role] = .yuan(m.yuan) }
        }
        let terms: [BaseTerm]
        switch rule {
        case .percent(let r), .perYear(let r, _): terms = r.base
        default: return result
        }
        var used = Set<Int>()
        func take(_ predicate: (Money) -> Bool) -> Int64? {
            for (i, m) in money.enumerated() where !used.contains(i) && predicate(m) {
                used.insert(i)
                return m.yuan
            }
            return nil
        }
        for term in terms {
            let fact = term.fact
            if let v = take({ $0.role == fact || (fact == .superiorAmount && ($0.role?.isGrantAmount ?? false)) }) {
                result[fact] = .yuan(v)
            }
        }
        for term in terms where result[term.fact] == nil && !term.subtracts {
            if let v = take({ $0.role == nil }) {
                result[term.fact] = .yuan(v)
            } else if term.fact.isGrantAmount, let v = take({ $0.role?.isGrantAmount ?? false }) {
                result[term.fact] = .yuan(v)
            }
        }
        let positives = terms.filter { !$0.subtracts }
        if positives.count == 1, money.count == 1, used.isEmpty, result[positives[0].fact] == nil {
            result[positives[0].fact] = .yuan(money[0].yuan)
        }
        return result
    }
}

/// Reads facts from a normalized question: amounts with what they are, counts of patents,
/// 规上/规下, the stage of a listing. All cue words (`FactCues`, from `Intents/facts.yaml`) are
/// found in one pass over the text.
public struct FactExtractor: Sendable {
    /// What a cue word says.
    enum Cue: Sendable, Equatable {
        case role(FactName)
        /// A word that says what an amount is only when the amount follows it at once
        /// (「去年研发1.2亿」, but not the 20万 of 「研发中心复核通过，奖20万」).
        case adjacentRole(FactName)
        case above, below
        case listingTopic, stageAll, stageAccepted, stageListed, stageIPO
        case total, pair, money
        case industrialized, allIndustrialized
        case notUsedForHighTech, usedForHighTech
        case patent
    }

    let cues: PhraseMatcher<Cue>
    /// `FactCues.subsidyYears`, folded, as scalar values.
    let paidFor: [[UInt32]]

    /// An extractor for `cues`, folded by `normalizer` as questions are.
    public init(cues: FactCues, normalizer: Normalizer) {
        var phrases: [(String, Cue)] = []
        func add(_ words: [String], _ cue: Cue) {
            for word in words {
                let folded = normalizer.normalize(word)
                if !folded.isEmpty { phrases.append((folded, cue)) }
            }
        }
        for entry in cues.amounts { add(entry.words, .role(entry.fact)) }
        for entry in cues.amountsRightBefore { add(entry.words, .adjacentRole(entry.fact)) }
        add(cues.above, .above)
        add(cues.below, .below)
        add(cues.listingTopic, .listingTopic)
        add(cues.listingAll, .stageAll)
        add(cues.listingAccepted, .stageAccepted)
        add(cues.listingListed, .stageListed)
        add(cues.listingIPO, .stageIPO)
        add(cues.total, .total)
        add(cues.pair, .pair)
        add(cues.money, .money)
        add(cues.patent, .patent)
        add(cues.industrialized, .industrialized)
        add(cues.allIndustrialized, .allIndustrialized)
        add(cues.notUsedForHighTech, .notUsedForHighTech)
        add(cues.usedForHighTech, .usedForHighTech)
        self.cues = PhraseMatcher(phrases)
        self.paidFor = cues.subsidyYears.map { normalizer.normalize($0).unicodeScalars.map(\.value) }.filter {
            !$0.isEmpty
        }
    }

    /// The facts `normalized` states.
    public func extract(_ normalized: String) -> Extraction {
        extract(scalars: normalized.unicodeScalars.map(\.value))
    }

    /// The facts in a normalized text given as Unicode scalar values.
    public func extract(scalars: [UInt32]) -> Extraction {
        let hits = cues.hits(in: scalars)
        let mentions = NumberReader.mentions(in: scalars)
        var extraction = Extraction()
        func has(_ cue: Cue) -> Bool { hits.contains { $0.value == cue } }

        extraction.asksForTotal = has(.total) && has(.pair)
        extraction.speaksOfTwo = has(.pair)
        extraction.asksForMoney = has(.money)
        if has(.below) {
            extraction.facts[.scale] = .choice("below")
        } else if has(.above) {
            extraction.facts[.scale] = .choice("above")
        }
        if has(.listingTopic) || has(.stageAccepted) || has(.stageListed) {
            if has(.stageAll) {
                extraction.facts[.listingStage] = .choice("all")
            } else if has(.stageAccepted) {
                extraction.facts[.listingStage] = .choice("accepted")
            } else if has(.stageListed) {
                extraction.facts[.listingStage] = .choice("listed")
            } else if has(.stageIPO) {
                extraction.facts[.listingStage] = .choice("ipo")
            }
        }
        if has(.patent) {
            Self.readPatents(mentions: mentions, hits: hits, scalars: scalars, into: &extraction.facts)
        }
        let roles = hits.compactMap { hit -> PhraseMatcher<Cue>.Hit? in
            switch hit.value {
            case .role, .adjacentRole: break
            default: return nil
            }
            // 「上市」「城市」 are not the city.
            if scalars[hit.start] == 0x5E02, hit.start > 0,
                [0x4E0A, 0x57CE, 0x8D85, 0x90FD].contains(scalars[hit.start - 1])
            {
                return nil
            }
            return hit
        }
        if let year = Self.subsidyYear(mentions: mentions, scalars: scalars, paidFor: paidFor) {
            extraction.facts[.subsidyYear] = .count(year)
        }
        extraction.implausible = mentions.filter { $0.kind == .implausible }.map(\.range)
        var previousEnd = 0
        // A bare number right after a word that says what an amount is (「担保费五千」, 「利息3000」)
        // is that amount in yuan; a small one (「研发3」) is more likely a count.
        let connectors: Set<UInt32> = [0x662F, 0x4E3A, 0x4E86, 0x7EA6]  // 是为了约
        var roleEnds = Set<Int>()
        for hit in roles {
            roleEnds.insert(hit.end)
            if hit.end < scalars.count, connectors.contains(scalars[hit.end]) { roleEnds.insert(hit.end + 1) }
        }
        let money = mentions.filter {
            $0.kind == .money || ($0.kind == .plain && $0.value >= 1000 && roleEnds.contains($0.range.lowerBound))
        }
        for (index, mention) in money.enumerated() {
            let nextStart = index + 1 < money.count ? money[index + 1].range.lowerBound : scalars.count
            let role = Self.role(
                of: mention, roles: roles, scalars: scalars, windowStart: previousEnd, windowEnd: nextStart)
            extraction.money.append(.init(yuan: mention.value, role: role, approximate: mention.approximate))
            previousEnd = mention.range.upperBound
        }
        return extraction
    }

    static func readPatents(
        mentions: [NumberMention], hits: [PhraseMatcher<Cue>.Hit], scalars: [UInt32], into facts: inout Facts
    ) {
        let industrializedAt = hits.filter { $0.value == .industrialized }.map(\.start).sorted()
        let cueStarts = Set(hits.filter { $0.value == .patent || $0.value == .industrialized }.map(\.start))
        var patents: Int64?
        var industrialized: Int64?
        for m in mentions {
            // A bare number right before 专利 or 产业化 counts them too (「6 发明专利」, 「1 产业化」:
            // English puts no counter word between).
            var counted = false
            if case .count(let counter) = m.kind, ["件", "项", "个"].contains(counter) { counted = true }
            if m.kind == .plain {
                var j = m.range.upperBound
                while j < scalars.count, scalars[j] == 0x20 { j += 1 }
                if j < scalars.count, scalars[j] == 0x53D1 { j += 2 }  // 发明专利
                counted = cueStarts.contains(j)
            }
            guard counted else { continue }
            let nearIndustrialized = Self.anyWithin(industrializedAt, m.range.lowerBound - 4...m.range.upperBound + 4)
            if patents != nil, industrialized == nil, nearIndustrialized {
                industrialized = m.value
            } else if patents == nil {
                patents = m.value
            }
        }
        if let patents {
            facts[.patents] = .count(Int(patents))
            if industrialized == nil, hits.contains(where: { $0.value == .allIndustrialized }) {
                industrialized = patents
            }
            // 「1项发明专利已经产业化了」: one count, and 产业化 said of it without a count of its own
            // and without 没/未/不 just before.
            if industrialized == nil, let at = industrializedAt.first {
                let negations: Set<UInt32> = [0x6CA1, 0x672A, 0x4E0D, 0x65E0]  // 没未不无
                let before = scalars[max(0, at - 3)..<at]
                if !before.contains(where: { negations.contains($0) }) { industrialized = patents }
            }
        }
        if let industrialized { facts[.industrializedPatents] = .count(Int(industrialized)) }
        if hits.contains(where: { $0.value == .notUsedForHighTech }) {
            facts[.usedForHighTech] = .flag(false)
        } else if hits.contains(where: { $0.value == .usedForHighTech }) {
            facts[.usedForHighTech] = .flag(true)
        }
    }

    /// Which year of a subsidy the question asks about: 「第四年」 is the fourth, and 「已经补了三年」
    /// asks about the fourth. Years out of 1…30 say something else (「2025年」).
    static func subsidyYear(mentions: [NumberMention], scalars: [UInt32], paidFor: [[UInt32]]) -> Int? {
        let year: UInt32 = 0x5E74  // 年
        let ordinal: UInt32 = 0x7B2C  // 第
        var asked: Int?
        for mention in mentions where (1...30).contains(mention.value) {
            let isYears: Bool
            switch mention.kind {
            case .count(let counter): isYears = counter == "年"
            case .plain: isYears = mention.range.upperBound < scalars.count && scalars[mention.range.upperBound] == year
            default: isYears = false
            }
            guard isYears else { continue }
            let start = mention.range.lowerBound
            var found: Int?
            if start > 0, scalars[start - 1] == ordinal {
                found = Int(mention.value)
            } else if paidFor.contains(where: { word in
                start >= word.count && Array(scalars[(start - word.count)..<start]) == word
            }) {
                found = Int(mention.value) + 1
            }
            if let found { asked = max(asked ?? 0, found) }
        }
        return asked
    }

    /// Whether sorted `positions` has one in `range`, by binary search.
    static func anyWithin(_ positions: [Int], _ range: ClosedRange<Int>) -> Bool {
        var low = 0
        var high = positions.count
        while low < high {
            let middle = (low + high) / 2
            if positions[middle] < range.lowerBound { low = middle + 1 } else { high = middle }
        }
        return low < positions.count && positions[low] <= range.upperBound
    }

    /// What the words around an amount say it is: a word right after it (「30万利息」) first,
    /// then the nearest word before it, then a word just after it unless negated
    /// (「其中1000万是财政补的」 but not 「无财政支持」).
    static func role(
        of mention: NumberMention, roles: [PhraseMatcher<Cue>.Hit], scalars: [UInt32], windowStart: Int, windowEnd: Int
    ) -> FactName? {
        func fact(_ hit: PhraseMatcher<Cue>.Hit) -> FactName? {
            switch hit.value {
            case .role(let f): return f
            case .adjacentRole(let f): return hit.end == mention.range.lowerBound ? f : nil
            default: return nil
            }
        }
        // `roles` is in order of start. Each lookup reads only the hits near the mention, found by
        // binary search, so a question with thousands of amounts costs no more per amount than one.
        let after = firstIndex(in: roles, startingAtOrAfter: mention.range.upperBound)
        // A word right after the amount names it, unless the next amount follows that word at once
        // (「利息24万担保费6万」: 担保费 is the 6万's).
        if after < roles.count, roles[after].start == mention.range.upperBound,
            roles[after].end < windowEnd - 1 || windowEnd == scalars.count,
            let role = fact(roles[after])
        {
            return role
        }
        var before: PhraseMatcher<Cue>.Hit?
        var index = firstIndex(in: roles, startingAtOrAfter: windowStart)
        while index < roles.count, roles[index].start < mention.range.lowerBound {
            let hit = roles[index]
            index += 1
            guard hit.end <= mention.range.lowerBound, fact(hit) != nil else { continue }
            if let b = before {
                if hit.end > b.end || (hit.end == b.end && hit.end - hit.start > b.end - b.start) { before = hit }
            } else {
                before = hit
            }
        }
        if let before { return fact(before) }
        let stops: Set<UInt32> = [
            0xFF0C, 0x3002, 0xFF1B, 0x2C, 0x3B, 0x21, 0x3F, 0xFF01, 0xFF1F, 0x28, 0x29, 0xFF08, 0xFF09,
        ]
        let negations: Set<UInt32> = [0x65E0, 0x6CA1, 0x975E, 0x672A, 0x4E0D]  // 无没非未不
        for hit in roles[after...] {
            guard hit.start < windowEnd, hit.start - mention.range.upperBound <= 3 else { break }
            let between = scalars[mention.range.upperBound..<hit.start]
            if between.contains(where: { stops.contains($0) || negations.contains($0) }) { break }
            guard let role = fact(hit) else { continue }
            return role
        }
        return nil
    }

    /// The index of the first hit (in order of start) that starts at or after `position`.
    static func firstIndex(in hits: [PhraseMatcher<Cue>.Hit], startingAtOrAfter position: Int) -> Int {
        var low = 0
        var high = hits.count
        while low < high {
            let middle = (low + high) / 2
            if hits[middle].start < position { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
