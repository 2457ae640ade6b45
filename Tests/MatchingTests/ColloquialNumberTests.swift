import Matching
import Testing

/// The numbers of `text`, read the way the desk reads a normalized question.
private func numbers(_ text: String) -> [NumberMention] {
    NumberReader.mentions(in: Normalizer(lexicon: .empty).normalize(text))
}

@Suite("NumberReader: colloquial and English number forms")
struct ColloquialNumberTests {
    @Test(
        "a digit after 万 or 亿 stands one place lower, unless 零 keeps it",
        arguments: [
            ("一万五", Int64(15_000)), ("十二万三", 123_000), ("一亿二", 120_000_000), ("三万二", 32_000),
            ("三十万零五千", 305_000), ("一万五千五", 15_500), ("一亿二千万", 120_000_000),
        ] as [(String, Int64)])
    func digitAfterLargeUnit(text: String, yuan: Int64) {
        let found = numbers(text)
        #expect(found.map(\.value) == [yuan])
        #expect(found.map(\.kind) == [.money])
    }

    @Test(
        "个 before 亿 or 万, capital numerals, thousands separators and English scale words",
        arguments: [
            ("1个亿", Int64(100_000_000)), ("两个亿", 200_000_000), ("壹佰万", 1_000_000),
            ("1,500,000", 1_500_000), ("city subsidy 3,000,000", 3_000_000), ("3.6 million yuan", 3_600_000),
            ("15M yuan", 15_000_000), ("2.2m", 2_200_000), ("80k", 80_000), ("900k,", 900_000),
            ("1.2 billion", 1_200_000_000), ("18,000,000", 18_000_000),
        ] as [(String, Int64)])
    func moneyForms(text: String, yuan: Int64) {
        let found = numbers(text).filter { $0.kind == .money }
        #expect(found.map(\.value) == [yuan])
        #expect(found.allSatisfy { !$0.approximate })
    }

    @Test(
        "a rough figure is read as the round figure said, and marked approximate",
        arguments: [
            ("80多万", Int64(800_000)), ("八十来万", 800_000), ("三百万左右", 3_000_000), ("大概三百万", 3_000_000),
            ("十几万", 100_000), ("两千多万", 20_000_000),
        ] as [(String, Int64)])
    func approximate(text: String, yuan: Int64) {
        let found = numbers(text).filter { $0.kind == .money }
        #expect(found.map(\.value) == [yuan])
        #expect(found.map(\.approximate) == [true])
    }

    @Test("words that are no scale stay words: 5 months, 80kg, a year")
    func notScales() {
        #expect(numbers("5 months").map(\.kind) == [.plain])
        #expect(numbers("80kg").map(\.kind) == [.plain])
        #expect(numbers("2025年").map(\.kind) == [.plain])
        #expect(numbers("3号楼").map(\.kind) == [.plain])
    }

    @Test("the bound on amounts still holds for the new forms")
    func bound() {
        #expect(numbers("99999999 billion").map(\.kind) == [.implausible])
        #expect(numbers("一万亿亿个亿").allSatisfy { $0.kind != .money || $0.value <= NumberReader.plausibleYuan })
    }
}
