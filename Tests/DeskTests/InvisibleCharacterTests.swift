import Desk
import Foundation
import Matching
import TestSupport
import Testing

private let t0 = Date(timeIntervalSince1970: 1_750_000_000)

/// Text pasted from a web page carries characters that show as nothing. They must not change an answer.
@Suite("Invisible characters")
struct InvisibleCharacterTests {
    /// Format characters (category Cf), the soft hyphen, the BOM and variation selectors.
    static let invisible: [Unicode.Scalar] = [
        "\u{200B}", "\u{200C}", "\u{200D}", "\u{200E}", "\u{200F}", "\u{00AD}", "\u{FEFF}", "\u{2060}", "\u{2061}",
        "\u{2062}", "\u{2063}", "\u{2064}", "\u{202A}", "\u{202B}", "\u{202C}", "\u{202D}", "\u{202E}", "\u{2066}",
        "\u{2069}", "\u{061C}", "\u{180E}", "\u{FE00}", "\u{FE0F}", "\u{E0001}", "\u{E0020}", "\u{E0100}", "\u{E01EF}",
        "\u{FFF9}", "\u{FFFB}", "\u{1D173}",
    ]

    private static func devQuestions() throws -> [String] {
        try Fixture.text("dev.jsonl").split(separator: "\n").compactMap { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return object?["q"] as? String
        }
    }

    @Test(
        "「新认定的高\\u{200B}企能拿多少钱」 is the same question as without the zero-width space",
        arguments: ["\u{200B}", "\u{00AD}", "\u{FEFF}"])
    func reported(_ mark: String) throws {
        let desk = try Shipped.desk()
        let plain = desk.answer("新认定的高企能拿多少钱", now: t0).answer
        let marked = desk.answer("新认定的高\(mark)企能拿多少钱", now: t0).answer
        #expect(marked.item == plain.item)
        #expect(marked.item == "12.2")
        #expect(marked.jsonLine() == plain.jsonLine())
    }

    @Test("inserting any invisible character anywhere in every dev question never changes its answer")
    func property() throws {
        let desk = try Shipped.desk()
        let seed = ProcessInfo.processInfo.environment["POLICYDESK_PROPERTY_SEED"].flatMap(UInt64.init) ?? 20_261_204
        var random = SeededGenerator(seed: seed)
        for (index, question) in try Self.devQuestions().enumerated() {
            let expected = desk.answer(question, now: t0).answer.jsonLine()
            var scalars = Array(question.unicodeScalars)
            // Between one and three marks at random places, and one at each end.
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                scalars.insert(
                    Self.invisible.randomElement(using: &random)!, at: Int.random(in: 0...scalars.count, using: &random)
                )
            }
            scalars.insert(Self.invisible.randomElement(using: &random)!, at: 0)
            scalars.append(Self.invisible.randomElement(using: &random)!)
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars)
            let marked = String(view)
            #expect(
                desk.answer(marked, now: t0).answer.jsonLine() == expected,
                "seed \(seed), question \(index): \(marked.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test(
        "the normalizer drops every invisible character and keeps everything visible",
        arguments: ["a\u{200B}b", "高\u{FEFF}企", "规\u{00AD}上", "5\u{2060}0万", "☺\u{FE0F}"])
    func normalizerDrops(_ text: String) {
        let normalized = Normalizer(lexicon: .empty).normalize(text)
        #expect(!normalized.unicodeScalars.contains { Self.invisible.contains($0) }, "\(normalized)")
        #expect(normalized.unicodeScalars.count == text.unicodeScalars.filter { !Self.invisible.contains($0) }.count)
    }
}
