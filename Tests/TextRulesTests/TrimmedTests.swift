import Foundation
import Testing
import TextRules

/// `trimmed` is the one rule for space at the ends of a text: the platform adapters trim
/// message text with it, the desk trims questions with it, the importer trims lines with it.
@Suite("trimmed: space at either end of a text")
struct TrimmedTests {
    /// What `trimmed` removes besides Foundation's `whitespacesAndNewlines`: control characters,
    /// DEL and the byte-order mark, which chat clients and editors leave at the ends of messages.
    static func isExtraSpace(_ value: UInt32) -> Bool {
        value <= 0x20 || value == 0x7F || value == 0xFEFF
    }

    @Test(
        "every scalar up to U+3000, U+FEFF and an emoji: Foundation's white space and newlines, plus controls and the BOM"
    )
    func agreesWithFoundationPlusControls() {
        for value in Array(UInt32(0)...0x3000) + [0xFEFF, 0x1_F600] {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let s = String(Character(scalar))
            let removed = Self.isExtraSpace(value) || s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            for (text, kept) in [
                (s, ""), (s + "问" + s, "问"), ("问" + s + "答", "问" + s + "答"), (s + s + "a b" + s, "a b"),
            ] {
                #expect(text.trimmed == (removed ? kept : text), "U+\(String(value, radix: 16))")
            }
        }
    }

    @Test("the spaces chat clients really send are removed, the words between them kept")
    func realMessages() {
        #expect("  ".trimmed == "")
        #expect("\u{3000}新认定的高企\r\n"[...].trimmed == "新认定的高企")
        #expect("\u{FEFF}贴息怎么算\u{200B}".trimmed == "贴息怎么算")
        #expect("\u{1}高企 奖励\u{A0}".trimmed == "高企 奖励")
    }
}
