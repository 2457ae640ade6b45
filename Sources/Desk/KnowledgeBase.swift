public import Foundation
public import Matching
public import Mustache
public import PolicyKit

/// A unit's contact details, as staff fill them in `Intents/contacts.yaml`.
public struct Contact: Sendable, Equatable {
    public var unit: String
    public var phone: String
    public var address: String
    public var person: String
    public var hours: String
    /// Other names people call the unit by (发改委 for 区发展和改革委员会).
    public var aliases: [String]

    public init(
        unit: String, phone: String = "", address: String = "", person: String = "", hours: String = "",
        aliases: [String] = []
    ) {
        self.unit = unit
        self.phone = phone
        self.address = address
        self.person = person
        self.hours = hours
        self.aliases = aliases
    }

    /// The filled fields in words; empty when staff have filled nothing.
    public var filledFields: [String] {
        [("电话", phone), ("地址", address), ("联系人", person), ("办公时间", hours)]
            .filter { !$0.1.trimmingCharacters(in: .whitespaces).isEmpty }
            .map { "\($0.0)：\($0.1)" }
    }
}

/// Everything the bot knows, loaded and checked: the policy, how to read questions, and
/// how to write replies. Immutable: a reload builds a new one and swaps it in whole. A class
/// so that handing a snapshot around costs one reference, not one per part.
public final class KnowledgeBase: Sendable {
    /// The plan.
    public let policy: Policy
    /// The words folded before matching.
    public let lexicon: Lexicon
    /// The folding itself.
    public let normalizer: Normalizer
    /// The item matcher.
    public let matcher: Matcher
    /// Reads what a question says about items' conditions in words.
    public let conditionReader: ConditionReader
    /// The words that tell what a question states (`facts.yaml`).
    public let factCues: FactCues
    /// Reads the facts a question states with those words.
    public let factExtractor: FactExtractor
    /// Short phrases of small talk by kind (greeting, thanks, identity).
    public let smalltalk: [String: [String]]
    /// Out-of-scope example questions, as written.
    public let outOfScopeExamples: [String]
    /// Phrases that mark a question as a near miss (购房补贴), as written.
    public let nearMisses: [String]
    /// Words common to the plan and other business (高新区, 银行), as written.
    public let genericWords: [String]
    /// Contacts by unit name.
    public let contacts: [String: Contact]
    /// The words that make a question one about a unit (`contacts.yaml`, `asks`).
    let unitAsks: UnitAskWords
    /// Every unit with its names and duties.
    let units: UnitDirectory
    /// The reply templates.
    public let templates: MustacheLibrary
    /// When it was loaded.
    public let loadedAt: Date
    /// Rules loaded while still marked `review: true`; above 0 the knowledge base is a draft.
    public let unreviewedRules: Int
    /// Whether this is a draft (loaded with `allowDraft`): every answer says so.
    public var isDraft: Bool { unreviewedRules > 0 }
    /// The line every reply of a draft starts with.
    public static let draftNotice = "【草稿】本知识库由方案原文导入，规则尚未经人工核对，金额与条件仅供参考。"
    /// Replies rendered from this snapshot; a reload starts a new cache with the new snapshot.
    let replies = BoundedCache<ReplyKey, String>(capacity: 4096)
    /// Questions already read, for the same snapshot only.
    let readings = BoundedCache<String, Reading>(capacity: 8192)

    init(
        policy: Policy, lexicon: Lexicon, smalltalk: [String: [String]], outOfScope: [String],
        nearMisses: [String], genericWords: [String] = [], contacts: [String: Contact],
        unitAsks: UnitAskWords = UnitAskWords(), templates: MustacheLibrary, tuning: MatcherTuning,
        factCues: FactCues, unreviewedRules: Int = 0
    ) {
        self.unreviewedRules = unreviewedRules
        self.genericWords = genericWords
        self.policy = policy
        self.lexicon = lexicon
        self.normalizer = Normalizer(lexicon: lexicon)
        self.matcher = Matcher(
            corpus: MatcherCorpus(
                policy: policy, outOfScope: outOfScope, nearMisses: nearMisses, genericWords: genericWords),
            normalizer: normalizer, tuning: tuning)
        self.conditionReader = ConditionReader(policy: policy, normalizer: normalizer)
        self.factCues = factCues
        self.factExtractor = FactExtractor(cues: factCues, normalizer: normalizer)
        let normalizer = Normalizer(lexicon: lexicon)
        self.smalltalk = smalltalk.mapValues {
            $0.map { Self.stripped(normalizer.normalize($0)) }.filter { !$0.isEmpty }
        }
        self.outOfScopeExamples = outOfScope
        self.nearMisses = nearMisses
        self.contacts = contacts
        self.unitAsks = unitAsks
        self.units = UnitDirectory(policy: policy, contacts: contacts, asks: unitAsks, normalizer: self.normalizer)
        self.templates = templates
        self.loadedAt = Date()
    }

    /// The clauses `unit` leads and those it shares as a 责任单位.
    public func duties(of unit: String) -> UnitDuties {
        units.duties[unit] ?? UnitDuties()
    }

    /// The form in which two questions count as the same for staff review: normalized,
    /// without spaces and punctuation (「停车位怎么租」 and 「停车位怎么租？」 are one).
    public func reviewKey(for question: String) -> String {
        Self.stripped(normalizer.normalize(question))
    }

    /// Text without spaces and punctuation, the form small talk is compared in.
    static func stripped(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            let v = s.value
            let isPunctuationOrSpace =
                v < 0x30 || (v >= 0x3A && v <= 0x40) || (v >= 0x5B && v <= 0x60)
                || (v >= 0x7B && v <= 0x7F) || (v >= 0x3000 && v <= 0x303F) || (v >= 0xFF00 && v <= 0xFF0F)
                || (v >= 0xFF1A && v <= 0xFF20) || v == 0x2026 || (v >= 0x2018 && v <= 0x201F)
            if !isPunctuationOrSpace { out.append(s) }
        }
        return String(out)
    }

    /// The same knowledge with a different policy (a benchmark scales the items up).
    public func replacingPolicy(_ policy: Policy) -> KnowledgeBase {
        KnowledgeBase(
            policy: policy, lexicon: lexicon, smalltalk: smalltalk, outOfScope: outOfScopeExamples,
            nearMisses: nearMisses, genericWords: genericWords, contacts: contacts, unitAsks: unitAsks,
            templates: templates,
            tuning: matcher.tuning, factCues: factCues, unreviewedRules: unreviewedRules)
    }
}
