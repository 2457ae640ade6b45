/// What an item pays for a set of facts, with the arithmetic in words.
public struct Calculation: Sendable, Hashable {
    /// The exact amount in yuan, when the facts determine it (a yearly amount for a yearly rule).
    public var yuan: Int64?
    /// The ceiling, when the amount cannot be exact.
    public var maxYuan: Int64?
    /// Whether `yuan` is a yearly amount.
    public var perYear: Bool
    /// The rule and the arithmetic in words, such as 「300万 × 100% = 300万」.
    public var formula: String
    /// The facts still missing to compute the amount.
    public var needs: [FactName]
    /// Why the award is 0, when the facts break a condition of the text.
    public var disqualification: String?
    /// The condition the question breaks, by name (首次认定), when a condition in words is broken.
    public var brokenCondition: String?
    /// What the amount assumes of conditions the question does not mention (「按首次认定计算」).
    public var assumptions: [String] = []
    /// Whether the amount is computed from a figure given only roughly (「80多万」).
    public var approximate = false

    public init(
        yuan: Int64?, maxYuan: Int64? = nil, perYear: Bool = false, formula: String,
        needs: [FactName] = [], disqualification: String? = nil
    ) {
        self.yuan = yuan
        self.maxYuan = maxYuan
        self.perYear = perYear
        self.formula = formula
        self.needs = needs
        self.disqualification = disqualification
    }
}

/// Evaluates award rules exactly, in integer yuan.
///
/// Percentages are applied to whole yuan and rounded half up, the way a payment notice
/// states an amount; ceilings are applied after the percentage.
public enum Calculator {
    /// What `item` pays for `facts`; nil when the item awards no money or names no figure.
    public static func evaluate(_ item: Item, facts: Facts) -> Calculation? {
        for requirement in item.requires {
            if let value = facts[requirement.fact], !requirement.isMet(by: value) {
                return Calculation(
                    yuan: 0, formula: "不符合条件：\(requirement.reason)", disqualification: requirement.reason)
            }
        }
        // A threshold on a figure the question does not give (迁入当年销售收入200万元以上) decides
        // whether anything is paid: the answer asks for the figure rather than assume it.
        let unknownThresholds = item.requires.filter {
            if case .atLeast = $0.test { return facts[$0.fact] == nil } else { return false }
        }
        if !unknownThresholds.isEmpty, var calculation = evaluate(item.award, facts: facts), calculation.yuan != nil {
            calculation.maxYuan = calculation.yuan
            calculation.yuan = nil
            calculation.formula = "\(calculation.formula)（条件：\(unknownThresholds.map(\.reason).joined(separator: "；"))）"
            calculation.needs = unknownThresholds.map(\.fact)
            return calculation
        }
        var assumptions: [String] = []
        for condition in item.checks {
            switch facts.conditions[condition.name] {
            case .broken(let word)?:
                let reason = "不符合「\(condition.name)」：\(condition.reason)（您说的是「\(word)」）"
                var calculation = Calculation(yuan: 0, formula: "不符合条件：\(reason)", disqualification: reason)
                calculation.brokenCondition = condition.name
                return calculation
            case .confirmed?:
                break
            case nil:
                if let assumption = condition.assumption { assumptions.append(assumption) }
            }
        }
        guard var calculation = evaluate(item.award, facts: facts) else { return nil }
        if calculation.yuan != nil || calculation.maxYuan != nil { calculation.assumptions = assumptions }
        return calculation
    }

    /// What `rule` pays for `facts`.
    public static func evaluate(_ rule: AwardRule, facts: Facts) -> Calculation? {
        switch rule {
        case .fixed(let yuan):
            return Calculation(yuan: yuan, formula: "一次性奖补 \(Money.words(yuan))")
        case .byFact(let fact, let cases):
            return byFact(fact: fact, cases: cases, facts: facts)
        case .percent(let rule):
            return percent(rule, facts: facts, perYear: false, years: nil)
        case .perYear(let rule, let years):
            // A subsidy paid for a number of years pays nothing in a year past them
            // (「已经补了三年了，第四年还能补吗」), whatever the year's interest.
            if case .count(let year)? = facts[.subsidyYear], year > years {
                let reason = "补贴期限为 \(years) 年，第 \(year) 年不再补贴"
                var calculation = Calculation(
                    yuan: 0, perYear: true, formula: "不符合条件：\(reason)", disqualification: reason)
                calculation.brokenCondition = "补贴期限 \(years) 年"
                return calculation
            }
            return percent(rule, facts: facts, perYear: true, years: years)
        case .perUnit(let rule):
            return perUnit(rule, facts: facts)
        case .staged(let fact, let stages):
            return staged(fact: fact, stages: stages, facts: facts)
        case .ceiling(let maxYuan, let note):
            let words = "最高不超过 \(Money.words(maxYuan))"
            return Calculation(yuan: nil, maxYuan: maxYuan, formula: note.map { "\($0)，\(words)" } ?? words)
        case .unspecified, .none:
            return nil
        }
    }

    private static func byFact(fact: FactName, cases: [FactCase], facts: Facts) -> Calculation {
        let options = cases.map { "\(caseLabel(fact, $0.value)) \(Money.words($0.yuan))" }.joined(separator: "，")
        guard case .choice(let value)? = facts[fact], let chosen = cases.first(where: { $0.value == value }) else {
            return Calculation(
                yuan: nil, maxYuan: cases.map(\.yuan).max(), formula: "\(options)（一次性）", needs: [fact])
        }
        return Calculation(yuan: chosen.yuan, formula: "\(caseLabel(fact, value))一次性奖补 \(Money.words(chosen.yuan))")
    }

    private static func percent(_ rule: PercentRule, facts: Facts, perYear: Bool, years: Int?) -> Calculation {
        let capWords = rule.maxYuan.map { "最高不超过 \(Money.words($0))" + (perYear ? "/年" : "") }
        let termWords = years.map { "，补贴期限 \($0) 年" } ?? ""
        let baseLabel = rule.base.filter { !$0.subtracts }.map(\.fact.label).joined(separator: "+")
        let present = rule.base.filter { !$0.subtracts && facts[$0.fact]?.number != nil }
        guard !present.isEmpty else {
            let words = "\(baseLabel) × \(rule.percent)%" + (capWords.map { "，\($0)" } ?? "") + termWords
            let needs = rule.base.first { !$0.subtracts }.map { [$0.fact] } ?? []
            return Calculation(yuan: nil, maxYuan: rule.maxYuan, perYear: perYear, formula: words, needs: needs)
        }
        var base: Int64 = 0
        var parts: [String] = []
        for term in rule.base {
            guard let value = facts[term.fact]?.number else { continue }
            guard let next = term.subtracts ? Checked.subtract(base, value) : Checked.add(base, value) else {
                return outOfRange(rule.base.first { !$0.subtracts }?.fact, maxYuan: rule.maxYuan, perYear: perYear)
            }
            base = next
            parts.append((term.subtracts ? "− " : (parts.isEmpty ? "" : "+ ")) + Money.words(value))
        }
        base = max(base, 0)
        let baseWords = parts.count > 1 ? "(\(parts.joined(separator: " ")))" : Money.words(base)
        guard let product = Checked.multiply(base, Int64(rule.percent)), let rounded = Checked.add(product, 50) else {
            return outOfRange(rule.base.first { !$0.subtracts }?.fact, maxYuan: rule.maxYuan, perYear: perYear)
        }
        let raw = rounded / 100
        var formula = "\(baseWords) × \(rule.percent)% = \(Money.words(raw))"
        var yuan = raw
        if let cap = rule.maxYuan, raw > cap {
            yuan = cap
            formula += "，超过上限，按\(rule.per ?? "")最高 \(Money.words(cap))" + (perYear ? "/年" : "")
        }
        if perYear { formula += "（每年）" + termWords }
        return Calculation(yuan: yuan, perYear: perYear, formula: formula)
    }

    private static func perUnit(_ rule: PerUnitRule, facts: Facts) -> Calculation {
        let capWords = rule.maxYuan.map { "，累计不超过 \(Money.words($0))" } ?? ""
        guard let count = facts[rule.fact]?.number else {
            let bonusWords = rule.bonuses.map { "\($0.fact.label)每项再给 \(Money.words($0.yuanEach))" }
            let words = (["每项 \(Money.words(rule.yuanEach))"] + bonusWords).joined(separator: "，") + capWords
            return Calculation(yuan: nil, maxYuan: rule.maxYuan, formula: words, needs: [rule.fact])
        }
        guard var total = Checked.multiply(count, rule.yuanEach) else {
            return outOfRange(rule.fact, maxYuan: rule.maxYuan, perYear: false)
        }
        var parts = ["\(count) × \(Money.words(rule.yuanEach))"]
        for bonus in rule.bonuses {
            // A bonus counts a subset of the main count; more than the whole would be a misreading.
            let n = min(facts[bonus.fact]?.number ?? 0, count)
            guard n > 0 else { continue }
            guard let extra = Checked.multiply(n, bonus.yuanEach), let sum = Checked.add(total, extra) else {
                return outOfRange(rule.fact, maxYuan: rule.maxYuan, perYear: false)
            }
            total = sum
            parts.append("\(n) × \(Money.words(bonus.yuanEach))")
        }
        var formula = parts.joined(separator: " + ") + " = \(Money.words(total))"
        var yuan = total
        if let cap = rule.maxYuan, total > cap {
            yuan = cap
            formula += "，超过累计上限，按 \(Money.words(cap))"
        }
        return Calculation(yuan: yuan, formula: formula)
    }

    private static func staged(fact: FactName, stages: [Stage], facts: Facts) -> Calculation {
        // Stages come from the policy files, which the loader checks; a sum past 64 bits is reported as no total.
        let total = Checked.sum(stages.map(\.yuan)) ?? Int64.max
        let all = stages.map { "\($0.name) \(Money.words($0.yuan))" }.joined(separator: " + ")
        guard case .choice(let value)? = facts[fact] else {
            return Calculation(yuan: nil, maxYuan: total, formula: "分阶段：\(all)，共 \(Money.words(total))", needs: [fact])
        }
        if let stage = stages.first(where: { $0.id == value }) {
            return Calculation(yuan: stage.yuan, formula: "\(stage.name)：\(Money.words(stage.yuan))")
        }
        return Calculation(yuan: total, formula: "\(all) = \(Money.words(total))")
    }

    /// The answer for facts whose arithmetic does not fit in 64 bits: no amount, the figure asked for again.
    private static func outOfRange(_ fact: FactName?, maxYuan: Int64?, perYear: Bool) -> Calculation {
        Calculation(
            yuan: nil, maxYuan: maxYuan, perYear: perYear, formula: "所给数额过大，无法计算，请核对后再告诉我",
            needs: fact.map { [$0] } ?? [])
    }

    private static func caseLabel(_ fact: FactName, _ value: String) -> String {
        switch (fact, value) {
        case (.scale, "above"): "规模以上企业"
        case (.scale, "below"): "规模以下企业"
        default: value
        }
    }
}
