import Desk
import Foundation
import Testing

/// The eight kinds of wrong amounts, each as a specification over the shipped knowledge base.
@Suite("amounts: conditions, items, rules, other words, English, numbers, refusals, leads, asking back")
struct AmountKindsTests {
    private func ask(_ question: String) throws -> Answer {
        try Shipped.desk().answer(question).answer
    }

    @Test(
        "1. a condition the question breaks gives 0 yuan and the reply names it",
        arguments: [
            ("我们公司已经是成熟期了，去年拿了3000万风投，区里那个10%还能领吗", "28.2", "种子期、初创期的科技型企业"),
            ("科小去年已经入过库了 今年第二年再评价入库，还给那1万不", "11.2", "首次评价入库"),
            ("自治区科技领军企业我们是复核通过的 不是首次认定，100万还有戏吗", "12.1", "首次认定"),
            ("我们的创新联合体只是市级的，没到自治区级，区里30万能给吗", "17.1", "自治区创新联合体"),
            ("创新联合体是国家级的能拿30万吗", "17.1", "自治区创新联合体"),
            ("高企复审没通过还能拿10万吗", "12.3", "连续通过复审"),
        ])
    func brokenCondition(question: String, item: String, condition: String) throws {
        let answer = try ask(question)
        #expect(answer.item == item)
        #expect(answer.amount?.yuan == 0)
        #expect(answer.amount?.brokenCondition == condition)
        #expect(answer.reply.contains("不能享受"))
        #expect(answer.reply.contains(condition))
    }

    @Test("1. a condition the question does not mention is stated as an assumption")
    func assumedCondition() throws {
        let answer = try ask("自治区科技领军企业能拿多少")
        #expect(answer.amount?.yuan == 1_000_000)
        #expect(answer.reply.contains("按首次认定计算"))
    }

    @Test(
        "2. the words that tell items of one clause apart choose the item",
        arguments: [
            (
                "tech innovation center 自治区级 approved this year, city gave 3.6 million yuan, district match?", "4.2",
                Int64(2_520_000)
            ),
            ("战新专项市里给了两千五百万 区里配多少", "8.1", 25_000_000),
            ("自治区工程研究中心新认定了，市里给了120万，区里呢", "4.3", 600_000),
        ])
    func itemChoice(question: String, item: String, yuan: Int64) throws {
        let answer = try ask(question)
        #expect(answer.item == item)
        #expect(answer.amount?.yuan == yuan)
    }

    @Test(
        "3. clause 25's 利益共同体 rule computes from base and rate",
        arguments: [
            ("利益共同体，去年研发经费一共1800万，扣掉财政支持300万，能奖多少", Int64(3_000_000)),
            ("利益共同体: last year R&D 18,000,000, minus gov funding 3,000,000, reward?", 3_000_000),
        ])
    func rule25(question: String, yuan: Int64) throws {
        let answer = try ask(question)
        #expect(answer.item == "25.2")
        #expect(answer.amount?.yuan == yuan)
    }

    @Test(
        "4. facts in other words: 量产 is 形成产业化, 拿到高企证书 is 认定为高新技术企业",
        arguments: [
            ("规上企业，3个核心发明专利，其中2个已经量产了，区里一共给多少", "7.3", Int64(250_000)),
            ("规上企业 1项发明专利已经转化成产品了 区里给多少", "7.3", 100_000),
            ("刚拿到高企证书，规上企业，区里奖多少", "12.2", 200_000),
        ])
    func otherWords(question: String, item: String, yuan: Int64) throws {
        let answer = try ask(question)
        #expect(answer.item == item)
        #expect(answer.amount?.yuan == yuan)
    }

    @Test(
        "5. English and mixed questions",
        arguments: [
            (
                "city subsidy 3,000,000 for our 自治区级 key lab (approved this year), how much does 东胜 match?", "4.1",
                Int64(3_000_000)
            ),
            ("VC invested 15M yuan in our seed-stage startup, how much reward?", "28.2", 500_000),
            ("6 invention patents, above designated size, 1 commercialized, total bonus?", "7.3", 350_000),
            ("engineering research center 自治区级 newly recognized, city 900k, district match?", "4.3", 450_000),
        ])
    func english(question: String, item: String, yuan: Int64) throws {
        let answer = try ask(question)
        #expect(answer.item == item)
        #expect(answer.amount?.yuan == yuan)
    }

    @Test("5b. 一万五 is 15,000: 「贷款利息十五万，担保费一万五」 gives 82,500元/年")
    func colloquialNumbers() throws {
        let answer = try ask("科技贷款，贷款利息十五万，担保费一万五，区里贴多少")
        #expect(answer.item == "28.1")
        #expect(answer.amount?.yuan == 82_500)
        #expect(answer.amount?.perYear == true)
    }

    @Test("5b. a rough figure gives a rough answer, said as such")
    func approximateAnswer() throws {
        let answer = try ask("自治区重点实验室 市里补了80多万 区里配多少")
        #expect(answer.item == "4.1")
        #expect(answer.amount?.approximate == true)
        #expect(answer.reply.contains("约80万"))
    }

    @Test("5c. short colloquial questions: 贴息怎么算 and 贴息咋算 go to 28.1; a grant with no measure named is asked about")
    func shortQuestions() throws {
        #expect(try ask("贴息怎么算").item == "28.1")
        #expect(try ask("贴息咋算").item == "28.1")
        let unnamed = try ask("市里补了300万，区里配多少")
        #expect(unnamed.kind == .clarification)
    }

    @Test("2b. 「专精特新小巨人」 is a 小巨人 (10万), and 「专精特新和小巨人分别」 asks for both")
    func littleGiant() throws {
        let giant = try ask("专精特新小巨人区里咋奖励")
        #expect(giant.item == "9.3")
        #expect(giant.amount?.yuan == 100_000)
        let both = try ask("专精特新和小巨人分别奖多少")
        #expect(both.title == "新认定市级专精特新中小企业、新认定市级小巨人企业")
        #expect(both.amount?.yuan == 150_000)
    }

    @Test(
        "5d. a question that names no measure and states no grant gets its best match, not a choice of grants",
        arguments: [("高新区的企业和东胜区能重复拿奖吗", "31.4")])
    func noGrantNoChoice(question: String, item: String) throws {
        let answer = try ask(question)
        #expect(answer.kind == .answer)
        #expect(answer.item == item)
    }

    @Test(
        "6. a question with only generic words is refused",
        arguments: ["科技馆周末几点开门", "政务服务中心几点上班", "公司银行贷款逾期了一个月 会上征信吗", "高新区哪里吃饭好"])
    func genericWordsRefused(question: String) throws {
        let answer = try ask(question)
        #expect(!answer.matched)
    }

    @Test("2. the measure a question names outweighs words an example of another clause shares by accident")
    func namedClauseFirst() throws {
        // 「刚评上市级专精特新」 (9.2) holds the characters 上市; the asker named 上市 (第30条).
        let answer = try ask("上市奖励能拿几万")
        #expect(answer.clause == 30)
        #expect(answer.amount?.yuan == nil, "the stage is asked for, not assumed")
    }

    @Test("7. a who-leads question naming a measure loosely names that measure's lead unit")
    func leadUnit() throws {
        let answer = try ask("首台套奖补找哪个部门")
        #expect(answer.clause == 9)
        #expect(answer.leadUnit == "区工信和科技局")
    }

    @Test("8. a threshold on a figure not given is asked for, not assumed")
    func askBack() throws {
        let answer = try ask("迁入东胜的高企有奖励吗，我们整体搬过来了")
        #expect(answer.item == "12.4")
        #expect(answer.amount?.yuan == nil)
        #expect(answer.needs == ["salesRevenue"])
    }
}
