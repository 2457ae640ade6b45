import Channels
import Desk
import Foundation
import Logging
import Matching
import PolicyKit
import Storage
import Synchronization

/// Answers one message from any channel: applies the rate limit, carries the conversation
/// over from the store, asks the desk, keeps the new conversation state and logs questions
/// the bot could not answer well for staff to review.
public struct AnswerService: Sendable {
    public let desks: DeskHolder
    public let conversations: any ConversationStore
    public let misses: any MissLog
    public let limiter: RateLimiter
    public let metrics: ServerMetrics
    /// Answers below this confidence are logged for review.
    public var reviewBelowConfidence: Double
    /// Keys of the conversations that may be open, so that most messages need no read.
    private let open: OpenConversations

    /// The reply when a user asks too fast.
    public static let slowDown = "您的提问有点频繁，请稍等一会儿再问，我会继续为您解答。"

    public init(
        desks: DeskHolder, conversations: any ConversationStore, misses: any MissLog, limiter: RateLimiter,
        metrics: ServerMetrics, reviewBelowConfidence: Double = 0.5
    ) {
        self.desks = desks
        self.conversations = conversations
        self.misses = misses
        self.limiter = limiter
        self.metrics = metrics
        self.reviewBelowConfidence = reviewBelowConfidence
        self.open = OpenConversations()
    }

    /// Learns which conversations an earlier run left open; done once, on the first message.
    func loadOpenConversationsOnce(now: Date, logger: Logger) async {
        guard !open.isLoaded else { return }
        do {
            open.load(try await conversations.liveExpiries(now: now))
        } catch {
            logger.error("could not list open conversations; will try again", metadata: ["error": "\(error)"])
        }
    }

    /// The reply to a message that is not text (an image, a voice note …).
    public static let notText = "目前我只能回答文字提问，请直接输入您的问题，例如「新认定的高企能拿多少钱？」"

    /// The reply text for a platform message: the answer to a text message, the polite
    /// slow-down when the user asks too fast, or the note that only text is understood.
    public func replyText(
        to message: InboundMessage, flavour: ReplyFlavour, now: Date = Date(), logger: Logger
    ) async -> String {
        guard let text = message.text, message.messageType == "text" else { return Self.notText }
        switch await answer(text, channel: message.platform.rawValue, chat: message.chatID, user: message.userID,
                            flavour: flavour, now: now, logger: logger) {
        case .answered(let answer): return answer.reply
        case .rateLimited: return Self.slowDown
        }
    }

    /// What came of a message.
    public enum Outcome: Sendable {
        case answered(Answer)
        case rateLimited
    }

    /// Answers `text` from `user` in `chat` on `channel`.
    public func answer(
        _ text: String, channel: String, chat: String, user: String, flavour: ReplyFlavour = .plain,
        now: Date = Date(), logger: Logger
    ) async -> Outcome {
        guard limiter.allow("\(channel)|\(user)", now: now) else {
            metrics.outcome("rate_limited", channel: channel)
            logger.notice("rate limited", metadata: ["channel": "\(channel)"])
            return .rateLimited
        }
        await loadOpenConversationsOnce(now: now, logger: logger)
        let desk = desks.desk
        let key = Conversation.key(channel: channel, chat: chat, user: user)
        var conversation: Conversation?
        do {
            if open.mayBeOpen(key, now: now), let data = try await conversations.load(key: key, now: now) {
                conversation = try? JSONDecoder().decode(Conversation.self, from: data)
            }
        } catch {
            logger.error("could not load the conversation; answering without it", metadata: ["error": "\(error)"])
        }
        let exchange = desk.answer(text, conversation: conversation, now: now, flavour: flavour)
        let answer = exchange.answer
        do {
            if let next = exchange.conversation {
                open.insert(key, expiresAt: next.expiresAt, now: now)
                try await conversations.save(key: key, value: try JSONEncoder().encode(next), expiresAt: next.expiresAt)
            } else if open.mayBeOpen(key, now: now) {
                try await conversations.delete(key: key)
                open.remove(key)
            }
        } catch {
            logger.error("could not store the conversation", metadata: ["error": "\(error)"])
        }
        metrics.outcome(answer.kind.rawValue, channel: channel)
        if answer.kind == .refusal || (answer.kind == .answer && answer.confidence < reviewBelowConfidence) {
            let miss = MissRecord(
                text: text, normalizedText: desk.knowledge.reviewKey(for: text), channel: channel, user: user, at: now,
                bestGuessItem: answer.item ?? answer.alternatives.first?.item,
                confidence: answer.matched ? answer.confidence : (answer.alternatives.first?.confidence ?? 0))
            do {
                try await misses.record(miss)
            } catch {
                logger.error("could not log the question for review", metadata: ["error": "\(error)"])
            }
        }
        logger.debug("answered", metadata: [
            "channel": "\(channel)", "match.item": "\(answer.item ?? "-")", "match.kind": "\(answer.kind.rawValue)",
            "match.confidence": "\(String(format: "%.2f", answer.confidence))",
        ])
        return .answered(answer)
    }
}

/// The keys of conversations that may be open, with their expiry. A key is added before its
/// conversation is stored and removed after it is deleted, so a key missing here (or past its
/// expiry) has no live stored conversation and the message needs no read.
final class OpenConversations: Sendable {
    private struct State {
        var expiries: [String: Date] = [:]
        var loaded = false
        /// Inserts since expired keys were last swept out.
        var insertsSinceSweep = 0
    }

    private let state = Mutex(State())

    var isLoaded: Bool { state.withLock { $0.loaded } }

    /// Takes the keys an earlier run left open.
    func load(_ expiries: [String: Date]) {
        state.withLock { state in
            state.expiries.merge(expiries) { current, _ in current }
            state.loaded = true
        }
    }

    func mayBeOpen(_ key: String, now: Date) -> Bool {
        state.withLock { state in state.expiries[key].map { $0 > now } ?? false }
    }

    /// Notes that `key` is open until `expiresAt`. Conversations that expire unanswered are
    /// never deleted one by one, so expired keys are swept out now and then; otherwise every
    /// user who left a question half-finished would stay in memory for good.
    func insert(_ key: String, expiresAt: Date, now: Date) {
        state.withLock { state in
            state.expiries[key] = expiresAt
            state.insertsSinceSweep += 1
            if state.insertsSinceSweep >= max(1024, state.expiries.count / 2) {
                state.expiries = state.expiries.filter { $0.value > now }
                state.insertsSinceSweep = 0
            }
        }
    }

    func remove(_ key: String) { _ = state.withLock { $0.expiries.removeValue(forKey: key) } }

    var count: Int { state.withLock { $0.expiries.count } }
}
