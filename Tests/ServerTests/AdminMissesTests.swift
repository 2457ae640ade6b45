import Desk
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PolicyKit
import Testing

@testable import Server

/// `GET /admin/misses` and turning a miss into an answer, or dismissing it.
@Suite("Admin API: unanswered questions")
struct AdminMissesTests {
    /// A question the bot refuses (no item answers it) but has a best guess for.
    static let unanswered = "专利被人抄了怎么办"
    /// The same question, punctuated differently.
    static let punctuated = "专利被人抄了怎么办？"

    @Test func aRefusedQuestionIsListedWithCountTimesAndBestGuess() async throws {
        try await AdminTest.run { client, parts, _ in
            let answer = try await client.answer(Self.unanswered)
            #expect(answer["matched"] as? Bool == false)
            let guess = try #require((answer["alternatives"] as? [[String: Any]])?.first?["item"] as? String)

            let misses = try await client.misses()
            #expect(misses.count == 1)
            let miss = try #require(misses.first)
            #expect(miss["text"] as? String == Self.unanswered)
            #expect(miss["count"] as? Int == 1)
            #expect(miss["bestGuess"] as? String == guess)
            #expect(miss["bestGuessTitle"] as? String == parts.desks.desk.knowledge.policy.item(guess)?.title)
            #expect((miss["confidence"] as? Double ?? -1) >= 0)
            let formatter = ISO8601DateFormatter()
            let first = try #require((miss["firstSeen"] as? String).flatMap(formatter.date(from:)))
            let last = try #require((miss["lastSeen"] as? String).flatMap(formatter.date(from:)))
            #expect(abs(first.timeIntervalSinceNow) < 120)
            #expect(first == last)
            #expect(miss["id"] is Int)
        }
    }

    @Test func theSameQuestionPunctuatedDifferentlyJoinsItsGroup() async throws {
        try await AdminTest.run { client, _, _ in
            _ = try await client.answer(Self.unanswered)
            try await Task.sleep(for: .milliseconds(1100))
            _ = try await client.answer(Self.punctuated)
            _ = try await client.answer("明天鄂尔多斯天气怎么样")

            let misses = try await client.misses()
            #expect(misses.count == 2)
            let group = try #require(misses.first)
            // Most frequent first; the latest wording is shown.
            #expect(group["count"] as? Int == 2)
            #expect(group["text"] as? String == Self.punctuated)
            let normalized = try #require(group["normalized"] as? String)
            #expect(!normalized.contains("？"))
            let formatter = ISO8601DateFormatter()
            let first = try #require((group["firstSeen"] as? String).flatMap(formatter.date(from:)))
            let last = try #require((group["lastSeen"] as? String).flatMap(formatter.date(from:)))
            #expect(last > first)
            #expect(misses.last?["count"] as? Int == 1)
        }
    }

    @Test func aLowConfidenceAnswerIsListedToo() async throws {
        try await AdminTest.run(configure: { $0.reviewBelowConfidence = 0.999 }) { client, _, _ in
            let answer = try await client.answer("刚拿到高企证书能领多少")
            #expect(answer["matched"] as? Bool == true)
            let confidence = try #require(answer["confidence"] as? Double)
            #expect(confidence < 0.999)
            let miss = try #require(try await client.misses().first)
            #expect(miss["bestGuess"] as? String == answer["item"] as? String)
            #expect(abs((miss["confidence"] as? Double ?? 0) - confidence) < 0.001)
        }
    }

    @Test func answeringAMissMakesItAnExampleThatIsServedAtOnce() async throws {
        try await AdminTest.run { client, parts, copy in
            _ = try await client.answer(Self.unanswered)
            _ = try await client.answer(Self.punctuated)
            let miss = try #require(try await client.misses().first)
            let id = try #require(miss["id"] as? Int)
            let original = try copy.bytes("clauses/21.yaml")

            let response = try await client.admin(
                .post, "/admin/misses/\(id)/answer", json: ["item": "21.3"], user: "王芳")
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.json["action"] as? String == "add example")
            #expect(response.json["target"] as? String == "item:21.3/examples")
            #expect(response.json["who"] as? String == "王芳 (admin token)")

            // The latest wording is now an example of 21.3, one line more in the file …
            let change = LineChange(original, try copy.bytes("clauses/21.yaml"))
            #expect(change.removed.isEmpty && change.added == ["      - \(Self.punctuated)"], "\(change)")
            #expect(parts.desks.desk.knowledge.policy.item("21.3")?.examples.last == Self.punctuated)
            // … answered at once, either way it is punctuated …
            for question in [Self.unanswered, Self.punctuated] {
                let answer = try await client.answer(question)
                #expect(answer["matched"] as? Bool == true)
                #expect(answer["item"] as? String == "21.3")
                #expect(answer["confidence"] as? Double == 1)
            }
            // … no longer listed, and audited.
            #expect(try await client.misses().isEmpty)
            #expect(try await client.auditEntries().first?["target"] as? String == "item:21.3/examples")
        }
    }

    @Test func withoutAnItemTheBestGuessIsUsed() async throws {
        try await AdminTest.run { client, _, _ in
            _ = try await client.answer(Self.unanswered)
            let miss = try #require(try await client.misses().first)
            let guess = try #require(miss["bestGuess"] as? String)
            // No body at all, as `curl -X POST` sends it.
            let response = try await client.admin(.post, "/admin/misses/\(miss["id"] as? Int ?? 0)/answer")
            #expect(response.status == .ok, "\(response.text)")
            #expect(response.json["target"] as? String == "item:\(guess)/examples")
            #expect(try await client.answer(Self.unanswered)["item"] as? String == guess)
            #expect(try await client.misses().isEmpty)
        }
    }

    @Test func aMissThatCannotBeAnsweredThatWayStaysListed() async throws {
        try await AdminTest.run { client, _, copy in
            // An item that does not exist, or a body that is not JSON, is refused and the miss stays.
            _ = try await client.answer(Self.unanswered)
            let miss = try #require(try await client.misses().first)
            let id = miss["id"] as? Int ?? 0
            let files = try copy.snapshot()
            for (body, status) in [
                (#"{"item":"99.9"}"#, HTTPResponse.Status.notFound), (#"{"item": 12}"#, .badRequest),
                ("{", .badRequest),
            ] {
                let response = try await client.admin(.post, "/admin/misses/\(id)/answer", body: body)
                #expect(response.status == status, "\(body): \(response.status) \(response.text)")
                #expect(!response.error.isEmpty)
            }
            #expect(try copy.snapshot() == files)
            #expect(try await client.misses().count == 1)
            #expect(try await client.auditEntries().isEmpty)
        }
    }

    @Test func aMissWhoseWordingAnotherItemHasIsRefusedAndStaysListed() async throws {
        try await AdminTest.run(configure: { $0.reviewBelowConfidence = 1.01 }) { client, _, copy in
            // With a threshold above 1 every answer is logged, even one that is an example of 12.2.
            _ = try await client.answer("首次认定高企奖补找哪个局")
            let miss = try #require(try await client.misses().first)
            #expect(miss["bestGuess"] as? String == "12.2")
            let files = try copy.snapshot()
            let response = try await client.admin(
                .post, "/admin/misses/\(miss["id"] as? Int ?? 0)/answer", json: ["item": "12.1"])
            #expect(response.status == .unprocessableContent)
            #expect(response.error.contains("is given for both 12.1 and 12.2"), "\(response.error)")
            #expect(try copy.snapshot() == files)
            #expect(try await client.misses().count == 1)
        }
    }

    @Test func dismissingAMissHidesIt() async throws {
        try await AdminTest.run { client, _, copy in
            _ = try await client.answer(Self.unanswered)
            _ = try await client.answer("明天鄂尔多斯天气怎么样")
            let misses = try await client.misses()
            let weather = try #require(misses.first { $0["text"] as? String == "明天鄂尔多斯天气怎么样" })
            let id = try #require(weather["id"] as? Int)
            let files = try copy.snapshot()

            let response = try await client.admin(.post, "/admin/misses/\(id)/dismiss")
            #expect(response.status == .ok)
            #expect(response.json["dismissed"] as? Int == id)
            let left = try await client.misses()
            #expect(left.count == 1)
            #expect(left.first?["text"] as? String == Self.unanswered)
            #expect(try copy.snapshot() == files, "dismissing changes no file")
            // Dismissed twice is a 404: it is no longer open.
            #expect(try await client.admin(.post, "/admin/misses/\(id)/dismiss").status == .notFound)
        }
    }

    @Test func aMissFromARealWebhookCanBeTurnedIntoAnAnswer() async throws {
        try await AdminTest.run { client, _, _ in
            let peer = DingTalkPeer()
            let first = try await client.postJSON(
                "/webhooks/dingtalk", DingTalkPeer.body(text: Self.unanswered, msgID: "msgAdminMiss0001=="),
                headers: peer.headers())
            #expect(first.status == .ok)
            let miss = try #require(try await client.misses().first { $0["text"] as? String == Self.unanswered })
            #expect(miss["count"] as? Int == 1)

            let promoted = try await client.admin(
                .post, "/admin/misses/\(miss["id"] as? Int ?? 0)/answer", json: ["item": "21.3"])
            #expect(promoted.status == .ok, "\(promoted.text)")

            let second = try await client.postJSON(
                "/webhooks/dingtalk", DingTalkPeer.body(text: Self.unanswered, msgID: "msgAdminMiss0002=="),
                headers: peer.headers())
            #expect(second.status == .ok)
            let markdown = (second.json["markdown"] as? [String: Any])?["text"] as? String ?? ""
            #expect(markdown.contains("知识产权法庭"), "\(markdown)")
            #expect(try await client.misses().isEmpty)
        }
    }
}
