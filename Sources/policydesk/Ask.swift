import ArgumentParser
import Desk
import Foundation
import Storage

/// `policydesk ask`: answers a question from the command line, or a stream of them.
struct Ask: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Answer a question (plain text, --json), or one question per line of standard input (--jsonl).")

    @OptionGroup var knowledge: KnowledgeOptions

    @OptionGroup var draft: DraftOptions

    @Flag(name: .long, help: "Print the answer object as JSON.")
    var json = false

    @Flag(name: .long, help: "Read one question per line from standard input; write one answer object per line.")
    var jsonl = false

    @Flag(name: .long, help: "Write the reply as Markdown (as DingTalk and Feishu show it).")
    var markdown = false

    @Flag(name: .long, help: "Show how the question was read: normalized text, facts, candidate items and scores.")
    var explain = false

    @Option(name: .long, help: "Keep a conversation for this user across calls (stored in $POLICYDESK_DB).")
    var user: String?

    @Argument(help: "The question.")
    var question: [String] = []

    func validate() throws {
        if jsonl && !question.isEmpty {
            throw ValidationError("--jsonl reads questions from standard input; give no QUESTION")
        }
        if !jsonl && question.isEmpty {
            throw ValidationError("give a QUESTION, or use --jsonl to read questions from standard input")
        }
    }

    func run() async throws {
        let desk = Desk(knowledge: try knowledge.load(allowDraft: draft.allowDraft))
        let flavour: ReplyFlavour = markdown ? .markdown : .plain
        if jsonl {
            while let line = readLine(strippingNewline: true) {
                emit(desk.answer(line, flavour: flavour).answer.jsonLine())
            }
            return
        }
        let text = question.joined(separator: " ")
        if explain { desk.explain(text).forEach(emit) }
        var exchange: Exchange
        if let user {
            let path = ProcessInfo.processInfo.environment["POLICYDESK_DB"] ?? "policydesk.sqlite"
            let store = try SQLiteStorage(path: path)
            let key = Conversation.key(channel: "cli", chat: "cli", user: user)
            let now = Date()
            let saved = try await store.load(key: key, now: now).flatMap { Conversation(storedJSON: $0) }
            exchange = desk.answer(text, conversation: saved, now: now, flavour: flavour)
            if let next = exchange.conversation {
                try await store.save(key: key, value: next.storedJSON(), expiresAt: next.expiresAt)
            } else {
                try await store.delete(key: key)
            }
        } else {
            exchange = desk.answer(text, flavour: flavour)
        }
        emit(json ? exchange.answer.jsonLine() : exchange.answer.reply)
    }
}
