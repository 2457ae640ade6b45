import Desk
import Foundation
import PolicyKit
import Testing

@Suite("Desk.answer, end to end on the shipped knowledge base")
struct AnswerTests {
    @Test("新认定的高企 without 规上/规下: item 12.2, asks for the scale, states the 20万 ceiling")
    func highTechAsksForScale() throws {
        let answer = try Shipped.desk().answer("新认定的高企能拿多少钱？").answer
        #expect(answer.matched)
        #expect(answer.clause == 12)
        #expect(answer.item == "12.2")
        #expect(answer.needs == ["scale"])
        #expect(answer.amount?.yuan == nil)
        #expect(answer.amount?.maxYuan == 200_000)
        #expect(answer.reply.contains(FactName.scale.question))
    }

    @Test("规上企业首次认定高企: 20万, nothing asked")
    func highTechAbove() throws {
        let exchange = try Shipped.desk().answer("规上企业首次认定高企")
        #expect(exchange.answer.item == "12.2")
        #expect(exchange.answer.amount?.yuan == 200_000)
        #expect(exchange.answer.amount?.maxYuan == nil)
        #expect(exchange.answer.needs == [])
        #expect(exchange.conversation == nil)
    }

    @Test("a matching subsidy: 市里补了300万 for a 自治区级重点实验室 → 300万, with the formula, the unit and the checklist note")
    func keyLab() throws {
        let answer = try Shipped.desk().answer("自治区级重点实验室获批了，市里补了300万，区里配多少？").answer
        #expect(answer.clause == 4)
        #expect(answer.item == "4.1")
        #expect(answer.amount?.yuan == 3_000_000)
        #expect(answer.amount?.perYear == false)
        let formula = try #require(answer.amount?.formula)
        #expect(formula == "300万 × 100% = 300万")
        #expect(answer.reply.contains(formula))
        #expect(answer.leadUnit == "区工信和科技局")
        #expect(answer.leader == "史雪松")
        #expect(answer.units == ["区能源局", "区卫生健康委员会", "区财政局", "区发展和改革委员会"])
        #expect(answer.reply.contains("区工信和科技局"))
        #expect(answer.reply.contains("以牵头单位通知为准"))
        #expect(!answer.checklist.isEmpty)
        for document in answer.checklist { #expect(answer.reply.contains(document)) }
    }

    @Test("Markdown replies carry the same answer, in Markdown")
    func markdown() throws {
        let answer = try Shipped.desk().answer("自治区级重点实验室获批了，市里补了300万，区里配多少？", flavour: .markdown).answer
        #expect(answer.amount?.yuan == 3_000_000)
        #expect(answer.reply.contains("**可获奖补：300万**"))
        #expect(answer.reply.contains("**区工信和科技局**"))
    }

    @Test(
        "the facts of the question decide the amount",
        arguments: [
            ("规上企业5件发明专利，2件产业化，能拿多少", "7.3", Int64?(350_000)),
            ("规上企业有10项发明专利都产业化了，最多拿多少", "7.3", 500_000),
            ("整体迁入东胜区的高企，迁入当年销售收入150万，能拿20万吗", "12.4", 0),
            ("科技贷款一年利息50万加担保费30万，贴息多少", "28.1", 300_000),
        ] as [(String, String, Int64?)])
    func factsDecide(question: String, item: String, yuan: Int64?) throws {
        let answer = try Shipped.desk().answer(question).answer
        #expect(answer.item == item)
        #expect(answer.amount?.yuan == yuan)
    }

    @Test("a broken condition gives 0 and says why")
    func disqualified() throws {
        let answer = try Shipped.desk().answer("规下企业有5件发明专利，能拿多少奖补").answer
        #expect(answer.item == "7.3")
        #expect(answer.amount?.yuan == 0)
        #expect(answer.reply.contains("本项只面向规模以上企业"))
    }

    @Test("out of scope (购房补贴): not matched, no clause, and the reply says what the bot can do")
    func outOfScope() throws {
        let answer = try Shipped.desk().answer("购房补贴怎么申请").answer
        #expect(!answer.matched)
        #expect(answer.clause == nil)
        #expect(answer.item == nil)
        #expect(answer.amount == nil)
        #expect(answer.leadUnit == nil)
        #expect(answer.needs == [])
        #expect(answer.reply.contains("不在"))
        #expect(answer.reply.contains("我能回答"))
        #expect(answer.reply.contains("新认定的高企能拿多少钱"))
        #expect(answer.reply.contains("12345"))
    }

    @Test("an empty message is not matched and gets the list of what the bot can do", arguments: ["", "   ", "\n"])
    func empty(question: String) throws {
        let answer = try Shipped.desk().answer(question).answer
        #expect(!answer.matched)
        #expect(answer.clause == nil)
        #expect(answer.reply.contains("我能回答"))
    }

    /// The small-talk phrases of `Intents/out_of_scope.yaml`, greeting, thanks and identity.
    static let smalltalkPhrases = [
        "你好", "您好", "你好呀", "在吗", "在不在", "在么", "哈喽", "嗨", "hello", "早上好", "下午好", "晚上好", "大家好",
        "谢谢", "谢谢你", "多谢", "感谢", "谢了", "辛苦了", "好的谢谢", "收到谢谢", "thanks", "thank you", "3q",
        "你是谁", "你叫什么", "你叫什么名字", "你是机器人吗", "你是真人吗", "你是人工吗", "你能做什么", "你会干什么", "谁在回复",
    ]
    @Test("every small-talk phrase gets the small-talk reply, never a clause", arguments: smalltalkPhrases)
    func smalltalk(phrase: String) throws {
        let answer = try Shipped.desk().answer(phrase).answer
        #expect(!answer.matched)
        #expect(answer.clause == nil)
        #expect(answer.reply.contains("可以这样问我"))
        #expect(!answer.reply.contains("不在《"))
    }

    @Test("a question about the whole 科创板 listing gets all three stages: 50万")
    func wholeListing() throws {
        let answer = try Shipped.desk().answer("科创板上市一共给多少").answer
        #expect(answer.item == "30.1")
        #expect(answer.amount?.yuan == 500_000)
    }

    @Test("a measure that pays nothing has no amount, and the reply says it is a task")
    func task() throws {
        let answer = try Shipped.desk().answer("关键核心技术清单是怎么制定的").answer
        #expect(answer.clause == 18)
        #expect(answer.amount == nil)
        #expect(answer.reply.contains("本条是工作任务"))
    }

    @Test("an item that names no figure has no amount, and the reply quotes the seed")
    func unspecified() throws {
        let answer = try Shipped.desk().answer("科技特派员牵头的玉米种植技术推广项目能支持多少钱").answer
        #expect(answer.clause == 24)
        #expect(answer.amount == nil)
        #expect(answer.reply.contains("给予一定的支持"))
    }
}

@Suite("The answer object as JSON")
struct AnswerJSONTests {
    /// The keys of the answer object in INTERFACES.md.
    static let interfaceKeys: Set = [
        "matched", "clause", "item", "title", "confidence", "amount", "needs", "leader", "leadUnit", "units",
        "checklist",
        "reply", "alternatives",
    ]
    /// Fields added beyond the interface (allowed: "extend them freely"): the reply kind for staff tools.
    static let extensions: Set = ["kind"]

    private func object(_ answer: Answer) throws -> [String: Any] {
        let line = answer.jsonLine()
        #expect(!line.contains("\n"))
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test(
        "every answer has exactly the interface's keys, nulls included",
        arguments: ["新认定的高企能拿多少钱？", "规上企业首次认定高企", "购房补贴怎么申请", "", "你好", "关键核心技术清单是怎么制定的"])
    func keys(question: String) throws {
        let json = try object(try Shipped.desk().answer(question).answer)
        #expect(Set(json.keys) == Self.interfaceKeys.union(Self.extensions))
    }

    @Test("an answer with an amount: amount has yuan, maxYuan (null), perYear and formula")
    func amount() throws {
        let json = try object(try Shipped.desk().answer("规上企业首次认定高企").answer)
        #expect(json["matched"] as? Bool == true)
        #expect(json["clause"] as? Int == 12)
        #expect(json["item"] as? String == "12.2")
        #expect(json["leadUnit"] as? String == "区工信和科技局")
        #expect(json["units"] as? [String] == ["区财政局"])
        #expect((json["needs"] as? [Any])?.isEmpty == true)
        let amount = try #require(json["amount"] as? [String: Any])
        #expect(Set(amount.keys) == ["yuan", "maxYuan", "perYear", "formula"])
        #expect(amount["yuan"] as? Int == 200_000)
        #expect(amount["maxYuan"] is NSNull)
        #expect(amount["perYear"] as? Bool == false)
        #expect(amount["formula"] is String)
        let confidence = try #require(json["confidence"] as? Double)
        #expect((0...1).contains(confidence))
        for alternative in try #require(json["alternatives"] as? [[String: Any]]) {
            #expect(Set(alternative.keys) == ["clause", "item", "confidence"])
        }
    }

    @Test("an answer that asks: yuan is null, maxYuan is the ceiling, needs names the fact")
    func asks() throws {
        let json = try object(try Shipped.desk().answer("新认定的高企能拿多少钱？").answer)
        let amount = try #require(json["amount"] as? [String: Any])
        #expect(amount["yuan"] is NSNull)
        #expect(amount["maxYuan"] as? Int == 200_000)
        #expect(json["needs"] as? [String] == ["scale"])
    }

    @Test("a refusal: matched false, and clause, item, title, amount, leader and leadUnit are null, not absent")
    func refusal() throws {
        let json = try object(try Shipped.desk().answer("购房补贴怎么申请").answer)
        #expect(json["matched"] as? Bool == false)
        for key in ["clause", "item", "title", "amount", "leader", "leadUnit"] {
            #expect(json[key] is NSNull, "\(key) should be null")
        }
        #expect((json["units"] as? [Any])?.isEmpty == true)
        #expect((json["checklist"] as? [Any])?.isEmpty == true)
        #expect(json["reply"] is String)
    }
}
