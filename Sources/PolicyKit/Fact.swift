/// The name of a fact about an enterprise that an award rule may depend on.
///
/// The raw values are the names staff write in `Intents/` and the names the answer
/// object lists in `needs`.
public enum FactName: String, CaseIterable, Sendable, Hashable, Codable {
    /// 规模以上 (`above`) or 规模以下 (`below`).
    case scale
    /// 鄂尔多斯市的补助（奖补、支持）额度, in yuan.
    case cityAmount
    /// 自治区的补助（奖补、专项资金）额度, in yuan.
    case regionAmount
    /// The 自治区 or city amount, whichever the enterprise got, in yuan.
    case superiorAmount
    /// 发明专利的件数.
    case patents
    /// 其中形成产业化的专利件数.
    case industrializedPatents
    /// Whether the patents were already used for a 高新技术企业 application.
    case usedForHighTech
    /// 迁入当年销售收入, in yuan.
    case salesRevenue
    /// 上年度研发经费总额, in yuan.
    case rdSpending
    /// 研发经费中的财政支持, in yuan.
    case fiscalSupport
    /// One year's 实际贷款利息, in yuan.
    case interest
    /// One year's 担保费用, in yuan.
    case guaranteeFee
    /// 所获风险投资额, in yuan.
    case investment
    /// 实际装修改造费用, in yuan.
    case renovationCost
    /// Which stage of a 科创板 listing: `listed`, `accepted`, `ipo` or `all`.
    case listingStage
    /// Which year of a subsidy paid for several years the question asks about (「第四年」,
    /// 「已经补了三年」 asks about the fourth).
    case subsidyYear

    /// What kind of value the fact holds.
    public var kind: FactKind {
        switch self {
        case .scale: .choice(["above", "below"])
        case .listingStage: .choice(["listed", "accepted", "ipo", "all"])
        case .patents, .industrializedPatents, .subsidyYear: .count
        case .usedForHighTech: .flag
        default: .yuan
        }
    }

    /// How a reply names the fact when it asks for it.
    public var question: String {
        switch self {
        case .scale: "贵企业是规模以上（规上）还是规模以下（规下）企业？"
        case .cityAmount: "鄂尔多斯市给了多少补助（奖补）？告诉我金额我帮您算。"
        case .regionAmount: "自治区给了多少补助（奖补）？告诉我金额我帮您算。"
        case .superiorAmount: "自治区或鄂尔多斯市的支持额度是多少？告诉我金额我帮您算。"
        case .patents: "一共有几项符合条件的发明专利？"
        case .industrializedPatents: "其中有几项已形成产业化？"
        case .usedForHighTech: "这些专利是否已用于高新技术企业申报？"
        case .salesRevenue: "迁入当年的销售收入是多少？"
        case .rdSpending: "上年度研发经费总额是多少？其中财政支持多少？"
        case .fiscalSupport: "研发经费中有多少是财政支持？"
        case .interest: "一年的实际贷款利息是多少？"
        case .guaranteeFee: "一年的担保费用是多少？"
        case .investment: "所获风险投资额是多少？"
        case .renovationCost: "实际装修改造费用是多少？"
        case .listingStage: "您问的是哪个阶段：科创板挂牌、首发申请获受理，还是成功上市发行？"
        case .subsidyYear: "您问的是补贴的第几年？"
        }
    }

    /// A short Chinese label used in formulas and replies.
    public var label: String {
        switch self {
        case .scale: "企业规模"
        case .cityAmount: "鄂尔多斯市补助额度"
        case .regionAmount: "自治区补助额度"
        case .superiorAmount: "自治区或市支持额度"
        case .patents: "发明专利"
        case .industrializedPatents: "产业化专利"
        case .usedForHighTech: "是否已用于高企申报"
        case .salesRevenue: "迁入当年销售收入"
        case .rdSpending: "上年度研发经费"
        case .fiscalSupport: "财政支持"
        case .interest: "贷款利息"
        case .guaranteeFee: "担保费"
        case .investment: "风险投资额"
        case .renovationCost: "装修改造费用"
        case .listingStage: "上市阶段"
        case .subsidyYear: "补贴年度"
        }
    }

    /// Whether the fact is an amount granted by a higher government, so that a figure the
    /// user attributes to the city can stand in for one the rule attributes to the region.
    public var isGrantAmount: Bool {
        self == .cityAmount || self == .regionAmount || self == .superiorAmount
    }
}

/// The kind of value a fact holds.
public enum FactKind: Sendable, Equatable {
    /// An amount of money in integer yuan.
    case yuan
    /// A whole number of things.
    case count
    /// Yes or no.
    case flag
    /// One of a fixed set of values.
    case choice([String])
}

/// The value of one fact.
public enum FactValue: Sendable, Hashable, CustomStringConvertible {
    case yuan(Int64)
    case count(Int)
    case flag(Bool)
    case choice(String)

    /// The value as a number, for amounts and counts.
    public var number: Int64? {
        switch self {
        case .yuan(let v): v
        case .count(let v): Int64(v)
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .yuan(let v): Money.words(v)
        case .count(let v): "\(v)"
        case .flag(let v): v ? "是" : "否"
        case .choice(let v): v
        }
    }
}

/// What is known about one enterprise's case: the facts stated in a conversation or a roster.
public struct Facts: Sendable, Hashable {
    /// The known values by name.
    public var values: [FactName: FactValue]
    /// What the question says about conditions in words, by the condition's name (首次认定).
    public var conditions: [String: ConditionEvidence]

    /// Creates a set of facts.
    public init(_ values: [FactName: FactValue] = [:], conditions: [String: ConditionEvidence] = [:]) {
        self.values = values
        self.conditions = conditions
    }

    /// The value of a fact, if known.
    public subscript(name: FactName) -> FactValue? {
        get { values[name] }
        set { values[name] = newValue }
    }

    /// Whether nothing is known.
    public var isEmpty: Bool { values.isEmpty && conditions.isEmpty }

    /// These facts with `other`'s values added; `other` wins where both know a fact.
    public func merging(_ other: Facts) -> Facts {
        Facts(
            values.merging(other.values) { _, new in new },
            conditions: conditions.merging(other.conditions) { _, new in new })
    }
}
