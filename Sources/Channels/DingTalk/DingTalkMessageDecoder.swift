public import Foundation
import TextRules

/// Parses the JSON body of a DingTalk robot callback (the same body Stream mode delivers).
public struct DingTalkMessageDecoder: Sendable {
    /// Creates a decoder; it holds no configuration because the body carries no secrets.
    public init() {}

    /// The message in `body`; fields the bot does not use are ignored, and numbers sent as
    /// strings (or the reverse) are accepted, because the doc and the live platform disagree.
    ///
    /// Call this only after ``DingTalkVerifier`` has accepted the request's headers.
    public func decode(body: Data) throws(ChannelError) -> InboundMessage {
        guard !body.isEmpty else { throw .malformed("the DingTalk callback body is empty") }
        let wire = try JSONBody.decode(Wire.self, from: body, what: "the DingTalk callback body")
        guard !wire.msgId.trimmed.isEmpty else { throw .malformed("the DingTalk callback body has an empty 'msgId'") }
        let isGroup = wire.conversationType.value == "2"
        // senderStaffId is what the send APIs take, but it is empty for external users and
        // before the robot is published; the encrypted senderId is always there.
        let userID = [wire.senderStaffId, wire.senderId].compactMap { $0 }.first { !$0.isEmpty }
        guard let userID else { throw .malformed("the DingTalk callback body names no sender") }
        let chatID: String
        if isGroup {
            guard let conversation = wire.conversationId, !conversation.isEmpty else {
                throw .malformed("the DingTalk group message has no 'conversationId'")
            }
            chatID = conversation
        } else {
            chatID = userID
        }
        return InboundMessage(
            platform: .dingtalk, messageID: wire.msgId, chatID: chatID, userID: userID,
            userName: wire.senderNick.flatMap { $0.isEmpty ? nil : $0 }, messageType: wire.msgtype,
            // In groups DingTalk removes the @robot part but leaves the space in front of it.
            text: wire.msgtype == "text" ? (wire.text?.content ?? "").trimmed : nil,
            isGroup: isGroup, mentionedBot: wire.isInAtList ?? false,
            createTime: wire.createAt.value / 1000,
            sessionWebhook: wire.sessionWebhook.flatMap { $0.isEmpty ? nil : $0 },
            sessionWebhookExpiresAtMs: wire.sessionWebhookExpiredTime?.value)
    }

    private struct Wire: Decodable {
        struct Text: Decodable { let content: String? }
        let msgId: String
        let msgtype: String
        let conversationType: LenientString
        let conversationId: String?
        let senderId: String?
        let senderStaffId: String?
        let senderNick: String?
        let isInAtList: Bool?
        let createAt: LenientInt64
        let sessionWebhook: String?
        let sessionWebhookExpiredTime: LenientInt64?
        let text: Text?
    }
}
