import Desk
import Foundation
import Testing

/// How a conversation is written for the store, and that it reads back whole.
@Suite("Conversation storage form")
struct ConversationStorageTests {
    static let conversations: [Conversation] = [
        Conversation(
            pending: .facts(item: "7.3", awaiting: ["patents", "industrialized"]),
            facts: ["scale": "choice:above", "cityAmount": "yuan:3000000"], question: "规上企业5项发明专利，能拿多少？",
            expiresAt: Date(timeIntervalSince1970: 1_750_000_000.123_456)),
        Conversation(
            pending: .choice(items: ["5.1", "5.2"]), facts: [:], question: "孵化器新认定了能拿多少",
            expiresAt: Date(timeIntervalSince1970: 1_750_000_600)),
        Conversation(
            pending: nil, facts: ["note": "a \"quoted\"\nline\\ and \u{1} control"], question: "tab\there，「全角」 🙂",
            expiresAt: Date(timeIntervalSinceReferenceDate: 0)),
        Conversation(
            pending: .facts(item: "", awaiting: []), facts: [:], question: "",
            expiresAt: Date(timeIntervalSince1970: -1.5)),
    ]

    @Test(
        "the stored form reads back through the synthesized Decodable as the same conversation",
        arguments: conversations)
    func roundTrips(conversation: Conversation) throws {
        let decoded = try JSONDecoder().decode(Conversation.self, from: conversation.storedJSON())
        #expect(decoded == conversation)
    }

    @Test("the stored form is the JSON JSONEncoder writes, up to the order of keys", arguments: conversations)
    func matchesJSONEncoder(conversation: Conversation) throws {
        let ours = try JSONSerialization.jsonObject(with: conversation.storedJSON()) as? NSDictionary
        let theirs = try JSONSerialization.jsonObject(with: JSONEncoder().encode(conversation)) as? NSDictionary
        #expect(ours != nil)
        #expect(ours == theirs)
    }
}
