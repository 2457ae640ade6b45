public import Channels
public import Desk
public import Foundation
public import Logging
import Matching
import PolicyKit
public import Storage
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
    /// Told of every conversation write, so that `/healthz` knows when the store fails.
    public var health: StoreHealth?

    /// The reply when a user asks too fast.
    public static let slowDown = "您的提问有点频繁，请稍等一会儿再问，我会继续为您解答。"

    public init(
        desks: DeskHolder, conversations: any ConversationStore, misses: any MissLog, limiter: RateLimiter,
        metrics: ServerMetrics, reviewBelowConfidence: Double = 0.5, sharedStore: Bool = false
    ) {
        self.desks = desks
        self.conversations = conversations
        self.misses = misses
        self.limiter = limiter
        self.metrics = metrics
        self.reviewBelowConfidence = reviewBelowConfidence
        // With several instances a conversation may be opened by another one, which this
        // process's index would not know of: every message then reads the store.
        self.open = sharedStore ? OpenConversations.disabled() : OpenConversations()
    }

    /// Learns which conversations an earlier run left open; done once, on the first message.
    func loadOpenConversationsOnce(now: Date, logger: Logger) async {
        guard !open.isLoaded else { return }
        await reloadOpenConversations(now: now, logger: logger)
    }

    /// Reads the open conversations' keys from the store again, so that an index that gave up
    /// under a flood of askers becomes exact once they have gone; housekeeping calls it.
    public func reloadOpenConversations(now: Date, logger: Logger) async {
        guard open.capacity > 0, !open.isLoaded || !open.isComplete else { return }
        let mark = open.mark
        do {
            open.load(try await conversations.liveExpiries(now: now, limit: open.capacity), since: mark)
        } catch {
            logger.error("could not list open conversations; will try again", metadata: ["error": "\(error)"])
        }
    }

    /// The reply to a message that is not text (an image, a voice note …).
    public static let notText = "目前我只能回答文字提问，请直接输入您的问题，例如「新认定的高企能拿多少钱？」"

    /// The reply text for a platform message: the answer to a text message, the polite
    /// slow-down when the user asks too fast, or the note that only text is understood.
    public func replyText(
        to message: InboundMessage, flavour: ReplyFlavour, now: Date, logger: Logger
    ) async -> String {
        guard let text = message.text, message.messageType == "text" else { return Self.notText }
        switch await answer(
            text, channel: message.platform.rawValue, chat: message.chatID, user: message.userID,
            flavour: flavour, now: now, logger: logger)
        {
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
        now: Date, logger: Logger
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
        // Whether a conversation may be stored under the key: a read that found none spares the
        // delete below (with a shared store every message reads, so that is one round trip less).
        var mayBeStored = open.mayBeOpen(key, now: now)
        do {
            if mayBeStored {
                if let data = try await conversations.load(key: key, now: now) {
                    conversation = Conversation(storedJSON: data)
                } else {
                    mayBeStored = false
                }
            }
        } catch {
            if let health {
                _ = health.failed("load a conversation; answered without it", error, logger: logger)
            } else {
                logger.error("could not load the conversation; answering without it", metadata: ["error": "\(error)"])
            }
        }
        let exchange = desk.answer(text, conversation: conversation, now: now, flavour: flavour)
        let answer = exchange.answer
        do {
            if let next = exchange.conversation {
                open.insert(key, expiresAt: next.expiresAt, now: now)
                try await conversations.save(key: key, value: next.storedJSON(), expiresAt: next.expiresAt)
                health?.succeeded(logger: logger)
            } else if mayBeStored {
                try await conversations.delete(key: key)
                open.remove(key)
                health?.succeeded(logger: logger)
            }
        } catch {
            if let health {
                _ = health.failed("store a conversation", error, logger: logger)
            } else {
                logger.error("could not store the conversation", metadata: ["error": "\(error)"])
            }
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
        logger.debug(
            "answered",
            metadata: [
                "channel": "\(channel)", "match.item": "\(answer.item ?? "-")", "match.kind": "\(answer.kind.rawValue)",
                "match.confidence": "\(String(format: "%.2f", answer.confidence))",
            ])
        return .answered(answer)
    }
}

/// The keys of conversations that may be open, with their expiry. A key is added before its
/// conversation is stored and removed after it is deleted, so a key missing here (or past its
/// expiry) has no live stored conversation and the message needs no read.
///
/// Bounded: with more open conversations than `capacity` (a flood of one-off askers) the index
/// gives up, forgets its keys and answers "may be open" for everyone, so every message reads
/// the store; ``load(_:)`` makes it exact again once the store holds few enough.
final class OpenConversations: Sendable {
    private struct State {
        var expiries: [String: Date] = [:]
        var loaded = false
        /// Whether every open conversation is in `expiries`.
        var complete = true
        /// Inserts since expired keys were last swept out.
        var insertsSinceSweep = 0
        /// Conversations opened since the index gave up: a reload that read the store before
        /// one of them may have missed it, so it must not make the index exact.
        var opensWhileIncomplete = 0
        /// Off for good (a shared store): nothing makes it exact.
        var off = false
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    /// An index that knows nothing and never loads: every key may be open, so every message reads
    /// the store. For a store shared by several instances.
    static func disabled() -> OpenConversations {
        let index = OpenConversations(capacity: 0)
        index.state.withLock { state in
            state.loaded = true
            state.complete = false
            state.off = true
        }
        return index
    }

    var isLoaded: Bool { state.withLock { $0.loaded } }
    var isComplete: Bool { state.withLock { $0.complete } }

    /// A mark to take before reading the store for ``load(_:since:)``.
    var mark: Int { state.withLock { $0.opensWhileIncomplete } }

    /// Takes the keys the store holds open, read after `mark` was taken: at start, and to
    /// become exact again after giving up (unless a conversation opened during the read).
    /// Nil: the store holds more than `capacity`.
    func load(_ expiries: [String: Date]?, since mark: Int) {
        state.withLock { state in
            state.loaded = true
            guard !state.off, state.complete || state.opensWhileIncomplete == mark else { return }
            guard let expiries, expiries.count <= capacity else {
                state.expiries = [:]
                state.complete = false
                return
            }
            state.expiries.merge(expiries) { current, _ in current }
            state.complete = true
        }
    }

    func mayBeOpen(_ key: String, now: Date) -> Bool {
        state.withLock { state in
            guard state.complete else { return true }
            return state.expiries[key].map { $0 > now } ?? false
        }
    }

    /// Notes that `key` is open until `expiresAt`. Conversations that expire unanswered are
    /// never deleted one by one, so expired keys are swept out now and then.
    func insert(_ key: String, expiresAt: Date, now: Date) {
        state.withLock { state in
            guard state.complete else {
                state.opensWhileIncomplete += 1
                return
            }
            state.expiries[key] = expiresAt
            state.insertsSinceSweep += 1
            if state.insertsSinceSweep >= max(1024, state.expiries.count / 2) || state.expiries.count > capacity {
                state.expiries = state.expiries.filter { $0.value > now }
                state.insertsSinceSweep = 0
                if state.expiries.count > capacity {
                    state.expiries = [:]
                    state.complete = false
                }
            }
        }
    }

    func remove(_ key: String) { _ = state.withLock { $0.expiries.removeValue(forKey: key) } }

    var count: Int { state.withLock { $0.expiries.count } }
}
