import Foundation
import JSONWriter
import TestSupport
import Testing

@Suite("The one JSON writer")
struct JSONWriterTests {
    @Test("strings are escaped as RFC 8259 requires and no further, with JSON's short forms")
    func escapesOnlyWhatIsRequired() {
        #expect(JSONText.quote("a/b 中文 😀") == "\"a/b 中文 😀\"")
        #expect(JSONText.quote("\"\\\n\r\t\u{8}\u{C}\u{1}\u{1F}") == #""\"\\\n\r\t\b\f\u0001\u001f""#)
        #expect(JSONText.array(["甲", "\"乙\""]) == #"["甲","\"乙\""]"#)
        #expect(JSONText.quote("\u{FEFF}\u{2028}") == "\"\u{FEFF}\u{2028}\"", "characters JSON allows raw stay raw")
        #expect(JSONText.object([("k", "1"), ("a", JSONText.quote("x"))]) == #"{"k":1,"a":"x"}"#)
    }

    @Test("every generated string reads back equal through Foundation's JSON parser")
    func readsBackEqual() throws {
        let seed = PropertySeed.value
        var random = SeededGenerator(seed: seed)
        for _ in 0..<2_000 {
            // Foundation's JSON parser drops U+FEFF wherever it stands, so the oracle cannot judge
            // it; `escapesOnlyWhatIsRequired` pins that the writer passes it through as it is.
            let text = (HostileStrings.text(&random) + HostileStrings.piece(&random)).replacingOccurrences(
                of: "\u{FEFF}", with: "")
            var out = JSONBytes(capacity: 64)
            out.raw("[")
            out.string(text)
            out.raw(",")
            out.string(nil)
            out.raw(",")
            out.strings([text, ""])
            out.raw("]")
            let parsed = try JSONSerialization.jsonObject(with: Data(out.bytes)) as? [Any]
            #expect(parsed?.first as? String == text, "seed \(seed): \(HostileStrings.shown(text))")
            #expect(parsed?[1] is NSNull)
            #expect(parsed?.last as? [String] == [text, ""], "seed \(seed)")
        }
    }
}
