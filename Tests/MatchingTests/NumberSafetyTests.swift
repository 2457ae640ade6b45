import Foundation
import Matching
import PolicyKit
import TestSupport
import Testing

@Suite("Numbers from strangers never trap")
struct NumberSafetyTests {
    /// Each of these ended the process with an Int64 overflow.
    @Test(
        "numbers past 64 bits or past belief are read whole as implausible",
        arguments: [
            "一亿亿亿", "1000000000000亿", "999999999999999万", "九千九百九十九亿亿亿亿", "99999999999999999999",
            "12345678901234567890万元",
        ]
    )
    func implausible(text: String) {
        let mentions = NumberReader.mentions(in: text)
        #expect(mentions.count == 1, "\(text) is one number: \(mentions)")
        #expect(mentions.first?.kind == .implausible)
        #expect(mentions.first?.range.lowerBound == 0)
    }

    @Test("the tail of a too-long digit run is not read as a number of its own")
    func noTailMisreading() {
        let mentions = NumberReader.mentions(in: "市里补了1234567890123456789万")
        #expect(mentions.allSatisfy { $0.kind == .implausible }, "\(mentions)")
        #expect(ShippedCues.plain.extract("市里补了1234567890123456789万").money.isEmpty)
    }

    @Test(
        "amounts up to 10万亿 are still amounts",
        arguments: [("100000亿", Int64(10_000_000_000_000)), ("9999亿", 999_900_000_000)])
    func plausibleEdge(text: String, yuan: Int64) {
        #expect(NumberReader.mentions(in: text).map(\.value) == [yuan])
    }

    @Test("just past 10万亿 is implausible")
    func pastEdge() {
        #expect(NumberReader.mentions(in: "10万零1亿").allSatisfy { $0.kind != .money || $0.value <= Money.plausibleYuan })
        #expect(NumberReader.mentions(in: "10000000000001元").first?.kind == .implausible)
    }

    /// Every rule shape of the plan, with the largest facts a question can state.
    static let rules: [AwardRule] = [
        .percent(PercentRule(percent: 100, base: [BaseTerm(fact: .cityAmount)])),
        .percent(PercentRule(percent: 20, base: [BaseTerm(fact: .regionAmount)], maxYuan: 1_000_000)),
        .percent(
            PercentRule(
                percent: 20, base: [BaseTerm(fact: .rdSpending), BaseTerm(fact: .fiscalSupport, subtracts: true)],
                maxYuan: 5_000_000)),
        .perYear(
            PercentRule(
                percent: 50, base: [BaseTerm(fact: .interest), BaseTerm(fact: .guaranteeFee)], maxYuan: 300_000),
            years: 3),
        .perUnit(
            PerUnitRule(
                fact: .patents, yuanEach: 50_000,
                bonuses: [PerUnitRule.Bonus(fact: .industrializedPatents, yuanEach: 50_000)], maxYuan: 500_000)),
    ]

    @Test("the calculator reports overflow instead of trapping, whatever the facts")
    func calculatorNeverTraps() {
        let extremes: [Int64] = [
            Int64.max, Int64.max - 1, Int64.max / 2, Int64.max / 100 + 1, Money.plausibleYuan, 0, -1, Int64.min + 1,
        ]
        for rule in Self.rules {
            for a in extremes {
                for b in extremes {
                    var facts = Facts()
                    for fact in [FactName.cityAmount, .regionAmount, .rdSpending, .interest] { facts[fact] = .yuan(a) }
                    for fact in [FactName.fiscalSupport, .guaranteeFee] { facts[fact] = .yuan(b) }
                    facts[.patents] = .count(Int(truncatingIfNeeded: a))
                    facts[.industrializedPatents] = .count(Int(truncatingIfNeeded: b))
                    let result = Calculator.evaluate(rule, facts: facts)
                    if let yuan = result?.yuan, let cap = rule.upperBound {
                        #expect(yuan <= cap, "\(rule) with \(a), \(b) paid \(yuan) over its cap")
                    }
                }
            }
        }
    }

    @Test("a percent of a base too large for 64 bits asks for the base again")
    func overflowAsksAgain() {
        var facts = Facts()
        facts[.cityAmount] = .yuan(Int64.max / 10)
        let result = Calculator.evaluate(Self.rules[0], facts: facts)
        #expect(result?.yuan == nil)
        #expect(result?.needs == [.cityAmount])
        #expect(result?.formula.contains("过大") == true)
    }

    /// Pieces of the ways amounts are written, joined at random.
    static let pieces = [
        "0", "1", "9", "5", "12", "999999999", "1,000", ",", ".", "。", "．", " ", "万", "亿", "千", "百", "十", "元", "块", "w",
        "k", "%",
        "一", "二", "两", "三", "九", "零", "〇", "万万", "亿亿", "件", "项", "个", "市里补了", "自治区给了", "利息", "担保费",
        "研发投入", "扣除", "专利", "产业化", "规上", "１", "２", "百万", "千万", "十万", "一万五", "1.5", "0.0001", "9999",
    ]

    @Test("thousands of generated amounts are read and computed without a trap, and read whole")
    func generatedAmounts() {
        let seed = PropertySeed.value
        var random = SeededGenerator(seed: seed)
        for round in 0..<5000 {
            let length = Int.random(in: 1...24, using: &random)
            let text = (0..<length).map { _ in Self.pieces.randomElement(using: &random)! }.joined()
            let mentions = NumberReader.mentions(in: text)
            var end = 0
            for mention in mentions {
                #expect(mention.range.lowerBound >= end, "seed \(seed) round \(round): overlapping mentions in \(text)")
                end = mention.range.upperBound
                if mention.kind == .money {
                    #expect(
                        (0...Money.plausibleYuan).contains(mention.value),
                        "seed \(seed) round \(round): \(text) → \(mention)")
                }
            }
            let extraction = ShippedCues.plain.extract(text)
            for rule in Self.rules {
                let result = Calculator.evaluate(rule, facts: extraction.facts(for: rule))
                if let yuan = result?.yuan {
                    #expect(yuan >= 0, "seed \(seed) round \(round): \(text) paid \(yuan)")
                }
            }
        }
    }
}
