public import Foundation
import JSONWriter

/// The body of Feishu's reply API (`POST /open-apis/im/v1/messages/{message_id}/reply`) for a
/// text answer.
public struct FeishuReply: Sendable, Equatable {
    /// The answer text.
    public var text: String
    /// Feishu's idempotency key; a retried job with the same key does not post twice.
    public var uuid: String?
    /// Whether to answer in a thread rather than as a quoted reply in the chat.
    public var replyInThread: Bool

    /// Creates a text reply.
    public init(text: String, uuid: String? = nil, replyInThread: Bool = false) {
        self.text = text
        self.uuid = uuid
        self.replyInThread = replyInThread
    }

    /// The idempotency key derived from the event that asked, so every retry of the same event
    /// maps to the same reply.
    public static func uuid(forEventID eventID: String) -> String {
        "reply-" + eventID
    }

    /// The JSON body; `content` is itself a JSON document encoded as a string, as the API requires.
    public var json: String {
        let content = JSONText.object([("text", JSONText.quote(text))])
        var members = [("msg_type", JSONText.quote("text")), ("content", JSONText.quote(content))]
        members.append(("reply_in_thread", replyInThread ? "true" : "false"))
        if let uuid { members.append(("uuid", JSONText.quote(uuid))) }
        return JSONText.object(members)
    }

    /// ``json`` as UTF-8 bytes.
    public var body: Data { Data(json.utf8) }
}
