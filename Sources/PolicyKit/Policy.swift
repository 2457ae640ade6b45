/// One award or task inside a clause, with everything a reply needs.
public struct Item: Sendable, Equatable, Identifiable {
    /// A stable id such as `"12.2"`.
    public var id: String
    /// The clause the item belongs to.
    public var clause: Int
    /// A short title.
    public var title: String
    /// The seed's words for this item.
    public var text: String
    /// How much it pays.
    public var award: AwardRule
    /// Conditions that make the award 0 when the facts break them.
    public var requires: [Requirement]
    /// Conditions in words.
    public var conditions: [String]
    /// Conditions a question can confirm or break in words (a subset of `conditions`, with
    /// the words that tell); the calculator decides what a broken one means.
    public var checks: [Condition]
    /// Exclusions in words.
    public var exclusions: [String]
    /// Documents to prepare (drafts, 以牵头单位通知为准).
    public var checklist: [String]
    /// Ways an enterprise might ask about the item.
    public var examples: [String]
    /// Words that tell this item apart from the other items of its clause (技术创新中心 against
    /// 重点实验室): a question naming one puts the item ahead of its siblings.
    public var terms: [String]
    /// The levels of platform the item pays for (自治区级; 国家级 and 自治区级), when the text
    /// names them: a question about a platform of another level (市级重点实验室) gets 0.
    public var levels: [String]

    public init(
        id: String, clause: Int, title: String, text: String, award: AwardRule,
        requires: [Requirement] = [], conditions: [String] = [], checks: [Condition] = [],
        exclusions: [String] = [], checklist: [String] = [], examples: [String] = [], terms: [String] = [],
        levels: [String] = []
    ) {
        self.checks = checks
        self.terms = terms
        self.levels = levels
        self.id = id
        self.clause = clause
        self.title = title
        self.text = text
        self.award = award
        self.requires = requires
        self.conditions = conditions
        self.exclusions = exclusions
        self.checklist = checklist
        self.examples = examples
    }
}

/// A figure the plan sets as a target (发展目标).
public struct Target: Sendable, Equatable {
    public var year: Int
    public var indicator: String
    public var value: String

    public init(year: Int, indicator: String, value: String) {
        self.year = year
        self.indicator = indicator
        self.value = value
    }
}

/// One numbered part of the plan: 0 (总体要求), 1…30 (the measures) or 31 (保障措施, 其他事项).
public struct Clause: Sendable, Equatable, Identifiable {
    /// The seed's own number.
    public var number: Int
    /// Which of the ten 行动 the measure sits under; nil for 0 and 31.
    public var section: Int?
    /// The measure's heading.
    public var title: String
    /// 责任领导.
    public var leader: String?
    /// 牵头单位.
    public var leadUnit: String?
    /// 责任单位, in the seed's order.
    public var units: [String]
    /// The full text.
    public var text: String
    /// Words that point at this clause.
    public var keywords: [String]
    /// The awards and tasks.
    public var items: [Item]
    /// Figures set as targets (clause 0).
    public var targets: [Target]

    public var id: Int { number }

    public init(
        number: Int, section: Int?, title: String, leader: String?, leadUnit: String?,
        units: [String], text: String, keywords: [String] = [], items: [Item], targets: [Target] = []
    ) {
        self.number = number
        self.section = section
        self.title = title
        self.leader = leader
        self.leadUnit = leadUnit
        self.units = units
        self.text = text
        self.keywords = keywords
        self.items = items
        self.targets = targets
    }
}

/// The whole plan: its clauses in order.
public struct Policy: Sendable, Equatable {
    /// The plan's title.
    public var title: String
    /// The ten 行动 by number.
    public var sections: [Int: String]
    /// The clauses, ordered by number.
    public var clauses: [Clause]
    /// Shown with every checklist: the lists are drafts.
    public var checklistNote: String
    /// General notes (no double award, 从新从优从高, 上级政策).
    public var notes: [String]

    private let itemIndex: [String: ItemLocation]

    private struct ItemLocation: Sendable, Equatable {
        var clause: Int
        var item: Int
    }

    public init(
        title: String, sections: [Int: String], clauses: [Clause], checklistNote: String, notes: [String]
    ) {
        self.title = title
        self.sections = sections
        self.clauses = clauses.sorted { $0.number < $1.number }
        self.checklistNote = checklistNote
        self.notes = notes
        var index: [String: ItemLocation] = [:]
        for (c, clause) in self.clauses.enumerated() {
            for (i, item) in clause.items.enumerated() {
                index[item.id] = ItemLocation(clause: c, item: i)
            }
        }
        self.itemIndex = index
    }

    /// Every item of every clause, in order.
    public var items: [Item] { clauses.flatMap(\.items) }

    /// The item with this id.
    public func item(_ id: String) -> Item? {
        guard let location = itemIndex[id] else { return nil }
        return clauses[location.clause].items[location.item]
    }

    /// The clause with this number.
    public func clause(_ number: Int) -> Clause? {
        clauses.first { $0.number == number }
    }
}
