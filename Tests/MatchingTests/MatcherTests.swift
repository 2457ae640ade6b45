import Matching
import PolicyKit
import Testing

/// A tiny corpus: three items and a few questions to refuse.
private enum Tiny {
    static let normalizer = Normalizer(
        lexicon: Lexicon(replacements: ["高企": "高新技术企业", "帖息": "贴息", "服化器": "孵化器"]))

    static let corpus = MatcherCorpus(
        entries: [
            MatcherCorpus.Entry(
                itemID: "12.2", clause: 12, facts: [.scale], paysMoney: true,
                examples: ["新认定的高企能拿多少钱", "首次认定高新技术企业有什么奖励", "高企认定奖补标准"],
                descriptions: ["首次认定国家高新技术企业", "对首次认定的国家高新技术企业，再给予规模以上企业一次性20万元奖补"]),
            MatcherCorpus.Entry(
                itemID: "7.3", clause: 7, facts: [.patents, .industrializedPatents], paysMoney: true,
                examples: ["发明专利能拿多少奖补", "专利产业化了有没有奖励", "5件发明专利给多少钱"],
                descriptions: ["核心发明专利", "给予每项专利5万元奖补，形成产业化的，每项专利再给予5万元奖补"]),
            MatcherCorpus.Entry(
                itemID: "28.1", clause: 28, facts: [.interest, .guaranteeFee], paysMoney: true,
                examples: ["科技贷款贴息怎么算", "贷款利息和担保费能补贴多少", "科技信贷贴息找谁"],
                descriptions: ["科技信贷、科技保险贴息", "按照实际贷款利息及担保费用的50%给予补贴"]),
            MatcherCorpus.Entry(
                itemID: "5.1", clause: 5, facts: [], paysMoney: true,
                examples: ["国家级孵化器认定奖补多少", "国家级加速器有补贴吗"],
                descriptions: ["国家级科技企业加速器、孵化器、专业化众创空间"], level: .national),
            MatcherCorpus.Entry(
                itemID: "5.2", clause: 5, facts: [], paysMoney: true,
                examples: ["自治区级孵化器认定奖补多少", "自治区级加速器有补贴吗"],
                descriptions: ["自治区级科技企业加速器、孵化器、专业化众创空间"], level: .region),
        ],
        outOfScope: [
            "社保怎么交", "营业执照怎么办理", "公积金怎么提取", "今天天气怎么样", "孵化器里的办公室月租多少",
            "购房补贴怎么申请", "农机购置补贴标准",
        ],
        nearMisses: ["购房补贴", "农机补贴"])

    static let matcher = Matcher(corpus: corpus, normalizer: normalizer)

    static func rank(_ question: String) -> Ranking {
        let normalized = normalizer.normalize(question)
        return matcher.rank(normalized, extraction: ShippedCues.extractor(normalizer).extract(normalized))
    }
}

@Suite("Matcher on a tiny corpus")
struct MatcherTests {
    @Test(
        "the right item ranks first, for wordings the corpus does not hold",
        arguments: [
            ("我们公司刚被认定为高新技术企业，奖励多少", "12.2"),
            ("高企首次认定给钱吗", "12.2"),  // 高企 folds to 高新技术企业
            ("有3件发明专利都产业化了，能奖多少", "7.3"),
            ("银行贷款的利息能补贴吗", "28.1"),
            ("科技贷款帖息", "28.1"),  // a miswriting folded by the lexicon
            ("国家级孵化器刚认定，有多少奖补", "5.1"),
            ("自治区级服化器认定了能拿多少", "5.2"),  // the level named decides between alike items
        ])
    func ranksFirst(question: String, item: String) {
        let ranking = Tiny.rank(question)
        #expect(ranking.candidates.first?.itemID == item)
        #expect(!ranking.isOutOfScope)
    }

    @Test(
        "questions the bot must refuse are refused",
        arguments: ["社保怎么交啊", "营业执照去哪里办理", "明天天气怎么样", "有没有购房补贴", "农机补贴标准是多少", "孵化器里的办公室月租多少钱"])
    func refuses(question: String) {
        #expect(Tiny.rank(question).isOutOfScope)
    }

    @Test("a question with nothing the corpus knows is refused with no candidates", arguments: ["", "？？？", "hello"])
    func nothingKnown(question: String) {
        let ranking = Tiny.rank(question)
        #expect(ranking.isOutOfScope)
        #expect(ranking.candidates.isEmpty)
        #expect(ranking.confidence == 0)
    }

    @Test("candidates come best first, each once, with a confidence between 0 and 1")
    func candidates() {
        let ranking = Tiny.rank("孵化器和高企认定分别奖补多少")
        let scores = ranking.candidates.map(\.score)
        #expect(scores == scores.sorted(by: >))
        #expect(Set(ranking.candidates.map(\.itemID)).count == ranking.candidates.count)
        #expect(ranking.candidates.count <= 5)
        #expect((0...1).contains(ranking.confidence))
    }

    @Test("a clear question is answered with more confidence than a vague one")
    func confidence() {
        let clear = Tiny.rank("新认定的高企能拿多少钱")
        let vague = Tiny.rank("认定了能拿多少")
        #expect(clear.confidence > vague.confidence)
    }
}

@Suite("MatcherCorpus and Level")
struct MatcherCorpusTests {
    @Test("a policy becomes one entry per item, with the facts its rule and conditions read")
    func fromPolicy() throws {
        let patent = Item(
            id: "7.3", clause: 7, title: "核心发明专利", text: "每项专利5万元",
            award: .perUnit(
                PerUnitRule(
                    fact: .patents, yuanEach: 50_000, bonuses: [.init(fact: .industrializedPatents, yuanEach: 50_000)])),
            requires: [Requirement(fact: .scale, test: .equals(.choice("above")), reason: "规上")],
            examples: ["专利奖补"])
        let task = Item(id: "18.1", clause: 18, title: "关键核心技术清单", text: "筛选", award: .none)
        let platform = Item(
            id: "5.1", clause: 5, title: "国家级孵化器", text: "最高不超过100万元", award: .ceiling(maxYuan: 1_000_000, note: nil))
        let policy = Policy(
            title: "方案", sections: [:],
            clauses: [
                Clause(
                    number: 7, section: 3, title: "激励", leader: nil, leadUnit: nil, units: [], text: "",
                    keywords: ["专利"], items: [patent]),
                Clause(
                    number: 18, section: 6, title: "清单", leader: nil, leadUnit: nil, units: [], text: "", items: [task]),
                Clause(
                    number: 5, section: 2, title: "孵化", leader: nil, leadUnit: nil, units: [], text: "",
                    items: [platform]),
            ],
            checklistNote: "", notes: [])
        let corpus = MatcherCorpus(policy: policy, outOfScope: ["社保"], nearMisses: [])
        #expect(corpus.entries.map(\.itemID) == ["5.1", "7.3", "18.1"])
        let entry = try #require(corpus.entries.first { $0.itemID == "7.3" })
        #expect(entry.facts == [.patents, .industrializedPatents, .scale])
        #expect(entry.paysMoney)
        #expect(entry.examples == ["专利奖补"])
        #expect(corpus.entries.first { $0.itemID == "18.1" }?.paysMoney == false)
        #expect(corpus.entries.first { $0.itemID == "5.1" }?.level == .national)
    }

    @Test(
        "the level an item's title names",
        arguments: [
            ("国家级孵化器", Level?.some(.national)), ("自治区级孵化器", .region), ("省级众创空间", .region),
            ("国家和自治区科技成果转化平台", nil), ("创新联合体", nil),
        ] as [(String, Level?)])
    func named(title: String, level: Level?) {
        #expect(Level.named(in: title) == level)
    }
}
