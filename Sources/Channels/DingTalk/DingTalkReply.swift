public import Foundation
import JSONWriter

/// A DingTalk robot message: the synchronous HTTP reply body, or what is POSTed to a
/// `sessionWebhook` or a custom robot webhook (all three take the same JSON).
public enum DingTalkReply: Sendable, Equatable {
    /// Plain text.
    case text(String, at: DingTalkMention = .none)
    /// Markdown; `title` is what notifications and the conversation list show.
    case markdown(title: String, text: String, at: DingTalkMention = .none)
    /// A card with one button that opens `singleURL`.
    case actionCard(title: String, text: String, singleTitle: String, singleURL: String)
    /// No message at all: acknowledges the callback without posting anything.
    case empty

    /// The JSON body, `Content-Type: application/json; charset=utf-8`.
    public var json: String {
        switch self {
        case .text(let content, let at):
            return Self.message(type: "text", payload: JSONText.object([("content", JSONText.quote(content))]), at: at)
        case .markdown(let title, let text, let at):
            let payload = JSONText.object([("title", JSONText.quote(title)), ("text", JSONText.quote(text))])
            return Self.message(type: "markdown", payload: payload, at: at)
        case .actionCard(let title, let text, let singleTitle, let singleURL):
            let payload = JSONText.object([
                ("title", JSONText.quote(title)), ("text", JSONText.quote(text)), ("hideAvatar", "0"),
                ("btnOrientation", "0"), ("singleTitle", JSONText.quote(singleTitle)),
                ("singleURL", JSONText.quote(singleURL)),
            ])
            return Self.message(type: "actionCard", payload: payload, at: .none)
        case .empty:
            return JSONText.object([("msgtype", JSONText.quote("empty"))])
        }
    }

    /// ``json`` as UTF-8 bytes.
    public var body: Data { Data(json.utf8) }

    private static func message(type: String, payload: String, at: DingTalkMention) -> String {
        var members = [("msgtype", JSONText.quote(type)), (type, payload)]
        if let mention = at.json { members.append(("at", mention)) }
        return JSONText.object(members)
    }
}
