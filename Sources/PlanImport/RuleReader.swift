import Foundation
import PolicyKit
import TextRules

/// Reads the award of one sentence of a measure into the existing rule shapes: amounts, shares
/// of a base, ceilings, per-unit amounts and bonuses, yearly subsidies and staged payments, with
/// the conditions the words name. Every result is a guess for staff to review.
struct RuleReader {
    /// One award read from a sentence.
    struct Reading: Sendable {
        var title: String
        var award: AwardRule
        var requires: [Requirement] = []
        var conditions: [String] = []
        var checks: [Condition] = []
        /// What could not be read, for the import's notes.
        var doubts: [String] = []
    }

    /// An amount in the text and what the words around it make of it.
    struct Amount: Sendable {
        enum Role: Sendable { case grant, cap, yearlyCap, threshold, each, bonusEach }
        var yuan: Int64
        var role: Role
        /// Where in the sentence it stands (Character offset), for staged and split awards.
        var offset: Int
    }

    // MARK: - Numbers

    /// Every 「20万元」「500万」「1.5亿元」「3000元」 with its role.
    static func amounts(in sentence: String) -> [Amount] {
        let chars = Array(sentence)
        var result: [Amount] = []
        var i = 0
        while i < chars.count {
            guard chars[i].isASCII, chars[i].isNumber,
                i == 0 || !(chars[i - 1].isASCII && (chars[i - 1].isNumber || chars[i - 1] == "."))
            else {
                i += 1
                continue
            }
            var j = i
            while j < chars.count, chars[j].isASCII, chars[j].isNumber || chars[j] == "." { j += 1 }
            let number = String(chars[i..<j])
            var unit: Int64 = 0
            var end = j
            if j < chars.count, chars[j] == "万" {
                unit = 10_000; end = j + 1
            } else if j < chars.count, chars[j] == "亿" {
                unit = 100_000_000; end = j + 1
            } else if j < chars.count, chars[j] == "元" {
                unit = 1; end = j + 1
            }
            guard unit > 0, let yuan = Self.yuan(number, unit: unit) else {
                i = j
                continue
            }
            if end < chars.count, chars[end] == "元", unit > 1 { end += 1 }
            let before = String(chars[max(0, i - 10)..<i])
            let after = String(chars[end..<min(chars.count, end + 4)])
            let role: Amount.Role
            if after.hasPrefix("以上") {
                role = .threshold
            } else if before.hasSuffix("每年不超过") || before.hasSuffix("每年最高不超过") {
                role = .yearlyCap
            } else if before.hasSuffix("不超过") || before.hasSuffix("最高") || before.hasSuffix("上限") {
                role = .cap
            } else if let each = before.range(of: "每项", options: .backwards) ?? before.range(
                of: "每件", options: .backwards)
                ?? before.range(of: "每个", options: .backwards), before[each.upperBound...].count <= 6
            {
                role = before.contains("再") ? .bonusEach : .each
            } else {
                role = .grant
            }
            result.append(Amount(yuan: yuan, role: role, offset: i))
            i = end
        }
        return result
    }

    /// 「1.5」 × 万 → 15000, exactly.
    static func yuan(_ number: String, unit: Int64) -> Int64? {
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = Int64(parts[0]) else { return nil }
        var result = whole.multipliedReportingOverflow(by: unit)
        guard !result.overflow else { return nil }
        if parts.count == 2, !parts[1].isEmpty {
            var scale = unit
            for digit in parts[1] {
                scale /= 10
                guard scale > 0, let d = Int64(String(digit)) else { return nil }
                result.partialValue += d * scale
            }
        }
        return result.partialValue
    }

    /// Every 「30%」 with where it stands.
    static func percents(in sentence: String) -> [(percent: Int, offset: Int)] {
        let chars = Array(sentence)
        var result: [(Int, Int)] = []
        for (k, c) in chars.enumerated() where c == "%" || c == "％" {
            var j = k
            while j > 0, chars[j - 1].isASCII, chars[j - 1].isNumber { j -= 1 }
            if j < k, let n = Int(String(chars[j..<k])), j == 0 || chars[j - 1] != "." { result.append((n, j)) }
        }
        return result
    }

    /// 「三」「3」 → 3, for 「分三年」「补贴期限3年」.
    static func smallNumber(_ text: Substring) -> Int? {
        if let n = Int(text) { return n }
        let numerals: [Character: Int] = [
            "一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
        ]
        return text.count == 1 ? text.first.flatMap { numerals[$0] } : nil
    }

    // MARK: - Bases

    /// The facts a share is taken of, from the words between 「按照」 and the percentage.
    static func base(_ phrase: String) -> [BaseTerm]? {
        var terms: [BaseTerm] = []
        if phrase.contains("利息") { terms.append(.init(fact: .interest)) }
        if phrase.contains("担保费") { terms.append(.init(fact: .guaranteeFee)) }
        if !terms.isEmpty { return terms }
        if phrase.contains("投资额") || phrase.contains("投资金额") { return [.init(fact: .investment)] }
        if phrase.contains("研发经费总额") || phrase.contains("研发投入") {
            var t: [BaseTerm] = [.init(fact: .rdSpending)]
            if phrase.contains("扣除财政支持") { t.append(.init(fact: .fiscalSupport, subtracts: true)) }
            return t
        }
        if phrase.contains("装修") { return [.init(fact: .renovationCost)] }
        let region = phrase.contains("自治区")
        let city = phrase.contains("鄂尔多斯") || phrase.contains("市级") || phrase.contains("市补助") || phrase.contains("市奖补")
        if region && city { return [.init(fact: .superiorAmount)] }
        if region { return [.init(fact: .regionAmount)] }
        if city { return [.init(fact: .cityAmount)] }
        if phrase.contains("最高支持金额") || phrase.contains("支持额度") || phrase.contains("补助额度") {
            return [.init(fact: .superiorAmount)]
        }
        return nil
    }

    // MARK: - Sentences

    /// The beneficiary a sentence names: 「对当年获批建设的自治区级重点实验室，…」, from a 对 that
    /// opens the sentence or a clause of it, up to the comma or the verb of the award.
    static func subject(of sentence: String) -> String? {
        let chars = Array(sentence)
        guard
            let start = chars.indices.first(where: {
                chars[$0] == "对" && ($0 == 0 || chars[$0 - 1] == "，" || chars[$0 - 1] == ",")
            })
        else { return nil }
        var s = String(chars[(start + 1)...])
        for stop in ["，", ",", "一次性", "再给予", "给予", "按照", "按其"] {
            if let r = s.range(of: stop) { s = String(s[..<r.lowerBound]) }
        }
        s = s.trimmed
        return s.count >= 5 ? s : nil
    }

    /// Whether the sentence names support without a figure (「给予一定的支持」「实行奖补」).
    static func namesSupport(_ s: String) -> String? {
        for phrase in ["给予一定的支持", "实行奖补", "给予一定支持", "给予一定奖补"] where s.contains(phrase) { return phrase }
        if let r = s.range(of: "可参照"), let end = s[r.lowerBound...].range(of: "执行") {
            return String(s[r.lowerBound..<end.upperBound])
        }
        if let r = s.range(of: "择优给予"), let end = s[r.lowerBound...].range(of: "支持") {
            return String(s[r.lowerBound..<end.upperBound])
        }
        return nil
    }

    /// Reads one sentence of a measure; empty when it pays nothing.
    static func read(_ sentence: String, fallbackTitle: String) -> [Reading] {
        let amounts = amounts(in: sentence)
        let percents = percents(in: sentence)
        let grants = amounts.filter { $0.role == .grant }
        let title = subject(of: sentence).map(shortTitle) ?? fallbackTitle
        var readings: [Reading]

        if sentence.contains("分阶段"), let staged = staged(sentence) {
            readings = [Reading(title: title, award: staged)]
        } else if let p = percents.first {
            readings = [percentReading(sentence, percent: p, amounts: amounts, title: title)]
        } else if let each = amounts.first(where: { $0.role == .each }) {
            readings = [perUnitReading(sentence, each: each, amounts: amounts, title: title)]
        } else if let byFact = byScale(sentence, grants: grants) {
            readings = [Reading(title: title, award: byFact)]
        } else if grants.count >= 2, sentence.contains("分别"), let split = splitRespectively(sentence, grants: grants) {
            readings = split
        } else if let grant = grants.first {
            var r = Reading(title: title, award: .fixed(yuan: grant.yuan))
            if grants.count > 1 {
                r.doubts.append(
                    "several amounts (\(grants.map { Self.words($0.yuan) }.joined(separator: ", "))); took the first")
            }
            readings = [r]
        } else if let cap = amounts.first(where: { $0.role == .cap || $0.role == .yearlyCap }) {
            readings = [
                Reading(title: title, award: .ceiling(maxYuan: cap.yuan, note: ceilingNote(sentence, cap: cap)))
            ]
        } else if let support = namesSupport(sentence) {
            readings = [Reading(title: title, award: .unspecified(note: support))]
        } else {
            return []
        }
        for k in readings.indices {
            addConditions(sentence, to: &readings[k])
        }
        return readings
    }

    private static func percentReading(
        _ s: String, percent p: (percent: Int, offset: Int), amounts: [Amount], title: String
    ) -> Reading {
        let chars = Array(s)
        let upTo = String(chars[..<p.offset])
        let phraseStart =
            upTo.range(of: "按照", options: .backwards) ?? upTo.range(of: "按其", options: .backwards)
            ?? upTo.range(of: "按", options: .backwards)
        var phrase = phraseStart.map { String(upTo[$0.lowerBound...]) } ?? upTo
        // 「按照上年度…研发经费总额按20%」: the last 按 names no base, the one before does.
        if phrase.count <= 2, let earlier = upTo.range(of: "按照") { phrase = String(upTo[earlier.lowerBound...]) }
        let cap = amounts.first { $0.role == .cap && $0.offset > p.offset } ?? amounts.first { $0.role == .cap }
        let yearlyCap = amounts.first { $0.role == .yearlyCap }
        guard let base = base(phrase) else {
            var r = Reading(title: title, award: .unspecified(note: "\(p.percent)%"))
            r.doubts.append("a share of \(p.percent)% of a base not recognised (「\(phrase.suffix(20))」)")
            return r
        }
        let per = cap.flatMap { capPer(s, cap: $0) }
        if let yearlyCap, let years = years(s) {
            return Reading(
                title: title,
                award: .perYear(
                    PercentRule(percent: p.percent, base: base, maxYuan: yearlyCap.yuan, per: per), years: years))
        }
        var reading = Reading(
            title: title,
            award: .percent(PercentRule(percent: p.percent, base: base, maxYuan: (cap ?? yearlyCap)?.yuan, per: per)))
        if yearlyCap != nil {
            reading.doubts.append("a yearly ceiling but no number of years; read as a plain ceiling")
        }
        if !(1...100).contains(p.percent) { reading.doubts.append("a share of \(p.percent)%, outside 1–100") }
        return reading
    }

    /// 「单个项目最高…」「每家企业最高不超过…」 → 单个项目, 每家企业.
    private static func capPer(_ s: String, cap: Amount) -> String? {
        let before = String(Array(s)[max(0, cap.offset - 14)..<cap.offset])
        for marker in ["单个", "每家", "每个"] {
            guard let r = before.range(of: marker, options: .backwards) else { continue }
            var words = String(before[r.lowerBound...])
            for stop in ["最高", "不超过", "每年"] {
                if let x = words.range(of: stop) { words = String(words[..<x.lowerBound]) }
            }
            for stop in ["支持金额", "补助金额"] where words.hasSuffix(stop) { words = String(words.dropLast(stop.count)) }
            return words.count >= 2 ? words : nil
        }
        return nil
    }

    /// 「补贴期限3年」「分三年」 → 3.
    private static func years(_ s: String) -> Int? {
        for marker in ["期限", "分"] {
            var search = s[...]
            while let r = search.range(of: marker) {
                let rest = search[r.upperBound...]
                let digits = rest.prefix { $0.isNumber || "一二两三四五六七八九十".contains($0) }
                if !digits.isEmpty, rest.dropFirst(digits.count).first == "年", let n = smallNumber(digits) { return n }
                search = rest
            }
        }
        return nil
    }

    private static func perUnitReading(_ s: String, each: Amount, amounts: [Amount], title: String) -> Reading {
        let counted = String(Array(s)[max(0, each.offset - 8)..<each.offset])
        let fact: FactName? = counted.contains("专利") ? .patents : nil
        guard let fact else {
            var r = Reading(title: title, award: .unspecified(note: "每项\(words(each.yuan))"))
            r.doubts.append("an amount per unit of something with no fact to count it (「\(counted)」)")
            return r
        }
        var bonuses: [PerUnitRule.Bonus] = []
        var doubts: [String] = []
        for bonus in amounts where bonus.role == .bonusEach {
            let before = String(Array(s)[max(0, bonus.offset - 20)..<bonus.offset])
            if before.contains("产业化") {
                bonuses.append(.init(fact: .industrializedPatents, yuanEach: bonus.yuan))
            } else {
                doubts.append("a further \(words(bonus.yuan)) each for something not recognised")
            }
        }
        let cap = amounts.first { $0.role == .cap }
        var r = Reading(
            title: title,
            award: .perUnit(PerUnitRule(fact: fact, yuanEach: each.yuan, bonuses: bonuses, maxYuan: cap?.yuan)))
        r.doubts = doubts
        return r
    }

    /// 「规模以上企业一次性20万元奖补、规模以下企业一次性10万元奖补」.
    private static func byScale(_ s: String, grants: [Amount]) -> AwardRule? {
        guard grants.count == 2 else { return nil }
        let chars = Array(s)
        func scale(before a: Amount) -> String? {
            let before = String(chars[max(0, a.offset - 12)..<a.offset])
            let above = before.range(of: "规模以上", options: .backwards) ?? before.range(of: "规上", options: .backwards)
            let below = before.range(of: "规模以下", options: .backwards) ?? before.range(of: "规下", options: .backwards)
            switch (above, below) {
            case (let a?, let b?): return a.lowerBound > b.lowerBound ? "above" : "below"
            case (_?, nil): return "above"
            case (nil, _?): return "below"
            default: return nil
            }
        }
        guard let first = scale(before: grants[0]), let second = scale(before: grants[1]), first != second else {
            return nil
        }
        return .byFact(
            fact: .scale,
            cases: [FactCase(value: first, yuan: grants[0].yuan), FactCase(value: second, yuan: grants[1].yuan)])
    }

    /// 「对整体迁入东胜区的瞪羚企业、独角兽企业，分别一次性给予200万元、400万元奖补」: one
    /// award for each beneficiary, in order.
    private static func splitRespectively(_ s: String, grants: [Amount]) -> [Reading]? {
        guard let subject = subject(of: s) else { return nil }
        let cut = subject.range(of: "的", options: .backwards)
        let prefix = cut.map { String(subject[..<$0.upperBound]) } ?? ""
        let list = (cut.map { String(subject[$0.upperBound...]) } ?? subject).split(separator: "、").map(String.init)
        guard list.count == grants.count else { return nil }
        return zip(list, grants).map { Reading(title: shortTitle(prefix + $0), award: .fixed(yuan: $1.yuan)) }
    }

    /// Staged payments: 「…分阶段实施：在…挂牌的…，给予10万元奖补；获…受理…，给予20万元奖补；成功上市发行后，给予剩余20万元奖补」.
    private static func staged(_ s: String) -> AwardRule? {
        guard let start = s.range(of: "分阶段") else { return nil }
        let tail = s[start.upperBound...]
        let body = tail.firstIndex(where: { $0 == "：" || $0 == ":" }).map { tail[tail.index(after: $0)...] } ?? tail
        var stages: [Stage] = []
        for segment in body.split(whereSeparator: { $0 == "；" || $0 == ";" }) {
            let text = String(segment)
            guard let grant = amounts(in: text).first(where: { $0.role == .grant }) else { continue }
            let id: String
            if text.contains("挂牌") {
                id = "listed"
            } else if text.contains("受理") {
                id = "accepted"
            } else if text.contains("上市") || text.contains("发行") {
                id = "ipo"
            } else {
                id = "stage\(stages.count + 1)"
            }
            var name = String(text.prefix { $0 != "，" && $0 != "," })
            for suffix in ["的科技型企业", "的企业", "后"] where name.hasSuffix(suffix) {
                name = String(name.dropLast(suffix.count))
            }
            stages.append(Stage(id: id, name: name.trimmed, yuan: grant.yuan))
        }
        return stages.count >= 2 ? .staged(fact: .listingStage, stages: stages) : nil
    }

    private static func ceilingNote(_ s: String, cap: Amount) -> String? {
        if let r = s.range(of: "的比例") {
            let start = s[..<r.lowerBound].range(of: "按", options: .backwards)?.lowerBound ?? r.lowerBound
            return String(s[start..<r.upperBound]) + "（比例未明确）"
        }
        let chars = Array(s)
        var rest = String(chars[min(chars.count, cap.offset)...])
        if let yuan = rest.firstIndex(of: "元") { rest = String(rest[rest.index(after: yuan)...]) }
        if rest.hasPrefix("的") { rest = String(rest.dropFirst()) }
        rest = String(rest.prefix { $0 != "。" && $0 != "，" })
        return rest.isEmpty || rest == "奖补" ? nil : rest
    }

    // MARK: - Conditions

    static let firstTimeConfirms = ["首次认定", "新认定", "第一次认定", "刚认定", "刚被认定", "首次获得"]
    static let firstTimeBreaks = ["复核", "复审", "重新认定", "再次认定", "第二次认定", "不是首次", "不是第一次", "以前认定过", "已经认定过"]
    static let yearConfirms = ["今年", "当年", "本年度", "刚获批", "新获批"]
    static let yearBreaks = [
        "去年获批", "前年获批", "往年获批", "以前获批", "去年认定", "前年认定", "以前认定", "去年备案", "前年备案", "几年前", "去年获得", "前年获得",
    ]

    /// The conditions the words name: 当年…, 首次/新认定, 种子期、初创期, 规上, 一次性, 在…基础上.
    private static func addConditions(_ s: String, to r: inout Reading) {
        let subject = subject(of: s) ?? s
        if let year = phrase(in: subject, startingWith: "当年") {
            r.checks.append(
                Condition(
                    name: year, kind: .year, confirms: yearConfirms, breaks: yearBreaks,
                    reason: "只给\(year)的，往年的不再奖补"))
            r.conditions.append(year)
        } else if let first = ["首次认定", "首次评价入库", "新批复备案", "新批准建设", "新获批", "新认定", "新备案", "新获得"].first(
            where: subject.contains)
        {
            r.checks.append(
                Condition(
                    name: first, kind: .firstTime, confirms: firstTimeConfirms,
                    breaks: firstTimeBreaks, reason: "只给\(first)的，复核或重新认定不再奖补", assumption: "按\(first)计算"))
            r.conditions.append(first)
        }
        if s.contains("种子期、初创期") || s.contains("种子期和初创期") {
            r.checks.append(
                Condition(
                    name: "种子期、初创期", kind: .stage, confirms: ["种子期", "初创期", "刚成立", "初创"],
                    breaks: ["成长期", "成熟期", "扩张期", "快速发展期", "已经上市"],
                    reason: "只给种子期、初创期的科技型企业"))
            r.conditions.append("种子期、初创期")
        }
        let byFact: Bool = if case .byFact = r.award { true } else { false }
        if !byFact, subject.contains("规上") || subject.contains("规模以上") {
            r.requires.append(Requirement(fact: .scale, test: .equals(.choice("above")), reason: "本项只面向规模以上企业"))
            r.conditions.append(subject.contains("规上") ? "规上企业" : "规模以上企业")
        }
        if s.contains("未用于高新技术企业申报") {
            r.requires.append(
                Requirement(fact: .usedForHighTech, test: .equals(.flag(false)), reason: "已用于高新技术企业申报的不予奖补"))
            r.conditions.append("未用于高新技术企业申报")
        }
        for threshold in amounts(in: s) where threshold.role == .threshold {
            let before = String(Array(s)[max(0, threshold.offset - 12)..<threshold.offset])
            if before.contains("销售收入") {
                r.requires.append(
                    Requirement(
                        fact: .salesRevenue, test: .atLeast(threshold.yuan), reason: "销售收入须在\(words(threshold.yuan))以上")
                )
            } else {
                r.doubts.append("a threshold of \(words(threshold.yuan)) on a figure not recognised")
            }
        }
        if let base = phrase(in: s, startingWith: "在", through: "基础上") { r.conditions.append(base) }
        if s.contains("一次性") { r.conditions.append("一次性") }
    }

    /// 「当年获批建设的…」 → 当年获批建设; a longer phrase keeps its verb only (当年获得).
    private static func phrase(in s: String, startingWith start: String) -> String? {
        guard let r = s.range(of: start) else { return nil }
        let rest = s[r.lowerBound...]
        let end = rest.firstIndex(where: { "的，,、".contains($0) }) ?? rest.endIndex
        let p = String(rest[..<end])
        guard p.count >= 3 else { return nil }
        return p.count <= 8 ? p : String(p.prefix(start.count + 2))
    }

    private static func phrase(in s: String, startingWith start: String, through end: String) -> String? {
        guard let e = s.range(of: end) else { return nil }
        guard let b = s[..<e.lowerBound].range(of: start, options: .backwards) else { return nil }
        let p = String(s[b.lowerBound..<e.upperBound])
        return p.count <= 24 && !p.contains("，") ? p : nil
    }

    /// A title from a beneficiary: whole when short, else what follows its last 的, cut at a 、
    /// into 「…等」 rather than in the middle of a word.
    static func shortTitle(_ subject: String) -> String {
        var s = subject
        if s.hasPrefix("东胜区") { s = String(s.dropFirst(3)) }
        guard s.count > 20 else { return s }
        if let r = s.range(of: "的", options: .backwards), s[r.upperBound...].count >= 3 {
            s = String(s[r.upperBound...])
        }
        guard s.count > 20 else { return s }
        let head = String(s.prefix(20))
        if let r = head.range(of: "、", options: .backwards) { return String(head[..<r.lowerBound]) + "等" }
        return head
    }

    /// 200000 → 「20万元」, for notes.
    static func words(_ yuan: Int64) -> String {
        yuan % 10_000 == 0 ? "\(yuan / 10_000)万元" : "\(yuan)元"
    }
}
