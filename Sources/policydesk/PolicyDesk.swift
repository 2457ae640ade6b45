import ArgumentParser
import Desk
import Foundation

/// The `policydesk` command: the server, the question desk and the staff tools.
@main
struct PolicyDesk: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policydesk",
        abstract: "东胜区科技创新政策自助问答：webhook 服务、命令行问答与员工工具。",
        subcommands: [
            Serve.self, Reload.self, Backup.self, Intents.self, Staff.self, Ask.self, Lint.self, Eval.self,
            Campaign.self,
            Import.self,
        ]
    )
}

/// Where the knowledge base lives; shared by every command that loads it.
struct KnowledgeOptions: ParsableArguments {
    @Option(name: .long, help: "The Intents folder (default: $POLICYDESK_INTENTS or ./Intents).")
    var intents: String?

    @Option(name: .long, help: "The Templates folder (default: $POLICYDESK_TEMPLATES or ./Templates).")
    var templates: String?

    var loader: KnowledgeBaseLoader {
        let env = ProcessInfo.processInfo.environment
        return KnowledgeBaseLoader(
            intents: URL(fileURLWithPath: intents ?? env["POLICYDESK_INTENTS"] ?? "Intents"),
            templates: URL(fileURLWithPath: templates ?? env["POLICYDESK_TEMPLATES"] ?? "Templates"))
    }

    /// Loads the knowledge base or exits with the problems, one per line; a draft (rules still
    /// marked `review: true`) only with `allowDraft`.
    func load(allowDraft: Bool = false) throws -> KnowledgeBase {
        var loader = self.loader
        loader.allowDraft = allowDraft
        do {
            return try loader.load()
        } catch {
            var message = error.description + "\n"
            if !allowDraft, error.problems.allSatisfy({ $0.message.hasPrefix("rule not reviewed") }) {
                message +=
                    "this is a draft (from policydesk import): review its rules, or pass --allow-draft to use it as a draft\n"
            }
            FileHandle.standardError.write(Data(message.utf8))
            throw ExitCode(1)
        }
    }
}

/// The switch that lets `ask` and `eval` load a draft knowledge base.
struct DraftOptions: ParsableArguments {
    @Flag(
        name: .long,
        help: "Load a draft knowledge base (rules still marked review: true); every answer says it is a draft.")
    var allowDraft = false
}

/// Writes a line to standard output and flushes it, so that a pipe sees each answer at once.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Fails the command with a one-line message.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
}
