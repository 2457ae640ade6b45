import ArgumentParser
import Desk
import Foundation

/// `policydesk eval`: measures the desk on labelled questions, the tuning half and the
/// held-out half reported apart.
struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate on a labelled JSON-lines file: clause accuracy, rejection, amounts, confusions.")

    @OptionGroup var knowledge: KnowledgeOptions

    @OptionGroup var draft: DraftOptions

    @Flag(name: .long, help: "Print the figures as one JSON object.")
    var json = false

    @Argument(help: "The labelled questions (JSON lines: id, q, clause, lead_unit, amount_yuan, max_yuan).")
    var file: String

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
        else {
            throw CommandFailure(description: "\(file): not found or not UTF-8 text")
        }
        let rows: [LabelledQuestion]
        do {
            rows = try Evaluation.read(text, file: file)
        } catch {
            throw CommandFailure(description: error.description)
        }
        let desk = Desk(knowledge: try knowledge.load(allowDraft: draft.allowDraft))
        let all = Evaluation.run(rows, desk: desk)
        let tuning = Evaluation.run(rows.filter { !$0.isHeldOut }, desk: desk)
        let heldOut = Evaluation.run(rows.filter(\.isHeldOut), desk: desk)
        if json {
            struct Output: Encodable { var all, tuning, heldOut: EvaluationReport }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            emit(
                String(decoding: try encoder.encode(Output(all: all, tuning: tuning, heldOut: heldOut)), as: UTF8.self))
            return
        }
        for line in heldOut.lines(title: "held-out half (even ids, never tuned on)") { emit(line) }
        emit("")
        for line in tuning.lines(title: "tuning half (odd ids)").prefix(7) { emit(line) }
        emit("")
        for line in all.lines(title: "all").prefix(7) { emit(line) }
    }
}
