/// How much an item pays: every shape of award the plan uses.
public enum AwardRule: Sendable, Equatable {
    /// A fixed one-off amount (创新联合体 30万).
    case fixed(yuan: Int64)
    /// An amount chosen by a fact of the enterprise (高企: 规上 20万, 规下 10万).
    case byFact(fact: FactName, cases: [FactCase])
    /// A percentage of a base the user states, with an optional ceiling (揭榜挂帅 30% ≤ 500万).
    case percent(PercentRule)
    /// An amount per counted thing plus bonuses, with a cumulative ceiling (专利 5万 each).
    case perUnit(PerUnitRule)
    /// A yearly percentage with a yearly ceiling, paid for a number of years (贴息).
    case perYear(PercentRule, years: Int)
    /// Payments in stages (科创板 10 + 20 + 20 万).
    case staged(fact: FactName, stages: [Stage])
    /// Only a ceiling is known (「最高不超过100万元」).
    case ceiling(maxYuan: Int64, note: String?)
    /// The text names support but no figure (「给予一定的支持」).
    case unspecified(note: String)
    /// The item is a task that pays nothing.
    case none

    /// The facts the rule reads.
    public var facts: [FactName] {
        switch self {
        case .byFact(let fact, _), .staged(let fact, _): [fact]
        case .percent(let rule), .perYear(let rule, _): rule.base.map(\.fact)
        case .perUnit(let rule): [rule.fact] + rule.bonuses.map(\.fact)
        default: []
        }
    }

    /// The largest amount the rule can pay, when it is bounded.
    public var upperBound: Int64? {
        switch self {
        case .fixed(let yuan): yuan
        case .byFact(_, let cases): cases.map(\.yuan).max()
        case .percent(let rule): rule.maxYuan
        case .perYear(let rule, _): rule.maxYuan
        case .perUnit(let rule): rule.maxYuan
        case .staged(_, let stages): Checked.sum(stages.map(\.yuan))
        case .ceiling(let max, _): max
        case .unspecified, .none: nil
        }
    }
}

/// One value of a fact and what it pays.
public struct FactCase: Sendable, Equatable {
    /// The fact's value, such as `above`.
    public var value: String
    /// The amount for that value.
    public var yuan: Int64

    public init(value: String, yuan: Int64) {
        self.value = value
        self.yuan = yuan
    }
}

/// One term of a base amount: a fact added or subtracted.
public struct BaseTerm: Sendable, Equatable {
    /// The fact.
    public var fact: FactName
    /// Whether the fact is subtracted (扣除财政支持).
    public var subtracts: Bool

    public init(fact: FactName, subtracts: Bool = false) {
        self.fact = fact
        self.subtracts = subtracts
    }
}

/// A percentage of a base, with an optional ceiling.
public struct PercentRule: Sendable, Equatable {
    /// The percentage as a whole number (70 means 70 %).
    public var percent: Int
    /// The terms that make up the base.
    public var base: [BaseTerm]
    /// The ceiling, per year for a yearly rule.
    public var maxYuan: Int64?
    /// What the ceiling applies to, in words (「单个项目」).
    public var per: String?

    public init(percent: Int, base: [BaseTerm], maxYuan: Int64? = nil, per: String? = nil) {
        self.percent = percent
        self.base = base
        self.maxYuan = maxYuan
        self.per = per
    }
}

/// An amount per counted thing plus bonuses, with a cumulative ceiling.
public struct PerUnitRule: Sendable, Equatable {
    /// The count the amount is paid for.
    public var fact: FactName
    /// The amount per thing.
    public var yuanEach: Int64
    /// Further amounts per thing of a subset (产业化的专利再给 5万).
    public var bonuses: [Bonus]
    /// The cumulative ceiling.
    public var maxYuan: Int64?

    /// A further amount per counted thing.
    public struct Bonus: Sendable, Equatable {
        public var fact: FactName
        public var yuanEach: Int64

        public init(fact: FactName, yuanEach: Int64) {
            self.fact = fact
            self.yuanEach = yuanEach
        }
    }

    public init(fact: FactName, yuanEach: Int64, bonuses: [Bonus] = [], maxYuan: Int64? = nil) {
        self.fact = fact
        self.yuanEach = yuanEach
        self.bonuses = bonuses
        self.maxYuan = maxYuan
    }
}

/// One stage of a staged award.
public struct Stage: Sendable, Equatable {
    /// The stage's value of the rule's fact (`listed`).
    public var id: String
    /// The stage in words.
    public var name: String
    /// What the stage pays.
    public var yuan: Int64

    public init(id: String, name: String, yuan: Int64) {
        self.id = id
        self.name = name
        self.yuan = yuan
    }
}

/// A condition the text sets that, when the facts break it, makes the award 0.
public struct Requirement: Sendable, Equatable {
    /// The fact the condition reads.
    public var fact: FactName
    /// The test.
    public var test: Test
    /// Why the award is 0 when the test fails, in words for the enterprise.
    public var reason: String

    /// A test on a fact's value.
    public enum Test: Sendable, Equatable {
        /// The fact must have this value.
        case equals(FactValue)
        /// The fact must be at least this number.
        case atLeast(Int64)
    }

    public init(fact: FactName, test: Test, reason: String) {
        self.fact = fact
        self.test = test
        self.reason = reason
    }

    /// Whether the value meets the condition.
    public func isMet(by value: FactValue) -> Bool {
        switch test {
        case .equals(let expected): value == expected
        case .atLeast(let minimum): (value.number ?? 0) >= minimum
        }
    }
}
