import ArgumentParser
import Desk
import Foundation
import PlanImport

/// `policydesk import`: a plan's text read into a draft `Intents/` folder for staff to review.
struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract:
            "Read a plan (UTF-8 text laid out like the seed) into a draft Intents/ folder; every guessed rule is marked review: true."
    )

    @Argument(help: "The plan as UTF-8 text (numbered measures with 责任领导, 牵头单位 and 责任单位 lines).")
    var file: String

    @Option(name: .long, help: "The folder to write the draft Intents/ into.")
    var out: String

    @Flag(name: .long, help: "Write into --out even when it holds files (they are overwritten).")
    var force = false

    @Flag(name: .long, help: "Write the rules as they stand, without review: true (staff accept the draft as read).")
    var acceptReview = false

    @Option(
        name: .long,
        help: "Copy lexicon.yaml, facts.yaml and out_of_scope.yaml from this Intents folder (a plan does not say them)."
    )
    var carryOver: String?

    @Option(name: .long, help: "Compare the draft's rules with this Intents folder and print the item-by-item table.")
    var compare: String?

    @Option(name: .long, help: "The Templates folder used to load --compare (default ./Templates).")
    var templates = "Templates"

    func run() throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CommandFailure(description: "\(file): not found or not readable")
        }
        let draft: PlanImporter.Draft
        do {
            let text = try PlanText.decode([UInt8](data))
            var options = PlanImporter.Options(markForReview: !acceptReview)
            if let carryOver {
                for name in ["lexicon.yaml", "facts.yaml", "out_of_scope.yaml"] {
                    let path = URL(fileURLWithPath: carryOver).appendingPathComponent(name).path
                    guard let bytes = FileManager.default.contents(atPath: path) else {
                        throw CommandFailure(description: "\(path): not found; --carry-over names an Intents folder")
                    }
                    options.carryOver[name] = String(decoding: bytes, as: UTF8.self)
                }
            }
            draft = try PlanImporter.draft(from: text, options: options)
        } catch let error as PlanImportError {
            throw CommandFailure(description: "\(file): \(error.description)")
        }
        try write(draft)
        for line in draft.summary { emit(line) }
        emit("written: \(draft.files.count) files in \(out)")
        if let compare {
            let loader = KnowledgeBaseLoader(
                intents: URL(fileURLWithPath: compare), templates: URL(fileURLWithPath: templates))
            let reference: KnowledgeBase
            do {
                reference = try loader.load()
            } catch {
                throw CommandFailure(description: "--compare \(compare) does not load:\n\(error.description)")
            }
            emit("")
            for line in ImportComparison(draft: draft.policy, reference: reference.policy).lines { emit(line) }
        }
    }

    private func write(_ draft: PlanImporter.Draft) throws {
        let folder = URL(fileURLWithPath: out)
        let manager = FileManager.default
        if let existing = try? manager.contentsOfDirectory(atPath: folder.path), !existing.isEmpty, !force {
            throw CommandFailure(
                description: "\(out) exists and is not empty; choose another --out or add --force to overwrite")
        }
        do {
            try manager.createDirectory(at: folder.appendingPathComponent("clauses"), withIntermediateDirectories: true)
            for (path, content) in draft.files.sorted(by: { $0.key < $1.key }) {
                try Data(content.utf8).write(to: folder.appendingPathComponent(path), options: .atomic)
            }
        } catch {
            throw CommandFailure(description: "\(out): cannot write the draft: \(error.localizedDescription)")
        }
    }
}
