import Desk
import Foundation
import Matching
import PolicyKit

/// The number reader, the fact extractor and the calculator over the shipped policy.
///
/// The first byte chooses the mode. Even: the rest is a question; the numbers read from it lie
/// in order inside the normalized text, within their plausible ranges, and whatever facts are
/// extracted, no item's award is negative or above its ceiling. Odd: the rest sets the facts
/// directly (nine bytes per fact, in `FactName` order), for the same award properties.
enum NumbersFuzz {
    static let knowledge: KnowledgeBase = {
        let loader = KnowledgeBaseLoader(
            intents: repositoryRoot.appendingPathComponent("Intents"),
            templates: repositoryRoot.appendingPathComponent("Templates"))
        do {
            return try loader.load()
        } catch {
            fatalError("the shipped Intents/ do not load: \(error)")
        }
    }()

    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        guard let mode = input.first else { return }
        let rest = input[1...]
        if mode % 2 == 0 {
            try question(String(decoding: rest, as: UTF8.self))
        } else {
            try awards(facts(from: rest))
        }
    }

    static func question(_ text: String) throws(FuzzFailure) {
        let scalars = knowledge.normalizer.normalizedScalars(text)
        let mentions = NumberReader.mentions(in: scalars)
        var end = 0
        for mention in mentions {
            try expect(mention.range.lowerBound >= end, "mentions overlap or are out of order: \(mentions)")
            try expect(mention.range.upperBound <= scalars.count, "a mention ends past the text: \(mention)")
            try expect(!mention.range.isEmpty, "an empty mention: \(mention)")
            end = mention.range.upperBound
            try expect(mention.value >= 0, "a negative number: \(mention)")
            switch mention.kind {
            case .money:
                try expect(mention.value <= NumberReader.plausibleYuan, "implausible money read as money: \(mention)")
            case .count:
                try expect(
                    mention.value <= NumberReader.plausibleCount, "implausible count read as a count: \(mention)")
            default: break
            }
        }
        try expect(
            NumberReader.mentions(in: Normalizer.string(scalars)) == mentions, "the String and scalar readers disagree")
        let extraction = knowledge.factExtractor.extract(scalars: scalars)
        for money in extraction.money {
            try expect((0...NumberReader.plausibleYuan).contains(money.yuan), "extracted money \(money.yuan)")
        }
        for (name, value) in extraction.facts.values {
            if let number = value.number { try expect(number >= 0, "extracted \(name) = \(number)") }
        }
        for item in knowledge.policy.items {
            try award(item, facts: extraction.facts(for: item.award))
        }
    }

    /// Facts as a roster or a conversation could state them: amounts and counts within the plausible ranges.
    static func facts(from bytes: ArraySlice<UInt8>) -> Facts {
        var facts = Facts()
        var bytes = bytes[...]
        for name in FactName.allCases {
            guard bytes.count >= 9 else { break }
            let present = bytes[bytes.startIndex]
            let word = bytes[(bytes.startIndex + 1)..<(bytes.startIndex + 9)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            bytes = bytes.dropFirst(9)
            guard present % 4 != 0 else { continue }
            switch name.kind {
            case .yuan: facts[name] = .yuan(Int64(word % UInt64(NumberReader.plausibleYuan + 1)))
            case .count: facts[name] = .count(Int(word % UInt64(NumberReader.plausibleCount + 1)))
            case .flag: facts[name] = .flag(word % 2 == 0)
            case .choice(let choices):
                facts[name] = .choice(choices.isEmpty ? "" : choices[Int(word % UInt64(choices.count))])
            }
        }
        return facts
    }

    static func awards(_ facts: Facts) throws(FuzzFailure) {
        for item in knowledge.policy.items {
            try award(item, facts: facts)
        }
    }

    static func award(_ item: Item, facts: Facts) throws(FuzzFailure) {
        guard let calculation = Calculator.evaluate(item, facts: facts) else { return }
        if let yuan = calculation.yuan {
            try expect(yuan >= 0, "item \(item.id) pays \(yuan) for \(facts)")
            if let max = calculation.maxYuan {
                try expect(yuan <= max, "item \(item.id) pays \(yuan), above its ceiling \(max), for \(facts)")
            }
            _ = Money.words(yuan)
        }
        if let max = calculation.maxYuan {
            try expect(max >= 0, "item \(item.id) has the ceiling \(max) for \(facts)")
        }
    }
}
