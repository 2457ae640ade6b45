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
/// 规上/规下, the stage of a listing. All cue words are found in one pass over the text.
public enum FactExtractor {
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

    /// Words that say what an amount is; the nearest wins, the longer at equal distance.
    static let roleWords: [(String, FactName)] = [
        ("扣除", .fiscalSupport), ("扣掉", .fiscalSupport), ("扣减", .fiscalSupport),
        ("财政支持", .fiscalSupport), ("财政补", .fiscalSupport), ("政府补助", .fiscalSupport),
        ("担保费用", .guaranteeFee), ("担保费", .guaranteeFee), ("担保", .guaranteeFee), ("guarantee", .guaranteeFee),
        ("利息", .interest), ("interest", .interest), ("付息", .interest), ("息费", .interest),
        ("风险投资", .investment), ("风投", .investment), ("投资", .investment), ("融到", .investment),
        ("融资", .investment), ("天使轮", .investment), ("a轮", .investment),
        ("销售收入", .salesRevenue), ("营业收入", .salesRevenue), ("营收", .salesRevenue), ("销售额", .salesRevenue),
        ("卖了", .salesRevenue), ("收入", .salesRevenue), ("销售", .salesRevenue), ("营业额", .salesRevenue),
        ("研发投入", .rdSpending), ("研发经费", .rdSpending), ("研发费", .rdSpending), ("研发花了", .rdSpending),
        ("研发支出", .rdSpending),
        ("装修", .renovationCost), ("改造费", .renovationCost),
        ("自治区", .regionAmount), ("省里", .regionAmount), ("省级", .regionAmount), ("内蒙古", .regionAmount),
        ("鄂尔多斯", .cityAmount), ("市里", .cityAmount), ("市级", .cityAmount), ("市财政", .cityAmount),
        ("市补", .cityAmount), ("市给", .cityAmount), ("市奖", .cityAmount), ("市支持", .cityAmount),
        ("市拨", .cityAmount), ("市批", .cityAmount), ("市经费", .cityAmount), ("市战", .cityAmount),
        ("市科技", .cityAmount), ("市配", .cityAmount), ("市重点", .cityAmount),
    ]

    /// Words that say what an amount is only right before it.
    static let adjacentRoleWords: [(String, FactName)] = [("研发", .rdSpending), ("研发了", .rdSpending)]

    static let cues: PhraseMatcher<Cue> = {
        var phrases: [(String, Cue)] = roleWords.map { ($0.0, .role($0.1)) }
        phrases += adjacentRoleWords.map { ($0.0, .adjacentRole($0.1)) }
        phrases += ["规模以上", "规上"].map { ($0, .above) }
        phrases += ["规模以下", "规下"].map { ($0, .below) }
        phrases += ["上市", "挂牌", "受理", "科创板", "ipo"].map { ($0, .listingTopic) }
        phrases += ["一共", "总共", "加起来", "合计", "三个阶段", "全部", "总额", "全程", "分几次", "全部阶段"].map { ($0, .stageAll) }
        phrases += ["受理"].map { ($0, .stageAccepted) }
        phrases += ["挂牌", "股权交易", "挂科创板"].map { ($0, .stageListed) }
        phrases += ["上市成功", "成功上市", "上市发行", "发行上市", "最后一笔", "剩余", "剩下", "上市后", "敲钟", "上市了"].map { ($0, .stageIPO) }
        phrases += ["一共", "总共", "加起来", "合计", "总计", "合起来", "加在一起"].map { ($0, .total) }
        phrases += ["两项", "两个", "同时", "以及", "并且", "另外", "加上", "还有", "都"].map { ($0, .pair) }
        phrases += ["产业化"].map { ($0, .industrialized) }
        phrases += ["都产业化", "全部产业化", "全都产业化", "均已产业化", "均产业化", "全部实现产业化", "都已产业化", "都实现了产业化", "全产业化"].map {
            ($0, .allIndustrialized)
        }
        phrases += ["没用于", "未用于", "没有用于", "不是用于", "没拿去", "没报过", "未曾用于", "没用来"].map { ($0, .notUsedForHighTech) }
        phrases += ["已用于", "用于了", "用过", "已经用于", "报过高新", "用于高新技术企业申报", "用于申报高新"].map { ($0, .usedForHighTech) }
        phrases += [("专利", .patent)]
        phrases += ["奖励", "奖补", "补贴", "补助", "多少钱", "能拿", "拿多少", "给多少", "奖多少", "补多少", "咋领", "怎么领", "领取", "能领"]
            .map { ($0, .money) }
        return PhraseMatcher(phrases)
    }()

    /// The facts `normalized` states.
    public static func extract(_ normalized: String) -> Extraction {
        extract(scalars: normalized.unicodeScalars.map(\.value))
    }

    /// The facts in a normalized text given as Unicode scalar values.
    public static func extract(scalars: [UInt32]) -> Extraction {
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
            readPatents(mentions: mentions, hits: hits, scalars: scalars, into: &extraction.facts)
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
        if let year = subsidyYear(mentions: mentions, scalars: scalars) {
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
            let role = role(of: mention, roles: roles, scalars: scalars, windowStart: previousEnd, windowEnd: nextStart)
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
    static func subsidyYear(mentions: [NumberMention], scalars: [UInt32]) -> Int? {
        let year: UInt32 = 0x5E74  // 年
        let ordinal: UInt32 = 0x7B2C  // 第
        let paidFor: [[UInt32]] = ["补了", "补贴了", "拿了", "享受了", "领了", "贴息了", "补过"].map {
            $0.unicodeScalars.map(\.value)
        }
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
        if after < roles.count, roles[after].start == mention.range.upperBound, let role = fact(roles[after]) {
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
