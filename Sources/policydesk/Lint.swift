import ArgumentParser
import Desk
import Foundation
import PolicyKit

/// `policydesk lint`: checks `Intents/` and `Templates/` the way the server loads them.
struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check Intents/ and Templates/; print FILE:LINE: message for each problem, exit 1 if any.")

    @OptionGroup var knowledge: KnowledgeOptions

    func run() throws {
        do {
            let kb = try knowledge.loader.load()
            let items = kb.policy.items
            let examples = items.reduce(0) { $0 + $1.examples.count }
            print(
                "ok: \(kb.policy.clauses.count) clauses, \(items.count) items, \(examples) example questions, \(kb.outOfScopeExamples.count) out-of-scope examples"
            )
        } catch {
            for problem in error.problems { print(problem.description) }
            throw ExitCode(1)
        }
    }
}
