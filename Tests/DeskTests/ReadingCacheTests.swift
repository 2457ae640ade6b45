import Desk
import Foundation
import PolicyKit
import Testing

private let t0 = Date(timeIntervalSince1970: 1_750_000_000)

/// Questions asked again in the same words are read once; the answer must not show it.
@Suite("Reading cache")
struct ReadingCacheTests {
    private static func devQuestions() throws -> [String] {
        try Fixture.text("dev.jsonl").split(separator: "\n").compactMap { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return object?["q"] as? String
        }
    }

    @Test(
        "every dev question and greeting, in both flavours, answered again and answered with no cache at all, gets byte for byte the same JSON",
        arguments: [ReplyFlavour.plain, .markdown])
    func cachesChangeNothing(flavour: ReplyFlavour) throws {
        let shipped = try Shipped.desk()
        // A desk that asks back whenever two clauses come close, so clarifications are covered too.
        var eager = try Shipped.desk()
        eager.thresholds.clarifyBelow = 1
        eager.thresholds.clarifyMargin = 0.2
        let questions = try Self.devQuestions() + ["你好", "在吗", "谢谢", "明天天气怎么样"]
        #expect(questions.count >= 200)
        var kinds: Set<String> = []
        for desk in [shipped, eager] {
            var fresh = desk
            fresh.cachesReadings = false
            fresh.cachesReplies = false
            for question in questions {
                let first = desk.answer(question, now: t0, flavour: flavour).answer
                let again = desk.answer(question, now: t0, flavour: flavour).answer.jsonLine()
                let uncached = fresh.answer(question, now: t0, flavour: flavour).answer.jsonLine()
                kinds.insert(first.kind.rawValue)
                #expect(again == first.jsonLine(), "\(question)")
                #expect(uncached == first.jsonLine(), "\(question)")
            }
        }
        #expect(kinds.isSuperset(of: ["answer", "clarification", "refusal", "smalltalk"]), "\(kinds)")
    }

    @Test(
        "a cached reading still meets the conversation: 「300万」 alone, then 「300万」 answering a matching-subsidy question"
    )
    func conversationIsAppliedAfresh() throws {
        let desk = try Shipped.desk()
        let alone = desk.answer("300万", now: t0)
        #expect(alone.answer.item != "4.1")
        let asked = desk.answer("自治区级重点实验室获批了，区里配套多少", now: t0)
        let conversation = try #require(asked.conversation)
        let answered = desk.answer("300万", conversation: conversation, now: t0.addingTimeInterval(60))
        #expect(answered.answer.item == "4.1")
        #expect(answered.answer.amount?.yuan == 3_000_000)
    }

    @Test("a cached reading still meets the clock: the conversation it opens expires from the new time")
    func clockIsAppliedAfresh() throws {
        let desk = try Shipped.desk()
        let first = try #require(desk.answer("新认定的高企能拿多少钱", now: t0).conversation)
        let later = try #require(desk.answer("新认定的高企能拿多少钱", now: t0.addingTimeInterval(3600)).conversation)
        #expect(later.expiresAt.timeIntervalSince(first.expiresAt) == 3600)
    }
}
