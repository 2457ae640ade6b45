import Matching
import PolicyKit
import Testing

/// What the extractor reads from `question`, normalized the way the desk does (without a lexicon).
private func extract(_ question: String) -> Extraction {
    ShippedCues.plain.extract(Normalizer(lexicon: .empty).normalize(question))
}

typealias Amount = Extraction.Money

@Suite("FactExtractor: scale")
struct ScaleExtractionTests {
    @Test(
        "规上 and 规下, in full or abbreviated",
        arguments: [
            ("规上企业首次认定高企", "above"), ("我们是规模以上工业企业", "above"),
            ("规下企业能拿多少", "below"), ("规模以下的小公司", "below"),
        ])
    func scale(question: String, value: String) {
        #expect(extract(question).facts[.scale] == .choice(value))
    }

    @Test("no scale when the question names none")
    func none() {
        #expect(extract("新认定的高企能拿多少钱").facts[.scale] == nil)
    }
}

@Suite("FactExtractor: amounts and their roles")
struct MoneyExtractionTests {
    @Test(
        "the words around an amount say what it is",
        arguments: [
            ("市里给了300万", [Amount(yuan: 3_000_000, role: .cityAmount)]),
            ("鄂尔多斯市补助额度200万", [Amount(yuan: 2_000_000, role: .cityAmount)]),
            ("自治区批了200万", [Amount(yuan: 2_000_000, role: .regionAmount)]),
            ("省里给了两百万", [Amount(yuan: 2_000_000, role: .regionAmount)]),
            (
                "利息50万加担保费30万",
                [Amount(yuan: 500_000, role: .interest), Amount(yuan: 300_000, role: .guaranteeFee)]
            ),
            (
                "研发投入4000万，扣掉财政支持1000万",
                [Amount(yuan: 40_000_000, role: .rdSpending), Amount(yuan: 10_000_000, role: .fiscalSupport)]
            ),
            (
                "研发投入5000万，其中1000万是财政补的",
                [Amount(yuan: 50_000_000, role: .rdSpending), Amount(yuan: 10_000_000, role: .fiscalSupport)]
            ),
            ("拿到风投3000万", [Amount(yuan: 30_000_000, role: .investment)]),
            ("迁入当年销售收入150万", [Amount(yuan: 1_500_000, role: .salesRevenue)]),
            ("给了300万", [Amount(yuan: 3_000_000, role: nil)]),
        ] as [(String, [Amount])])
    func roles(question: String, money: [Amount]) {
        #expect(extract(question).money == money)
    }

    @Test("「无财政支持」 does not make the amount before it a 财政支持")
    func negatedFiscalSupport() {
        let unlabelled = extract("去年投了3000万，无财政支持")
        #expect(unlabelled.money == [Amount(yuan: 30_000_000, role: nil)])

        let spending = extract("上年度研发经费总额2000万，无财政支持")
        #expect(spending.money == [Amount(yuan: 20_000_000, role: .rdSpending)])
        #expect(!spending.money.contains { $0.role == .fiscalSupport })
    }

    @Test("a question with no amount has no money")
    func noMoney() {
        #expect(extract("科技特派员有什么支持").money.isEmpty)
        #expect(extract("科技特派员有什么支持").isEmpty)
    }
}

@Suite("FactExtractor: patents")
struct PatentExtractionTests {
    @Test(
        "the number of patents and of industrialized ones",
        arguments: [
            ("规上企业5件发明专利，2件产业化", 5, Int?(2)),
            ("有三项发明专利，其中两项形成产业化", 3, 2),
            ("有3项发明专利，都产业化了", 3, 3),
            ("4个专利全部产业化", 4, 4),
            ("6件发明专利能拿多少", 6, nil),
        ] as [(String, Int, Int?)])
    func counts(question: String, patents: Int, industrialized: Int?) {
        let facts = extract(question).facts
        #expect(facts[.patents] == .count(patents))
        #expect(facts[.industrializedPatents] == industrialized.map { .count($0) })
    }

    @Test(
        "whether the patents were used for 高企申报",
        arguments: [
            ("5件发明专利，未用于高企申报", Bool?(false)),
            ("5件专利都没用于高新技术企业申报", false),
            ("5件专利已用于高新技术企业申报", true),
            ("专利已经用来申报高新技术企业了", true),
            ("3项发明专利没拿去申报高新技术企业", false),
            ("5件发明专利", nil),
        ] as [(String, Bool?)])
    func usedForHighTech(question: String, used: Bool?) {
        #expect(extract(question).facts[.usedForHighTech] == used.map { .flag($0) })
    }

    @Test("counts in a question that is not about patents are not patents")
    func notPatents() {
        #expect(extract("三项奖补一共多少").facts[.patents] == nil)
    }
}

@Suite("FactExtractor: listing stage and totals")
struct ListingExtractionTests {
    @Test(
        "the stage of a 科创板 listing",
        arguments: [
            ("在股权交易市场科创板挂牌了", String?("listed")),
            ("首发上市申请材料被证监会受理了", "accepted"),
            ("成功上市发行后还给多少", "ipo"),
            ("科创板上市全部阶段给多少", "all"),
            ("上市奖补有哪些", nil),
            ("高企认定奖补", nil),
        ] as [(String, String?)])
    func stage(question: String, stage: String?) {
        #expect(extract(question).facts[.listingStage] == stage.map { .choice($0) })
    }

    @Test(
        "a word for the sum in a question about a listing asks for the whole listing",
        arguments: ["科创板上市一共给多少", "科创板上市总共给多少", "上市加起来能拿多少", "上市奖补合计多少"])
    func wholeListing(question: String) {
        #expect(extract(question).facts[.listingStage] == .choice("all"))
    }

    @Test(
        "a total over two awards needs a word for the sum and a word joining two things",
        arguments: [
            ("小巨人和专精特新同时认定，两项一共多少", true),
            ("一共多少钱", false),
            ("两项分别多少", false),
        ])
    func total(question: String, asks: Bool) {
        #expect(extract(question).asksForTotal == asks)
    }
}

@Suite("Extraction.facts(for:)")
struct ExtractionBindingTests {
    static let city = AwardRule.percent(PercentRule(percent: 100, base: [BaseTerm(fact: .cityAmount)]))
    static let region = AwardRule.percent(PercentRule(percent: 10, base: [BaseTerm(fact: .regionAmount)]))
    static let superior = AwardRule.percent(
        PercentRule(percent: 30, base: [BaseTerm(fact: .superiorAmount)], maxYuan: 5_000_000))
    static let community = AwardRule.percent(
        PercentRule(
            percent: 20, base: [BaseTerm(fact: .rdSpending), BaseTerm(fact: .fiscalSupport, subtracts: true)],
            maxYuan: 5_000_000))
    static let loan = AwardRule.perYear(
        PercentRule(percent: 50, base: [BaseTerm(fact: .interest), BaseTerm(fact: .guaranteeFee)], maxYuan: 300_000),
        years: 3)

    @Test("an amount goes to the term its words name")
    func byRole() {
        let e = Extraction(money: [Amount(yuan: 3_000_000, role: .cityAmount)])
        #expect(e.facts(for: Self.city)[.cityAmount] == .yuan(3_000_000))
    }

    @Test("an amount without words goes to the first term")
    func unlabelled() {
        let e = Extraction(money: [Amount(yuan: 3_000_000, role: nil)])
        #expect(e.facts(for: Self.city)[.cityAmount] == .yuan(3_000_000))
    }

    @Test("either level's grant stands for 自治区或市 支持额度")
    func superiorAmount() {
        for role in [FactName.cityAmount, .regionAmount] {
            let e = Extraction(money: [Amount(yuan: 2_000_000, role: role)])
            #expect(e.facts(for: Self.superior)[.superiorAmount] == .yuan(2_000_000))
        }
    }

    @Test("a grant named for the other level is taken when the rule's own level is not stated")
    func otherLevel() {
        let e = Extraction(money: [Amount(yuan: 12_000_000, role: .cityAmount), Amount(yuan: 1, role: .interest)])
        let facts = e.facts(for: Self.region)
        #expect(facts[.regionAmount] == .yuan(12_000_000))
        #expect(facts[.cityAmount] == .yuan(12_000_000))
    }

    @Test("the rule's own level wins over the other level")
    func ownLevelFirst() {
        let e = Extraction(money: [
            Amount(yuan: 5_000_000, role: .cityAmount), Amount(yuan: 2_000_000, role: .regionAmount),
        ])
        #expect(e.facts(for: Self.region)[.regionAmount] == .yuan(2_000_000))
        #expect(e.facts(for: Self.city)[.cityAmount] == .yuan(5_000_000))
    }

    @Test("one amount for a rule with one term is that term, whatever its words")
    func singleAmount() {
        let e = Extraction(money: [Amount(yuan: 500_000, role: .interest)])
        #expect(e.facts(for: Self.city)[.cityAmount] == .yuan(500_000))
    }

    @Test("two amounts named for other things are not forced onto the term")
    func twoOtherAmounts() {
        let e = Extraction(money: [Amount(yuan: 500_000, role: .interest), Amount(yuan: 300_000, role: .guaranteeFee)])
        #expect(e.facts(for: Self.city)[.cityAmount] == nil)
    }

    @Test("two amounts fill two terms by their words, or in order without words")
    func twoTerms() {
        let named = Extraction(money: [
            Amount(yuan: 300_000, role: .guaranteeFee), Amount(yuan: 500_000, role: .interest),
        ])
        #expect(named.facts(for: Self.loan)[.interest] == .yuan(500_000))
        #expect(named.facts(for: Self.loan)[.guaranteeFee] == .yuan(300_000))

        let plain = Extraction(money: [Amount(yuan: 400_000, role: nil), Amount(yuan: 100_000, role: nil)])
        #expect(plain.facts(for: Self.loan)[.interest] == .yuan(400_000))
        #expect(plain.facts(for: Self.loan)[.guaranteeFee] == .yuan(100_000))
    }

    @Test("a deduction is only ever an amount named as one")
    func deduction() {
        let named = Extraction(money: [
            Amount(yuan: 40_000_000, role: nil), Amount(yuan: 10_000_000, role: .fiscalSupport),
        ])
        #expect(named.facts(for: Self.community)[.rdSpending] == .yuan(40_000_000))
        #expect(named.facts(for: Self.community)[.fiscalSupport] == .yuan(10_000_000))

        let unnamed = Extraction(money: [
            Amount(yuan: 40_000_000, role: .rdSpending), Amount(yuan: 10_000_000, role: nil),
        ])
        #expect(unnamed.facts(for: Self.community)[.rdSpending] == .yuan(40_000_000))
        #expect(unnamed.facts(for: Self.community)[.fiscalSupport] == nil)
    }

    @Test("for a rule without a base, named amounts still count (for conditions) and unnamed ones do not")
    func conditions() {
        let e = Extraction(
            facts: Facts([.scale: .choice("above")]),
            money: [Amount(yuan: 1_500_000, role: .salesRevenue), Amount(yuan: 9, role: nil)])
        let facts = e.facts(for: .fixed(yuan: 200_000))
        #expect(facts[.salesRevenue] == .yuan(1_500_000))
        #expect(facts[.scale] == .choice("above"))
        #expect(facts.values.count == 2)
    }

    @Test("from a question to a calculation: 研发投入4000万，扣掉财政支持1000万 → 600万, capped at 500万")
    func endToEnd() {
        let e = extract("研发投入4000万，扣掉财政支持1000万")
        let item = Item(id: "25.2", clause: 25, title: "利益共同体", text: "", award: Self.community)
        #expect(Calculator.evaluate(item, facts: e.facts(for: Self.community))?.yuan == 5_000_000)
        let small = extract("研发投入2000万，其中500万是财政补的")
        #expect(Calculator.evaluate(item, facts: small.facts(for: Self.community))?.yuan == 3_000_000)
    }
}

@Suite("FactExtractor: which year of a subsidy, and bare amounts")
struct SubsidyYearExtractionTests {
    @Test(
        "第N年 is year N; 补了N年 asks about year N+1; a calendar year is no year of a subsidy",
        arguments: [
            ("贴息第四年还能补吗", Int?(4)), ("贴息第2年利息30万", 2), ("已经补了三年了，还能补吗", 4),
            ("贴息享受了2年", 3), ("2025年贷款利息40万", nil), ("贷款三年期，利息40万", nil),
        ])
    func year(question: String, year: Int?) {
        #expect(extract(question).facts[.subsidyYear] == year.map { .count($0) })
    }

    @Test(
        "a bare number right after what it is is that amount in yuan; a small one is not",
        arguments: [
            ("担保费五千", [Amount(yuan: 5_000, role: .guaranteeFee)]),
            ("利息是3000", [Amount(yuan: 3_000, role: .interest)]),
            ("研发3件专利", []),
        ])
    func bareAmount(question: String, money: [Amount]) {
        #expect(extract(question).money == money)
    }

    @Test("研发 says R&D spending only right before the amount")
    func researchRightBefore() {
        #expect(extract("去年研发1.2亿").money == [Amount(yuan: 120_000_000, role: .rdSpending)])
        #expect(extract("研发中心复核通过，奖20万").money.first?.role != .rdSpending)
    }
}
