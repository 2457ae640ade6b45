import Foundation

/// DingTalk robot message bodies, sent to a custom robot's webhook.
enum DingTalkPayload {
    /// `{"msgtype":"text","text":{"content":…},"at":{"atUserIds":[…]}}`.
    static func text(_ content: String, atUserIDs: [String] = []) -> Data {
        JSONCoding.encode(Body(msgtype: "text", text: .init(content: content), markdown: nil, at: mention(atUserIDs)))
    }

    /// `{"msgtype":"markdown","markdown":{"title":…,"text":…},"at":{"atUserIds":[…]}}`.
    static func markdown(title: String, text: String, atUserIDs: [String] = []) -> Data {
        JSONCoding.encode(
            Body(msgtype: "markdown", text: nil, markdown: .init(title: title, text: text), at: mention(atUserIDs)))
    }

    private static func mention(_ userIDs: [String]) -> At? {
        userIDs.isEmpty ? nil : At(atUserIds: userIDs)
    }

    private struct Body: Encodable {
        let msgtype: String
        let text: Text?
        let markdown: Markdown?
        let at: At?
    }

    private struct Text: Encodable {
        let content: String
    }

    private struct Markdown: Encodable {
        let title: String
        let text: String
    }

    private struct At: Encodable {
        let atUserIds: [String]
    }
}

/// WeCom group-robot message bodies.
enum WeComPayload {
    /// `{"msgtype":"text","text":{"content":…}}`.
    static func text(_ content: String) -> Data {
        JSONCoding.encode(Body(msgtype: "text", text: .init(content: content), markdown: nil))
    }

    /// `{"msgtype":"markdown","markdown":{"content":…}}`; WeCom markdown has no title.
    static func markdown(_ content: String) -> Data {
        JSONCoding.encode(Body(msgtype: "markdown", text: nil, markdown: .init(content: content)))
    }

    private struct Body: Encodable {
        let msgtype: String
        let text: Content?
        let markdown: Content?
    }

    private struct Content: Encodable {
        let content: String
    }
}

/// Feishu custom-bot message bodies, optionally signed.
enum FeishuBotPayload {
    /// The signature fields, both strings as Feishu expects.
    struct Signature {
        /// Seconds since 1970.
        let timestamp: String
        /// base64(HMAC-SHA256(key: "timestamp\nsecret", message: empty)).
        let sign: String
    }

    /// `{"msg_type":"text","content":{"text":…}}` plus `timestamp` and `sign` when signed.
    static func text(_ text: String, signature: Signature?) -> Data {
        JSONCoding.encode(
            Body(
                timestamp: signature?.timestamp, sign: signature?.sign, msgType: "text",
                content: FeishuTextContent(text: text), card: nil))
    }

    /// An interactive card with a title and one Markdown element: the custom bot has no
    /// Markdown message type of its own.
    static func markdown(title: String, text: String, signature: Signature?) -> Data {
        let card = Card(
            header: .init(title: .init(tag: "plain_text", content: title)),
            elements: [.init(tag: "markdown", content: text)])
        return JSONCoding.encode(
            Body(
                timestamp: signature?.timestamp, sign: signature?.sign, msgType: "interactive", content: nil, card: card
            ))
    }

    private struct Body: Encodable {
        let timestamp: String?
        let sign: String?
        let msgType: String
        let content: FeishuTextContent?
        let card: Card?

        enum CodingKeys: String, CodingKey {
            case timestamp, sign, content, card
            case msgType = "msg_type"
        }
    }

    private struct Card: Encodable {
        let header: Header
        let elements: [Element]
    }

    private struct Header: Encodable {
        let title: Element
    }

    private struct Element: Encodable {
        let tag: String
        let content: String
    }
}
