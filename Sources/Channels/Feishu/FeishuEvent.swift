import JSONWriter

/// What a Feishu event-subscription request turned out to be.
public enum FeishuEvent: Sendable, Equatable {
    /// The console's request-URL check; answer with ``responseBody`` within one second.
    case urlVerification(challenge: String)
    /// An `im.message.receive_v1` event.
    case message(InboundMessage)
    /// Any other authenticated v2 event, to acknowledge and ignore.
    case other(eventType: String, eventID: String?)

    /// The HTTP 200 JSON body to answer with: the plaintext challenge for a URL check (even
    /// in Encrypt Key mode), otherwise `{"msg":"success"}` as lark-oapi answers.
    public var responseBody: String {
        switch self {
        case .urlVerification(let challenge):
            JSONText.object([("challenge", JSONText.quote(challenge))])
        case .message, .other:
            JSONText.object([("msg", JSONText.quote("success"))])
        }
    }
}
