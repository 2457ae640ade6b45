import Desk
import Foundation
import Matching
import Mustache
import PolicyKit

// Measures the whole answer path (normalize, match, compute, render) in one thread:
// answers per second, p50 and p99 latency, and resident memory, first with the shipped
// knowledge base and then with it scaled up to 10,000 generated items.

let arguments = CommandLine.arguments
let root = arguments.count > 1 ? arguments[1] : "."
let rounds = arguments.count > 2 ? Int(arguments[2]) ?? 20 : 20

func residentMegabytes() -> (current: Double, peak: Double) {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0) }
    func field(_ name: String) -> Double {
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            let digits = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return digits / 1024
        }
        return 0
    }
    return (field("VmRSS:"), field("VmHWM:"))
}

struct Figures {
    var answers: Int
    var seconds: Double
    var p50: Double
    var p99: Double
    var max: Double
}

func measure(_ desk: Desk, questions: [String], rounds: Int) -> Figures {
    var latencies: [Double] = []
    latencies.reserveCapacity(questions.count * rounds)
    var checksum = 0
    let clock = ContinuousClock()
    // One warm-up pass so that lazy initialisation is not measured.
    for q in questions { checksum &+= desk.answer(q).answer.reply.utf8.count }
    let start = clock.now
    for _ in 0..<rounds {
        for q in questions {
            let t0 = clock.now
            let answer = desk.answer(q).answer
            let t1 = clock.now
            checksum &+= answer.reply.utf8.count
            let d = t1 - t0
            latencies.append(d / .microseconds(1))
        }
    }
    let total = clock.now - start
    let seconds = total / .seconds(1)
    latencies.sort()
    if checksum == 42 { print("") }  // keeps the work from being optimised away
    func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] }
    return Figures(
        answers: latencies.count, seconds: seconds, p50: percentile(0.5), p99: percentile(0.99),
        max: latencies.last ?? 0)
}

func report(_ title: String, _ f: Figures, documents: Int) {
    let rss = residentMegabytes()
    print(title)
    print(String(format: "  indexed texts:    %d", documents))
    print(
        String(
            format: "  answers:          %d in %.2f s = %.0f answers/s (one thread)", f.answers, f.seconds,
            Double(f.answers) / f.seconds))
    print(String(format: "  latency:          p50 %.1f µs, p99 %.1f µs, max %.1f µs", f.p50, f.p99, f.max))
    print(String(format: "  resident memory:  %.1f MB now, %.1f MB peak", rss.current, rss.peak))
}

let loader = KnowledgeBaseLoader(
    intents: URL(fileURLWithPath: root).appendingPathComponent("Intents"),
    templates: URL(fileURLWithPath: root).appendingPathComponent("Templates"))
let knowledge: KnowledgeBase
do {
    knowledge = try loader.load()
} catch {
    FileHandle.standardError.write(Data((error.description + "\n").utf8))
    exit(1)
}

// Questions: every example, slightly reworded so that none is an exact copy, plus refusals.
var questions: [String] = []
for item in knowledge.policy.items {
    for (i, example) in item.examples.enumerated() {
        questions.append(i % 2 == 0 ? example + "，市里给了300万" : "请问" + example)
    }
}
questions += knowledge.outOfScopeExamples.map { $0 + "？" }
if arguments.count > 3, arguments[3] == "profile" {
    // A short run of the answer path alone, for a profiler.
    let desk = Desk(knowledge: knowledge)
    var sink = 0
    for _ in 0..<rounds { for q in questions { sink &+= desk.answer(q).answer.reply.utf8.count } }
    print(sink)
    exit(0)
}
let baseline = residentMegabytes()
print(String(format: "resident memory after loading: %.1f MB", baseline.current))

// Every question read afresh: the matching cost a new wording pays.
var desk = Desk(knowledge: knowledge)
desk.cachesReadings = false
report(
    "shipped knowledge base (\(knowledge.policy.items.count) items, \(questions.count) questions × \(rounds) rounds)",
    measure(desk, questions: questions, rounds: rounds), documents: knowledge.matcher.documentCount)
var repeated = desk
repeated.cachesReadings = true
report(
    "shipped knowledge base, questions asked again in the same words (reading cache)",
    measure(repeated, questions: questions, rounds: rounds), documents: knowledge.matcher.documentCount)
var uncached = desk
uncached.cachesReplies = false
report(
    "shipped knowledge base, every reply rendered afresh (no reply cache)",
    measure(uncached, questions: questions, rounds: max(1, rounds / 4)), documents: knowledge.matcher.documentCount)

// Scale up: 10,000 items generated from the shipped ones, each with its own distinguishing
// words, so that postings lists grow as they would with a much larger policy.
let syllables = Array("甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥金木水火土风云山川河湖海林田")
func tag(_ n: Int) -> String {
    var n = n
    var s = ""
    for _ in 0..<3 {
        s.append(syllables[n % syllables.count])
        n /= syllables.count
    }
    return s
}
var clauses = knowledge.policy.clauses
let originals = knowledge.policy.items
var generated = 0
var clauseIndex = 1
while generated + originals.count < 10_000 {
    for item in originals where generated + originals.count < 10_000 {
        var copy = item
        let t = tag(generated)
        copy.id = "\(item.clause).g\(generated)"
        copy.title = t + item.title
        copy.examples = item.examples.map { t + $0 }
        let target = clauseIndex % clauses.count
        clauses[target].items.append(copy)
        clauseIndex += 1
        generated += 1
    }
}
let bigPolicy = Policy(
    title: knowledge.policy.title, sections: knowledge.policy.sections, clauses: clauses,
    checklistNote: knowledge.policy.checklistNote, notes: knowledge.policy.notes)
let buildStart = Date()
let big = knowledge.replacingPolicy(bigPolicy)
print(String(format: "built the 10,000-item knowledge base in %.2f s", Date().timeIntervalSince(buildStart)))
var bigDesk = Desk(knowledge: big)
bigDesk.cachesReadings = false
report(
    "generated knowledge base (\(bigPolicy.items.count) items)",
    measure(bigDesk, questions: questions, rounds: max(1, rounds / 10)),
    documents: big.matcher.documentCount)

// Where the time goes, stage by stage, on the shipped knowledge base.
@MainActor func stage(_ name: String, _ body: (String) -> Int) {
    let clock = ContinuousClock()
    var sink = 0
    let start = clock.now
    for _ in 0..<3 { for q in questions { sink &+= body(q) } }
    let d = clock.now - start
    let us = (d / .microseconds(1)) / Double(3 * questions.count)
    print(String(format: "  stage %-10@ %.1f µs/answer%@", name, us, sink == 42 ? " " : ""))
}
print("stages (shipped knowledge base):")
let n = knowledge.normalizer
stage("normalize") { n.normalize($0).utf8.count }
stage("extract") { knowledge.factExtractor.extract(n.normalize($0)).money.count }
stage("rank") {
    let t = n.normalize($0);
    return knowledge.matcher.rank(t, extraction: knowledge.factExtractor.extract(t)).candidates.count
}
stage("answer") { desk.answer($0).answer.reply.utf8.count }
stage("json") { desk.answer($0).answer.jsonLine().utf8.count }
do {
    let context: [String: Any] = [
        "clauseLabel": "第12条", "clauseTitle": "扶优做强高新技术企业", "title": "首次认定国家高新技术企业",
        "text": knowledge.policy.item("12.2")?.text ?? "", "leadUnit": "区工信和科技局", "units": "区财政局", "leader": "史雪松",
        "amount": "20万", "formula": "规模以上企业一次性奖补 20万", "hasChecklist": true,
        "checklist": [["document": "营业执照"], ["document": "高企证书"], ["document": "申请表"]], "checklistNote": "以牵头单位通知为准",
    ]
    stage("render") { _ in knowledge.templates.render(context, withTemplate: "answer.txt")?.utf8.count ?? 0 }
}
stage("grams") { NGramIndex.grams(of: n.normalizedScalars($0)).count }
stage("index") { knowledge.matcher.index.labelScores(for: NGramIndex.grams(of: n.normalizedScalars($0))).count }
