import Channels
import Foundation

// Whether the hand-written `/v1/ask` body reader pays for itself against what Hummingbird's
// `request.decode(as:context:)` would do (Foundation's JSONDecoder on the body's bytes), on bodies
// that are never repeated: every labelled question of the dev sets, each with its own user id,
// so that no cache anywhere can help either side.
// Usage: AskBodyBenchmark [REPOSITORY] [ROUNDS]

struct DecodedBody: Decodable, Equatable {
    var text: String?
    var user: String?
}

let arguments = CommandLine.arguments
let root = URL(fileURLWithPath: arguments.count > 1 ? arguments[1] : ".")
let rounds = arguments.count > 2 ? Int(arguments[2]) ?? 20 : 20

var questions: [String] = []
for name in ["dev.jsonl", "dev-batch3.jsonl"] {
    let url = root.appendingPathComponent("Tests/DeskTests/Fixtures/\(name)")
    guard let text = try? String(contentsOf: url, encoding: .utf8) else {
        FileHandle.standardError.write(Data("cannot read \(url.path)\n".utf8))
        exit(1)
    }
    for line in text.split(separator: "\n") {
        if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let question = object["q"] as? String
        {
            questions.append(question)
        }
    }
}
// Each round gets bodies it has never seen: a fresh user id and a round tag in the text.
func bodies(_ questions: [String], round: Int) -> [[UInt8]] {
    questions.enumerated().map { index, question in
        let object: [String: String] = ["text": "\(question)（\(round)）", "user": "u\(round)-\(index)"]
        return Array(try! JSONSerialization.data(withJSONObject: object))
    }
}

// The two must read every body alike before their costs are compared.
let check = bodies(questions, round: -1)
let decoder = JSONDecoder()
for body in check {
    let mine = try AskRequest.parse(body)
    let theirs = try decoder.decode(DecodedBody.self, from: Data(body))
    precondition(mine.text == theirs.text && mine.user == theirs.user, "the readers disagree on \(body)")
}

let clock = ContinuousClock()
var readerTime = Duration.zero
var decoderTime = Duration.zero
var sink = 0
var count = 0
for round in 0..<rounds {
    let batch = bodies(questions, round: round)
    count += batch.count
    // Alternate which goes first so that neither always runs on a warmer cache.
    let order = round % 2 == 0 ? [0, 1] : [1, 0]
    for which in order {
        let started = clock.now
        if which == 0 {
            for body in batch { sink &+= (try AskRequest.parse(body)).text?.utf8.count ?? 0 }
            readerTime += started.duration(to: clock.now)
        } else {
            for body in batch {
                sink &+= (try decoder.decode(DecodedBody.self, from: Data(body))).text?.utf8.count ?? 0
            }
            decoderTime += started.duration(to: clock.now)
        }
    }
}
func perBody(_ time: Duration, _ count: Int) -> Double { time / .nanoseconds(1) / Double(count) }
print("bodies: \(count) (\(questions.count) questions × \(rounds) rounds, none repeated)")
print(String(format: "AskRequest.parse: %.0f ns per body", perBody(readerTime, count)))
print(String(format: "JSONDecoder:      %.0f ns per body", perBody(decoderTime, count)))
print(
    String(
        format: "difference:       %.2f µs per request",
        (perBody(decoderTime, count) - perBody(readerTime, count)) / 1000))
if sink == 42 { print("") }
