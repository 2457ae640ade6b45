import Foundation

/// One labelled question of an evaluation file (`eval/*.jsonl`).
public struct LabelledQuestion: Sendable, Decodable {
    public var id: String
    public var q: String
    public var clause: Int?
    public var lead_unit: String?
    public var amount_yuan: Int64?
    public var max_yuan: Int64?

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
        out.append(String(format: "amount accuracy:                %.1f%% of %d", amountAccuracy * 100, amountQuestions))
        out.append(String(format: "lead unit accuracy:             %.1f%%", leadUnitAccuracy * 100))
        out.append("per clause (support, precision, recall):")
        for c in perClause {
            out.append(String(format: "  %-4@ %3d  %5.1f%%  %5.1f%%", c.clause, c.support, c.precision * 100, c.recall * 100))
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

    /// Answers every question and compares with its labels.
    public static func run(_ rows: [LabelledQuestion], desk: Desk) -> EvaluationReport {
        var correct = 0, inScope = 0, inScopeCorrect = 0, oos = 0, oosRejected = 0, falseRejected = 0
        var amountTotal = 0, amountCorrect = 0, leadTotal = 0, leadCorrect = 0
        var truePositive: [String: Int] = [:], predicted: [String: Int] = [:], support: [String: Int] = [:]
        var confusions: [EvaluationReport.Confusion] = []
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
                confusions.append(.init(id: row.id, question: row.q, expected: expected, got: "\(label(got))\(answer.item.map { " (\($0))" } ?? "")", what: "clause"))
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
                if answer.leadUnit == row.lead_unit { leadCorrect += 1 }
            }
            if let yuan = row.amount_yuan {
                amountTotal += 1
                if answer.amount?.yuan == yuan {
                    amountCorrect += 1
                } else if got == row.clause {
                    confusions.append(.init(id: row.id, question: row.q, expected: "\(yuan)", got: answer.amount.map { "\($0.yuan.map(String.init) ?? "null") [\($0.formula)]" } ?? "no amount", what: "amount"))
                }
            } else if let max = row.max_yuan {
                amountTotal += 1
                if answer.amount?.yuan == nil && answer.amount?.maxYuan == max {
                    amountCorrect += 1
                } else if got == row.clause {
                    confusions.append(.init(id: row.id, question: row.q, expected: "max \(max)", got: answer.amount.map { "\($0.yuan.map(String.init) ?? "null")/max \($0.maxYuan.map(String.init) ?? "null")" } ?? "no amount", what: "amount"))
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
            questions: rows.count, clauseAccuracy: ratio(correct, rows.count), inScopeAccuracy: ratio(inScopeCorrect, inScope),
            outOfScopeRejection: ratio(oosRejected, oos), falseRejection: ratio(falseRejected, inScope),
            amountAccuracy: ratio(amountCorrect, amountTotal), amountQuestions: amountTotal,
            leadUnitAccuracy: ratio(leadCorrect, leadTotal), perClause: perClause, confusions: confusions)
    }

    private static func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 1 : Double(a) / Double(b) }
}
