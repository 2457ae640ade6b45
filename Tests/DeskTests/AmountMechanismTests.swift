import Desk
import Foundation
import Testing

/// The mechanisms behind amounts on questions nobody wrote down: the level of a platform, a
/// subsidy's term, a negated condition, two items named apart, a clause named only as a whole,
/// and amounts said in bare numbers. The questions are written for these tests; none is an
/// example in `Intents/` or a line of the dev set.
@Suite("amount mechanisms: levels, terms of years, negation, two items, whole clauses, bare numbers")
struct AmountMechanismTests {
    private func ask(_ question: String) throws -> Answer {
        try Shipped.desk().answer(question).answer
    }

    @Test(
        "a platform of a level the item does not pay for gets 0 yuan, naming the level",
        arguments: [
            ("我们是市级重点实验室，市里给了150万，区里配多少", "4.1", "自治区级重点实验室"),
            ("区级科技成果转化平台，鄂尔多斯补了80万，东胜配套吗", "19.1", "国家级、自治区级科技成果转化平台"),
            ("我们是市级的野外科学观测研究站，今年备案，市里补了50万，区里配多少", "4.4", "自治区级野外科学观测研究站"),
        ])
    func levelBroken(question: String, item: String, condition: String) throws {
        let answer = try ask(question)
        #expect(answer.item == item)
        #expect(answer.amount?.yuan == 0)
        #expect(answer.amount?.brokenCondition == condition)
        #expect(answer.reply.contains("其他级别的不在此列"))
    }

    @Test("a platform below both levels of a clause that has an item of each gets 0 from either")
    func levelBelowBoth() throws {
        let answer = try ask("市级孵化器刚认定，区里最多奖多少")
        #expect(answer.clause == 5)
        #expect(answer.amount?.yuan == 0)
        #expect(answer.reply.contains("您说的是「市级孵化器」"))
    }

    @Test("a level said of who paid, not of the platform, breaks nothing (「市级补助200万」)")
    func levelOfThePayer() throws {
        let answer = try ask("今年获批自治区级重点实验室，市级补助200万，区里配多少")
        #expect(answer.item == "4.1")
        #expect(answer.amount?.yuan == 2_000_000)
    }

    @Test(
        "the level a question names chooses the item of that level, in Chinese and in English",
        arguments: [
            ("国家级加速器和国家级众创空间今年都备案了，区里最多给多少", "5.1", Int64(1_000_000)),
            ("national accelerator newly filed, max reward?", "5.1", 1_000_000),
            ("自治区级孵化器新认定，封顶多少", "5.2", 500_000),
        ])
    func levelChoosesItem(question: String, item: String, maxYuan: Int64) throws {
        let answer = try ask(question)
        #expect(answer.item == item)
        #expect(answer.amount?.maxYuan == maxYuan)
    }

    @Test(
        "two items named apart by level and asked about together are summed: ceilings to a ceiling",
        arguments: [
            "国家级众创空间和自治区级孵化器同时新认定，两个都能拿吗，最多多少",
            // Two levels before one platform's name: neither breaks the other's item.
            "国家级和自治区级孵化器都认定了能拿多少",
            "自治区级、国家级众创空间都备案了，最多能拿多少",
        ])
    func twoLevelsTogether(question: String) throws {
        let answer = try ask(question)
        #expect(answer.clause == 5)
        #expect(answer.amount?.maxYuan == 1_500_000)
        #expect(answer.amount?.formula.contains("合计最高 150万") == true)
    }

    @Test(
        "a year past a subsidy's term pays 0; a year within it pays as usual",
        arguments: [
            ("科技贷款贴息已经享受了3年了，今年利息30万还能补吗", Int64(0)),
            ("贴息第五年了，利息20万，区里还贴吗", 0),
            ("科技贷款贴息第二年，利息30万，能补多少", 150_000),
        ])
    func subsidyTerm(question: String, yuan: Int64) throws {
        let answer = try ask(question)
        #expect(answer.item == "28.1")
        #expect(answer.amount?.yuan == yuan)
        if yuan == 0 { #expect(answer.reply.contains("补贴期限为 3 年")) }
    }

    @Test(
        "a confirming word said negated, or a branch office, breaks 整体迁入",
        arguments: [
            ("我们是本地注册的瞪羚企业，并不是迁入的，200万有吗", "12.5"),
            ("独角兽企业，在东胜只设了个分支机构，400万能拿吗", "12.6"),
            ("高企，没有整体迁入东胜，迁入当年销售收入300万，20万能拿吗", "12.4"),
            ("我们公司就是在东胜成立的，是瞪羚企业，200万能领吗", "12.5"),
        ])
    func relocationNegated(question: String, item: String) throws {
        let answer = try ask(question)
        #expect(answer.item == item)
        #expect(answer.amount?.yuan == 0)
        #expect(answer.amount?.brokenCondition == "整体迁入东胜区")
    }

    @Test("a relocation said plainly still pays")
    func relocationConfirmed() throws {
        let answer = try ask("独角兽企业今年整体迁入东胜，区里奖多少")
        #expect(answer.item == "12.6")
        #expect(answer.amount?.yuan == 4_000_000)
    }

    @Test("a clause named only as a whole, with a grant every item of it would match, is asked about")
    func wholeClauseAsked() throws {
        let answer = try ask("研发平台今年获批，市里补了80万，区里配多少")
        #expect(answer.kind == .clarification)
        #expect(answer.reply.contains("重点实验室"))
        #expect(answer.reply.contains("技术创新中心"))
    }

    @Test("a clause named as a whole but with a fact only one of its items reads is answered")
    func wholeClauseWithDecidingFact() throws {
        let answer = try ask("科技贷款一年利息12万，担保费2万，区里补多少")
        #expect(answer.item == "28.1")
        #expect(answer.amount?.yuan == 70_000)
    }

    @Test(
        "a bare number right after what it is, and 研发 right before an amount, are read as money",
        arguments: [
            ("贴息：利息两万，担保费三千，区里补多少", "28.1", Int64(11_500)),
            ("利益共同体 上年研发2000万 财政支持500万 奖多少", "25.2", 3_000_000),
            // Between two amounts, a word names the one it comes right before (担保费 is the 6万's).
            ("科技贷款贴息，今年利息24万担保费6万，能补多少", "28.1", 150_000),
        ])
    func bareAmounts(question: String, item: String, yuan: Int64) throws {
        let answer = try ask(question)
        #expect(answer.item == item)
        #expect(answer.amount?.yuan == yuan)
    }

    @Test("English: 「total」 over a listing's stages is every stage")
    func englishTotal() throws {
        let answer = try ask("STAR Market listing, what is the total reward over all stages?")
        #expect(answer.clause == 30)
        #expect(answer.amount?.yuan == 500_000)
    }
}
