import PolicyKit
import Testing

@Suite("Money")
struct MoneyTests {
    @Test(
        "words: 万 or 亿 where the amount reads exactly, otherwise yuan with separators",
        arguments: [
            (Int64(200_000), "20万"),
            (1_560_000, "156万"),
            (120_000_000, "1.2亿"),
            (100_000_000, "1亿"),
            (1_000_000_000, "10亿"),
            (50_000_000, "5000万"),  // below 1亿 stays in 万
            (100_500_000, "10050万"),  // not a round 1.005亿: written in 万
            (10_000, "1万"),
            (15_000, "1.5万"),
            (10_100, "1.01万"),
            (10_050, "10,050元"),  // not a whole hundred: yuan
            (5_000, "5,000元"),  // under 1万: yuan
            (999, "999元"),
            (12_345, "12,345元"),  // not a whole hundred: yuan
            (123_456_789, "123,456,789元"),
            (0, "0元"),
            (-200_000, "-20万"),
        ])
    func words(yuan: Int64, text: String) {
        #expect(Money.words(yuan) == text)
    }

    @Test(
        "yuan: always in yuan, with thousands separators",
        arguments: [(Int64(200_000), "200,000元"), (0, "0元"), (1_000, "1,000元"), (999, "999元"), (-1_234, "-1,234元")])
    func yuan(yuan: Int64, text: String) {
        #expect(Money.yuan(yuan) == text)
    }
}

@Suite("Facts")
struct FactsTests {
    @Test("numbers are read from amounts and counts only")
    func numbers() {
        #expect(FactValue.yuan(300).number == 300)
        #expect(FactValue.count(5).number == 5)
        #expect(FactValue.flag(true).number == nil)
        #expect(FactValue.choice("above").number == nil)
    }

    @Test("merging keeps both sides and lets the newer value win")
    func merging() {
        let old = Facts([.scale: .choice("below"), .cityAmount: .yuan(1)])
        let new = Facts([.scale: .choice("above"), .patents: .count(2)])
        let merged = old.merging(new)
        #expect(merged[.scale] == .choice("above"))
        #expect(merged[.cityAmount] == .yuan(1))
        #expect(merged[.patents] == .count(2))
        #expect(merged.values.count == 3)
    }

    @Test("every fact has a question and a label for replies, and its documented kind")
    func namesAndKinds() {
        for fact in FactName.allCases {
            #expect(!fact.question.isEmpty)
            #expect(!fact.label.isEmpty)
        }
        #expect(FactName.scale.kind == .choice(["above", "below"]))
        #expect(FactName.listingStage.kind == .choice(["listed", "accepted", "ipo", "all"]))
        #expect(FactName.patents.kind == .count)
        #expect(FactName.usedForHighTech.kind == .flag)
        #expect(FactName.cityAmount.kind == .yuan)
        #expect(FactName.allCases.filter(\.isGrantAmount) == [.cityAmount, .regionAmount, .superiorAmount])
    }
}
