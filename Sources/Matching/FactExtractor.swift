import PolicyKit

/// The facts a question states, before they are bound to a rule.
public struct Extraction: Sendable, Equatable {
    /// An amount of money and the fact the words around it suggest.
    public struct Money: Sendable, Equatable {
        /// The amount in yuan.
        public var yuan: Int64
        /// The fact the context names (「市里给了」 → cityAmount), or nil.
        public var role: FactName?

        public init(yuan: Int64, role: FactName?) {
            self.yuan = yuan
            self.role = role
        }
    }

    /// Facts that do not need a rule to be read: scale, counts, stage, flags.
    public var facts: Facts
    /// Amounts of money in the order they appear.
    public var money: [Money]
    /// Whether the question asks for a total over two awards (「同时……两项一共」).
    public var asksForTotal: Bool

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
/// 规上/规下, the stage of a listing.
public enum FactExtractor {
    /// Words that say what an amount is, nearest first wins. Order matters only between
    /// words of which one contains the other: the longer comes first.
    static let roleWords: [(String, FactName)] = [
        ("扣除", .fiscalSupport), ("扣掉", .fiscalSupport), ("扣减", .fiscalSupport),
        ("财政支持", .fiscalSupport), ("财政补", .fiscalSupport), ("政府补助", .fiscalSupport),
        ("担保费", .guaranteeFee), ("担保", .guaranteeFee), ("guarantee", .guaranteeFee),
        ("利息", .interest), ("interest", .interest), ("付息", .interest), ("息费", .interest),
        ("风险投资", .investment), ("风投", .investment), ("投资", .investment), ("融到", .investment),
        ("融资", .investment), ("天使轮", .investment), ("a轮", .investment),
        ("销售收入", .salesRevenue), ("营业收入", .salesRevenue), ("营收", .salesRevenue), ("销售额", .salesRevenue),
        ("卖了", .salesRevenue), ("收入", .salesRevenue), ("销售", .salesRevenue), ("营业额", .salesRevenue),
        ("研发投入", .rdSpending), ("研发经费", .rdSpending), ("研发费", .rdSpending), ("研发花了", .rdSpending), ("研发费用", .rdSpending),
        ("研发支出", .rdSpending),
        ("装修", .renovationCost), ("改造费", .renovationCost),
        ("自治区", .regionAmount), ("省里", .regionAmount), ("省级", .regionAmount), ("内蒙古", .regionAmount),
        ("鄂尔多斯", .cityAmount), ("市里", .cityAmount), ("市级", .cityAmount), ("市财政", .cityAmount),
        ("市补", .cityAmount), ("市给", .cityAmount), ("市奖", .cityAmount), ("市支持", .cityAmount),
        ("市拨", .cityAmount), ("市批", .cityAmount), ("市经费", .cityAmount), ("市战", .cityAmount),
        ("市科技", .cityAmount), ("市配", .cityAmount), ("市重点", .cityAmount),
    ]

    static let totalWords = ["一共", "总共", "加起来", "合计", "总计", "合起来", "加在一起"]
    static let pairWords = ["两项", "两个", "同时", "以及", "并且", "另外", "加上", "还有", "都"]

    /// The facts `normalized` states.
    public static func extract(_ normalized: String) -> Extraction {
        let chars = Array(normalized)
        return extract(chars: chars, text: normalized)
    }

    /// The facts in already split text.
    public static func extract(chars: [Character], text: String) -> Extraction {
        let mentions = NumberReader.mentions(in: chars)
        var extraction = Extraction()
        // A total over two awards needs both a word for the sum and a word joining two things.
        extraction.asksForTotal = totalWords.contains { text.contains($0) } && pairWords.contains { text.contains($0) }

        // Scale.
        if text.contains("规模以下") || text.contains("规下") {
            extraction.facts[.scale] = .choice("below")
        } else if text.contains("规模以上") || text.contains("规上") {
            extraction.facts[.scale] = .choice("above")
        }

        // Listing stage.
        if let stage = listingStage(text) { extraction.facts[.listingStage] = .choice(stage) }

        // Patents.
        if text.contains("专利") {
            readPatents(mentions: mentions, chars: chars, text: text, into: &extraction.facts)
        }

        // Money.
        var previousEnd = 0
        for (index, mention) in mentions.enumerated() where mention.kind == .money {
            let nextStart = mentions[(index + 1)...].first { $0.kind == .money }?.range.lowerBound ?? chars.count
            let role = role(of: mention, chars: chars, windowStart: previousEnd, windowEnd: nextStart)
            extraction.money.append(.init(yuan: mention.value, role: role))
            previousEnd = mention.range.upperBound
        }
        return extraction
    }

    static func listingStage(_ text: String) -> String? {
        let listingTopic = ["上市", "挂牌", "受理", "科创板", "ipo"].contains { text.contains($0) }
        guard listingTopic else { return nil }
        if ["一共", "总共", "加起来", "合计", "三个阶段", "全部", "总额", "全程", "分几次", "全部阶段"].contains(where: { text.contains($0) }) {
            return "all"
        }
        if text.contains("受理") { return "accepted" }
        if text.contains("挂牌") || text.contains("股权交易") || text.contains("挂科创板") { return "listed" }
        if ["上市成功", "成功上市", "上市发行", "发行上市", "最后一笔", "剩余", "剩下", "上市后", "敲钟", "上市了"].contains(where: { text.contains($0) }) {
            return "ipo"
        }
        return nil
    }

    static func readPatents(mentions: [NumberMention], chars: [Character], text: String, into facts: inout Facts) {
        var counts: [(value: Int64, range: Range<Int>)] = []
        for m in mentions {
            switch m.kind {
            case .count(let counter) where ["件", "项", "个"].contains(counter):
                counts.append((m.value, m.range))
            case .plain where m.range.upperBound < chars.count && chars[m.range.upperBound] == "个":
                counts.append((m.value, m.range))
            default: break
            }
        }
        var patents: Int64?
        var industrialized: Int64?
        for count in counts {
            let after = String(chars[count.range.upperBound..<min(chars.count, count.range.upperBound + 6)])
            let before = String(chars[max(0, count.range.lowerBound - 4)..<count.range.lowerBound])
            if patents != nil, industrialized == nil, after.contains("产业化") || before.contains("产业化") {
                industrialized = count.value
            } else if patents == nil {
                patents = count.value
            }
        }
        if let patents {
            facts[.patents] = .count(Int(patents))
            if industrialized == nil,
                ["都产业化", "全部产业化", "全都产业化", "均已产业化", "均产业化", "全部实现产业化", "都已产业化", "都实现了产业化", "全产业化"].contains(where: { text.contains($0) })
            {
                industrialized = patents
            }
        }
        if let industrialized { facts[.industrializedPatents] = .count(Int(industrialized)) }
        if ["没用于", "未用于", "没有用于", "不是用于", "没拿去", "没报过", "未曾用于", "没用来"].contains(where: { text.contains($0) }) {
            facts[.usedForHighTech] = .flag(false)
        } else if ["已用于", "用于了", "用过", "已经用于", "报过高新", "申报高新技术企业时用了", "用于高新技术企业申报", "用于申报高新"].contains(where: { text.contains($0) }) {
            facts[.usedForHighTech] = .flag(true)
        }
    }

    /// What the words around an amount say it is: a word right after it (「30万利息」) first,
    /// then the nearest word before it, then any word after it.
    static func role(of mention: NumberMention, chars: [Character], windowStart: Int, windowEnd: Int) -> FactName? {
        let afterEnd = min(windowEnd, chars.count)
        let after = mention.range.upperBound < afterEnd ? String(chars[mention.range.upperBound..<afterEnd]) : ""
        let beforeText = windowStart < mention.range.lowerBound ? String(chars[windowStart..<mention.range.lowerBound]) : ""
        let adjacent = String(after.prefix(4))
        if let hit = nearest(in: adjacent, fromEnd: false), hit.offset == 0 { return hit.role }
        if let hit = nearest(in: beforeText, fromEnd: true) { return hit.role }
        // 「其中1000万是财政补的」: a word just after the amount, unless negated (「无财政支持」).
        let clauseAfter = after.split(whereSeparator: { "，。；,;!?！？()（）".contains($0) }).first.map(String.init) ?? ""
        if let hit = nearest(in: clauseAfter, fromEnd: false), hit.offset <= 3 {
            let lead = clauseAfter.prefix(hit.offset)
            if !lead.contains(where: { "无没非未不".contains($0) }) { return hit.role }
        }
        return nil
    }

    private static func nearest(in text: String, fromEnd: Bool) -> (role: FactName, offset: Int)? {
        guard !text.isEmpty else { return nil }
        var best: (role: FactName, offset: Int, length: Int)?
        let chars = Array(text)
        for (word, role) in roleWords {
            let w = Array(word)
            guard w.count <= chars.count else { continue }
            var positions: [Int] = []
            for start in 0...(chars.count - w.count) where chars[start..<(start + w.count)].elementsEqual(w) {
                if word.hasPrefix("市"), start > 0, "上城超都".contains(chars[start - 1]) { continue }
                positions.append(start)
            }
            guard let position = fromEnd ? positions.last : positions.first else { continue }
            let offset = fromEnd ? chars.count - (position + w.count) : position
            if best == nil || offset < best!.offset || (offset == best!.offset && w.count > best!.length) {
                best = (role, offset, w.count)
            }
        }
        return best.map { ($0.role, $0.offset) }
    }
}
