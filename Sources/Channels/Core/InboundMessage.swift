/// One user message received from any platform, reduced to what the bot needs to answer it.
///
/// Platform-specific reply handles (DingTalk's session webhook, Feishu's event id) are carried
/// as optional extras so that a single type can flow through the dedupe and answer pipeline.
public struct InboundMessage: Sendable, Equatable, Hashable {
    /// The platform the message came from.
    public var platform: Platform
    /// The platform's message id; the dedupe key for redeliveries.
    ///
    /// WeCom events carry no MsgId, so for them this is `FromUserName#CreateTime`, the key the
    /// WeCom doc prescribes for deduplicating events.
    public var messageID: String
    /// The conversation to answer in: the group or conversation id, or the sender's user id
    /// for a one-to-one chat.
    public var chatID: String
    /// The sender's id as the platform's reply APIs expect it (WeCom UserID, DingTalk staff id
    /// or encrypted sender id, Feishu open_id).
    public var userID: String
    /// The sender's display name, when the platform sends one.
    public var userName: String?
    /// The platform's message type (`text`, `image`, `event`, …), unchanged.
    public var messageType: String
    /// The question text for text messages, with the @mention of the bot removed and
    /// whitespace trimmed; `nil` for every other message type.
    public var text: String?
    /// Whether the message was posted in a group rather than a one-to-one chat.
    public var isGroup: Bool
    /// Whether the platform reported an explicit @mention of the bot.
    public var mentionedBot: Bool
    /// When the message was sent, in seconds since 1970.
    public var createTime: Int64
    /// DingTalk only: the URL that answers this conversation without further credentials.
    public var sessionWebhook: String?
    /// DingTalk only: when ``sessionWebhook`` stops working, in milliseconds since 1970.
    public var sessionWebhookExpiresAtMs: Int64?
    /// Feishu only: `header.event_id`, the key Feishu's retries share.
    public var eventID: String?

    /// Creates a message; the platform extras default to `nil`.
    public init(
        platform: Platform,
        messageID: String,
        chatID: String,
        userID: String,
        userName: String? = nil,
        messageType: String,
        text: String?,
        isGroup: Bool,
        mentionedBot: Bool,
        createTime: Int64,
        sessionWebhook: String? = nil,
        sessionWebhookExpiresAtMs: Int64? = nil,
        eventID: String? = nil
    ) {
        self.platform = platform
        self.messageID = messageID
        self.chatID = chatID
        self.userID = userID
        self.userName = userName
        self.messageType = messageType
        self.text = text
        self.isGroup = isGroup
        self.mentionedBot = mentionedBot
        self.createTime = createTime
        self.sessionWebhook = sessionWebhook
        self.sessionWebhookExpiresAtMs = sessionWebhookExpiresAtMs
        self.eventID = eventID
    }
}
