import Matching
import Testing

/// The numbers of `text`, read the way the desk reads a normalized question.
private func numbers(_ text: String, lexicon: Lexicon = .empty) -> [NumberMention] {
    NumberReader.mentions(in: Normalizer(lexicon: lexicon).normalize(text))
}

@Suite("NumberReader")
struct NumberReaderTests {
    @Test(
        "amounts of money in every form enterprises type them",
        arguments: [
            ("两百万", Int64(2_000_000)),
            ("三百六十万", 3_600_000),
            ("五百二十万", 5_200_000),
            ("六百万", 6_000_000),
            ("一千二百万", 12_000_000),
            ("十万", 100_000),
            ("两百五十万", 2_500_000),
            ("一亿二千万", 120_000_000),
            ("一百二十万元", 1_200_000),
            ("1.2亿", 120_000_000),
            ("1.5亿", 150_000_000),
            ("80w", 800_000),
            ("80W", 800_000),  // upper case folds first
            ("5k", 5_000),
            ("3千万", 30_000_000),
            ("0.5万", 5_000),
            ("2,000,000元", 2_000_000),
            ("4000万", 40_000_000),
            ("1200万", 12_000_000),
            ("200万元", 2_000_000),
            ("300块", 300),
            ("５０万", 500_000),  // full-width digits, after the Normalizer
            ("１．５亿", 150_000_000),
        ] as [(String, Int64)])
    func money(text: String, yuan: Int64) {
        let found = numbers(text)
        #expect(found.count == 1)
        #expect(found.first?.value == yuan)
        #expect(found.first?.kind == .money)
    }

    @Test(
        "counts keep their counter word",
        arguments: [
            ("三项", Int64(3), "项"), ("5件", 5, "件"), ("十项", 10, "项"), ("两个", 2, "个"), ("12家", 12, "家"),
        ] as [(String, Int64, String)])
    func counts(text: String, value: Int64, counter: String) {
        let found = numbers(text)
        #expect(found == [NumberMention(value: value, kind: .count(counter), range: 0..<text.count)])
    }

    @Test("a percentage is a percentage, not money")
    func percent() {
        #expect(numbers("按30%配套") == [NumberMention(value: 30, kind: .percent, range: 1..<4)])
    }

    @Test(
        "a number with no unit is plain",
        arguments: [("2025年", Int64(2025)), ("两百五", 250), ("3号楼", 3)] as [(String, Int64)])
    func plain(text: String, value: Int64) {
        let found = numbers(text)
        #expect(found.map(\.value) == [value])
        #expect(found.map(\.kind) == [.plain])
    }

    @Test("十 as a word (十分) is no number")
    func tenAsWord() {
        #expect(numbers("十分感谢").isEmpty)
        #expect(numbers("没有数字").isEmpty)
    }

    @Test("mentions come left to right with their place in the text")
    func order() {
        let found = numbers("市里给了300万元，利息50万加担保费30万")
        #expect(found.map(\.value) == [3_000_000, 500_000, 300_000])
        #expect(found.first?.range == 4..<9)
    }
}
