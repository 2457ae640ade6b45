import Foundation
import Matching

/// One labelled question of an evaluation file (`eval/*.jsonl`).
public struct LabelledQuestion: Sendable, Decodable {
    public var id: String
    public var q: String
    public var clause: Int?
    public var leadUnit: String?
    public var amountYuan: Int64?
    public var maxYuan: Int64?
    /// Free text; a leading tag such as `[ask]` says what the question tests (`[ask]`: the
    /// answer must ask back for a missing fact or a choice).
    public var note: String?

    /// The labelled files' keys, which scripts and other tools share.
    enum CodingKeys: String, CodingKey {
        case id, q, clause, note
        case leadUnit = "lead_unit"
        case amountYuan = "amount_yuan"
        case maxYuan = "max_yuan"
    }

    /// Whether the question is labelled as one the bot must answer by asking back.
    public var expectsAskingBack: Bool { note?.hasPrefix("[ask]") ?? false }

    /// Which half of a labelled set a question belongs to: ids with an odd number are for
    /// tuning, ids with an even number are held out and never tuned on.
    public var isHeldOut: Bool {
        let digits = id.filter(\.isNumber)
        return (Int(digits) ?? 0) % 2 == 0
    }
}

/// The figures of one evaluation run.
public struct EvaluationReport: Sendable, Encodable {
    /// Per-clause precision and recall.
    public struct ClauseFigures: Sendable, Encodable {
        public var clause: String
        public var support: Int
        public var precision: Double
        public var recall: Double
    }

    /// One wrong answer.
    public struct Confusion: Sendable, Encodable {
        public var id: String
        public var question: String
        public var expected: String
        public var got: String
        public var what: String
    }

    public var questions: Int
    /// Top-1 clause accuracy over every question (out of scope counts as a clause).
    public var clauseAccuracy: Double
    /// Top-1 clause accuracy over in-scope questions.
    public var inScopeAccuracy: Double
    /// Share of out-of-scope questions refused.
    public var outOfScopeRejection: Double
    /// Share of in-scope questions wrongly refused.
    public var falseRejection: Double
    /// Share of questions with a labelled amount (exact or ceiling) answered with that amount.
    public var amountAccuracy: Double
    public var amountQuestions: Int
    /// Wrong amounts by what went wrong: `condition` (a broken condition ignored, or one
    /// wrongly found broken), `item` (another item of the clause pays the labelled amount),
    /// `rule` (the rule gave a ceiling or nothing where the text computes an amount), `number`
    /// (a figure of the question misread or not read), `refusal` (refused), `clause` (another
    /// clause answered).
    public var amountErrors: [String: Int]
    /// Questions labelled `[ask]`, and the share answered by asking back.
    public var askQuestions: Int
    public var askingBack: Double
    /// Share of in-scope questions with the right 牵头单位.
    public var leadUnitAccuracy: Double
    public var perClause: [ClauseFigures]
    public var confusions: [Confusion]

    /// The report as lines for a terminal.
    public func lines(title: String) -> [String] {
        var out = ["== \(title): \(questions) questions"]
        out.append(String(format: "clause accuracy (top-1, all):   %.1f%%", clauseAccuracy * 100))
        out.append(String(format: "clause accuracy (in scope):     %.1f%%", inScopeAccuracy * 100))
        out.append(String(format: "out-of-scope rejection:         %.1f%%", outOfScopeRejection * 100))
        out.append(String(format: "false rejection (in scope):     %.1f%%", falseRejection * 100))
        out.append(
            String(format: "amount accuracy:                %.1f%% of %d", amountAccuracy * 100, amountQuestions))
        let kinds = Evaluation.errorKinds.map { "\($0) \(amountErrors[$0] ?? 0)" }.joined(separator: ", ")
        out.append("amount errors by kind:          \(kinds)")
        out.append(String(format: "asking back:                    %.1f%% of %d", askingBack * 100, askQuestions))
        out.append(String(format: "lead unit accuracy:             %.1f%%", leadUnitAccuracy * 100))
        out.append("per clause (support, precision, recall):")
        for c in perClause {
            out.append(
                String(format: "  %-4@ %3d  %5.1f%%  %5.1f%%", c.clause, c.support, c.precision * 100, c.recall * 100))
        }
        out.append("confusions (\(confusions.count)):")
        for c in confusions {
            out.append("  \(c.id) [\(c.what)] expected \(c.expected), got \(c.got): \(c.question)")
        }
        return out
    }
}

/// Runs a desk over labelled questions.
public enum Evaluation {
    /// Reads a JSON-lines file of labelled questions; a bad line is an error naming its number.
    public static func read(_ text: String, file: String) throws(KnowledgeBaseError) -> [LabelledQuestion] {
        var rows: [LabelledQuestion] = []
        let decoder = JSONDecoder()
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            do {
                rows.append(try decoder.decode(LabelledQuestion.self, from: Data(trimmed.utf8)))
            } catch {
                throw .invalid([Problem(file: file, line: n + 1, message: "not a labelled question: \(error)")])
            }
        }
        return rows
    }

    /// The kinds of amount errors, in the order reports list them.
    public static let errorKinds = ["condition", "item", "rule", "number", "refusal", "clause"]

    /// What went wrong with an amount that differs from the label (see ``EvaluationReport/amountErrors``).
    static func errorKind(_ row: LabelledQuestion, answer: Answer, desk: Desk) -> String {
        guard answer.matched, answer.kind != .refusal else { return "refusal" }
        guard answer.clause == row.clause else { return "clause" }
        let got = answer.amount?.yuan
        if answer.amount?.brokenCondition != nil || (row.amountYuan == 0 && (got ?? 0) != 0) { return "condition" }
        if let expected = row.amountYuan ?? row.maxYuan, let item = answer.item,
            desk.siblingAmounts(of: item, question: row.q).contains(expected)
        {
            return "item"
        }
        if got == nil {
            let numbers = NumberReader.mentions(in: desk.knowledge.normalizer.normalize(row.q)).filter {
                $0.kind != .plain
            }
            return (answer.needs.isEmpty || numbers.isEmpty) ? "rule" : "number"
        }
        return "number"
    }

    /// Answers every question and compares with its labels.
    public static func run(_ rows: [LabelledQuestion], desk: Desk) -> EvaluationReport {
        var correct = 0, inScope = 0, inScopeCorrect = 0, oos = 0, oosRejected = 0, falseRejected = 0
        var amountTotal = 0, amountCorrect = 0, leadTotal = 0, leadCorrect = 0
        var truePositive: [String: Int] = [:], predicted: [String: Int] = [:], support: [String: Int] = [:]
        var confusions: [EvaluationReport.Confusion] = []
        var amountErrors: [String: Int] = [:]
        var askTotal = 0, askCorrect = 0
        func label(_ c: Int?) -> String { c.map(String.init) ?? "none" }

        for row in rows {
            let answer = desk.answer(row.q).answer
            let got = answer.matched ? answer.clause : nil
            let expected = label(row.clause)
            support[expected, default: 0] += 1
            predicted[label(got), default: 0] += 1
            if got == row.clause {
                correct += 1
                truePositive[expected, default: 0] += 1
            } else {
                confusions.append(
                    .init(
                        id: row.id, question: row.q, expected: expected,
                        got: "\(label(got))\(answer.item.map { " (\($0))" } ?? "")", what: "clause"))
            }
            if row.expectsAskingBack {
                askTotal += 1
                if answer.kind == .clarification || (!answer.needs.isEmpty && answer.amount?.yuan == nil) {
                    askCorrect += 1
                } else if got == row.clause {
                    confusions.append(
                        .init(
                            id: row.id, question: row.q, expected: "asking back",
                            got: answer.amount.map { "\($0.yuan.map(String.init) ?? "null") [\($0.formula)]" }
                                ?? "no amount", what: "ask"))
                }
            }
            if row.clause == nil {
                oos += 1
                if !answer.matched { oosRejected += 1 }
                continue
            }
            inScope += 1
            if got == row.clause { inScopeCorrect += 1 }
            if !answer.matched { falseRejected += 1 }
            if row.clause.map({ (1...30).contains($0) }) ?? false {
                leadTotal += 1
                if answer.leadUnit == row.leadUnit { leadCorrect += 1 }
            }
            if let yuan = row.amountYuan {
                amountTotal += 1
                if answer.amount?.yuan == yuan {
                    amountCorrect += 1
                } else {
                    amountErrors[errorKind(row, answer: answer, desk: desk), default: 0] += 1
                }
                if answer.amount?.yuan != yuan, got == row.clause {
                    confusions.append(
                        .init(
                            id: row.id, question: row.q, expected: "\(yuan)",
                            got: answer.amount.map { "\($0.yuan.map(String.init) ?? "null") [\($0.formula)]" }
                                ?? "no amount", what: "amount"))
                }
            } else if let max = row.maxYuan {
                amountTotal += 1
                if answer.amount?.yuan == nil && answer.amount?.maxYuan == max {
                    amountCorrect += 1
                } else {
                    amountErrors[errorKind(row, answer: answer, desk: desk), default: 0] += 1
                }
                if !(answer.amount?.yuan == nil && answer.amount?.maxYuan == max), got == row.clause {
                    confusions.append(
                        .init(
                            id: row.id, question: row.q, expected: "max \(max)",
                            got: answer.amount.map {
                                "\($0.yuan.map(String.init) ?? "null")/max \($0.maxYuan.map(String.init) ?? "null")"
                            } ?? "no amount", what: "amount"))
                }
            }
        }
        let clauses = support.keys.sorted { (Int($0) ?? 99) < (Int($1) ?? 99) }
        let perClause = clauses.map { c in
            EvaluationReport.ClauseFigures(
                clause: c, support: support[c] ?? 0,
                precision: ratio(truePositive[c] ?? 0, predicted[c] ?? 0),
                recall: ratio(truePositive[c] ?? 0, support[c] ?? 0))
        }
        return EvaluationReport(
            questions: rows.count, clauseAccuracy: ratio(correct, rows.count),
            inScopeAccuracy: ratio(inScopeCorrect, inScope),
            outOfScopeRejection: ratio(oosRejected, oos), falseRejection: ratio(falseRejected, inScope),
            amountAccuracy: ratio(amountCorrect, amountTotal), amountQuestions: amountTotal,
            amountErrors: amountErrors, askQuestions: askTotal, askingBack: ratio(askCorrect, askTotal),
            leadUnitAccuracy: ratio(leadCorrect, leadTotal), perClause: perClause, confusions: confusions)
    }

    private static func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 1 : Double(a) / Double(b) }
}
