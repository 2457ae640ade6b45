import Desk
import Foundation
import PolicyKit
import Testing

/// A fixed moment: the desk has no clock of its own.
private let t0 = Date(timeIntervalSince1970: 1_750_000_000)

@Suite("Conversations: asking back and carrying on")
struct ConversationTests {
    @Test("a missing fact is asked for, and the next message fills it: 新认定的高企 → 规上 → 20万")
    func scaleFilledIn() throws {
        let desk = try Shipped.desk()
        let first = desk.answer("新认定的高企能拿多少钱", now: t0)
        #expect(first.answer.needs == ["scale"])
        let conversation = try #require(first.conversation)
        #expect(conversation.pending == .facts(item: "12.2", awaiting: ["scale"]))
        #expect(conversation.expiresAt == t0.addingTimeInterval(desk.conversationLifetime))

        let second = desk.answer("规上", conversation: conversation, now: t0.addingTimeInterval(60))
        #expect(second.answer.item == "12.2")
        #expect(second.answer.amount?.yuan == 200_000)
        #expect(second.answer.needs == [])
        #expect(second.conversation == nil)
    }

    @Test("规下 in reply gets the 规下 amount")
    func scaleBelow() throws {
        let desk = try Shipped.desk()
        let first = desk.answer("新认定的高企能拿多少钱", now: t0)
        let second = desk.answer("我们是规下企业", conversation: first.conversation, now: t0.addingTimeInterval(60))
        #expect(second.answer.item == "12.2")
        #expect(second.answer.amount?.yuan == 100_000)
    }

    @Test("a matching subsidy without the city's amount asks for it; 「300万」 in reply computes it")
    func cityAmountFilledIn() throws {
        let desk = try Shipped.desk()
        let first = desk.answer("自治区级重点实验室获批了，区里配套多少", now: t0)
        #expect(first.answer.item == "4.1")
        #expect(first.answer.needs == ["cityAmount"])
        #expect(first.answer.amount?.yuan == nil)
        #expect(first.answer.reply.contains(FactName.cityAmount.question))

        let second = desk.answer("300万", conversation: first.conversation, now: t0.addingTimeInterval(120))
        #expect(second.answer.item == "4.1")
        #expect(second.answer.amount?.yuan == 3_000_000)
        #expect(second.conversation == nil)
    }

    @Test("a conversation past its expiry is not continued: the reply is read as a question of its own")
    func expired() throws {
        let desk = try Shipped.desk()
        let first = desk.answer("自治区级重点实验室获批了，区里配套多少", now: t0)
        let conversation = try #require(first.conversation)

        let inTime = desk.answer("300万", conversation: conversation, now: conversation.expiresAt.addingTimeInterval(-1))
        #expect(inTime.answer.item == "4.1")
        #expect(inTime.answer.amount?.yuan == 3_000_000)

        let late = desk.answer("300万", conversation: conversation, now: conversation.expiresAt.addingTimeInterval(1))
        #expect(late.answer.item != "4.1")
        #expect(late.answer.amount?.yuan != 3_000_000)
        let fresh = desk.answer("300万", conversation: nil, now: conversation.expiresAt.addingTimeInterval(1))
        #expect(late.answer == fresh.answer)
    }

    @Test("at the moment of expiry the conversation is already over")
    func expiryIsExclusive() throws {
        let desk = try Shipped.desk()
        let first = desk.answer("自治区级重点实验室获批了，区里配套多少", now: t0)
        let conversation = try #require(first.conversation)
        let atExpiry = desk.answer("300万", conversation: conversation, now: conversation.expiresAt)
        #expect(atExpiry.answer.item != "4.1")
    }

    @Test("a new question while a fact is awaited is answered on its own")
    func newQuestion() throws {
        let desk = try Shipped.desk()
        let first = desk.answer("新认定的高企能拿多少钱", now: t0)
        let second = desk.answer("创新联合体一次性奖补是多少", conversation: first.conversation, now: t0.addingTimeInterval(60))
        #expect(second.answer.clause == 17)
        #expect(second.answer.amount?.yuan == 300_000)
    }

    /// A clarification the desk asked: 国家级 or 自治区级 孵化器?
    private static let choice = Conversation(
        pending: .choice(items: ["5.1", "5.2"]), facts: [:], question: "孵化器新认定了能拿多少",
        expiresAt: t0.addingTimeInterval(600))

    @Test(
        "a clarification is answered by number or by name",
        arguments: [
            ("1", "5.1", Int64(1_000_000)), ("2", "5.2", 500_000), ("第二个", "5.2", 500_000),
            ("国家级科技企业加速器、孵化器、专业化众创空间", "5.1", 1_000_000),
            ("自治区级科技企业加速器、孵化器、专业化众创空间", "5.2", 500_000),
        ] as [(String, String, Int64)])
    func clarification(reply: String, item: String, maxYuan: Int64) throws {
        let exchange = try Shipped.desk().answer(reply, conversation: Self.choice, now: t0.addingTimeInterval(30))
        #expect(exchange.answer.item == item)
        #expect(exchange.answer.clause == 5)
        #expect(exchange.answer.amount?.yuan == nil)
        #expect(exchange.answer.amount?.maxYuan == maxYuan)
    }

    @Test("facts kept in a conversation survive encoding")
    func factsRoundTrip() throws {
        let facts = Facts([
            .scale: .choice("above"), .cityAmount: .yuan(3_000_000), .patents: .count(5),
            .usedForHighTech: .flag(false),
        ])
        let conversation = Conversation(
            pending: .facts(item: "7.3", awaiting: ["patents"]), facts: Conversation.encode(facts), question: "专利",
            expiresAt: t0)
        #expect(conversation.knownFacts == facts)
        let data = try JSONEncoder().encode(conversation)
        #expect(try JSONDecoder().decode(Conversation.self, from: data) == conversation)
        #expect(Conversation.key(channel: "wecom", chat: "group1", user: "alice") == "wecom|group1|alice")
    }
}
