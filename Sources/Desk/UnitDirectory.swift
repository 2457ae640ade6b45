import Matching
import PolicyKit

/// The words that make a question about a unit rather than a measure: 「工信局电话多少」 asks for a
/// contact, 「发改委负责哪些政策」 for what it is responsible for. Staff keep them in `contacts.yaml`
/// (`asks`); a knowledge base without them never reads a question as one about a unit.
public struct UnitAskWords: Sendable, Equatable {
    /// Words that ask how to reach a unit (电话, 地址, 怎么联系 …).
    public var contact: [String]
    /// Words that ask what a unit is responsible for (负责哪些, 管什么 …).
    public var duties: [String]

    public init(contact: [String] = [], duties: [String] = []) {
        self.contact = contact
        self.duties = duties
    }
}

/// The clauses a unit leads and those it shares as a 责任单位, in the plan's order.
public struct UnitDuties: Sendable, Equatable {
    public var leads: [Int] = []
    public var shares: [Int] = []

    /// Clause numbers as a reply and the staff page say them: 「第4、7、8条」.
    public static func label(_ numbers: [Int]) -> String {
        "第" + numbers.map(String.init).joined(separator: "、") + "条"
    }
}

/// A question about one or more units: which, and whether it asks what they are responsible for.
struct UnitQuestion: Hashable, Sendable {
    /// The units named, in the order the question names them, each once.
    var units: [String]
    /// Whether the question asks for the measures the units handle (else it asks how to reach them).
    var asksDuties: Bool
}

/// Every unit of the plan with the names a question may use for it, and the measures it leads
/// or shares; reads whether a question is about a unit.
struct UnitDirectory: Sendable {
    /// What a unit is called, in the normalized form questions are read in.
    private struct Name: Sendable {
        var scalars: [UInt32]
        var unit: String
    }

    /// Names by their last scalar, longest first: a question is scanned once and only where a
    /// name could end (most names end in 局, 委, 办).
    private let namesByLastScalar: [UInt32: [Name]]
    /// The keys of `namesByLastScalar`: a handful (局, 委, 办 …), so a scan of this array rules
    /// out most of a question's scalars for less than a hash of each would cost.
    private let lastScalars: [UInt32]
    private let contactWords: [[UInt32]]
    private let dutyWords: [[UInt32]]
    let duties: [String: UnitDuties]

    init(policy: Policy, contacts: [String: Contact], asks: UnitAskWords, normalizer: Normalizer) {
        var duties: [String: UnitDuties] = [:]
        for clause in policy.clauses {
            if let lead = clause.leadUnit { duties[lead, default: UnitDuties()].leads.append(clause.number) }
            for unit in clause.units where unit != clause.leadUnit {
                duties[unit, default: UnitDuties()].shares.append(clause.number)
            }
        }
        for unit in contacts.keys where duties[unit] == nil { duties[unit] = UnitDuties() }
        self.duties = duties

        var names: [Name] = []
        for unit in duties.keys {
            var spellings = [unit] + (contacts[unit]?.aliases ?? [])
            // 「区财政局」 is 「财政局」 to anyone in the district.
            if unit.hasPrefix("区"), unit.count >= 4 { spellings.append(String(unit.dropFirst())) }
            for spelling in spellings {
                let scalars = normalizer.normalizedScalars(spelling)
                if scalars.count >= 2 { names.append(Name(scalars: scalars, unit: unit)) }
            }
        }
        var byLast: [UInt32: [Name]] = [:]
        for name in names { byLast[name.scalars[name.scalars.count - 1], default: []].append(name) }
        self.namesByLastScalar = byLast.mapValues { $0.sorted { $0.scalars.count > $1.scalars.count } }
        self.lastScalars = byLast.keys.sorted()
        let words = { (list: [String]) in
            list.map { normalizer.normalizedScalars($0) }.filter { !$0.isEmpty }
        }
        self.contactWords = words(asks.contact)
        self.dutyWords = words(asks.duties)
    }

    /// The units `scalars` (a normalized question) names and what it asks of them, or nil when it
    /// names no unit or asks nothing a unit answers.
    func read(_ scalars: [UInt32]) -> UnitQuestion? {
        guard !namesByLastScalar.isEmpty else { return nil }
        var units: [String] = []
        var index = scalars.count - 1
        // Scanned from the end so that a longer name wins over the shorter one it ends with
        // (区人民法院 over 法院); the units are reported in reading order.
        while index >= 0 {
            if lastScalars.contains(scalars[index]), let names = namesByLastScalar[scalars[index]],
                let name = names.first(where: { Self.ends(scalars, at: index, with: $0.scalars) })
            {
                if !units.contains(name.unit) { units.insert(name.unit, at: 0) }
                index -= name.scalars.count
            } else {
                index -= 1
            }
        }
        guard !units.isEmpty else { return nil }
        let asksDuties = dutyWords.contains { Self.contains(scalars, $0) }
        guard asksDuties || contactWords.contains(where: { Self.contains(scalars, $0) }) else { return nil }
        return UnitQuestion(units: units, asksDuties: asksDuties)
    }

    private static func ends(_ text: [UInt32], at end: Int, with word: [UInt32]) -> Bool {
        let start = end - word.count + 1
        guard start >= 0 else { return false }
        for offset in 0..<word.count where text[start + offset] != word[offset] { return false }
        return true
    }

    private static func contains(_ text: [UInt32], _ word: [UInt32]) -> Bool {
        guard word.count <= text.count else { return false }
        for end in (word.count - 1)..<text.count where ends(text, at: end, with: word) { return true }
        return false
    }
}
