import Foundation

/// An inverted index of character n-grams with BM25 weighting.
///
/// Chinese needs no word segmenter here: unigrams and bigrams of the normalized text carry
/// the words, and BM25's idf keeps common characters (的, 吗, 多少) from outweighing rare ones
/// (孵化, 专利). A query touches only the postings of its own n-grams, never every document.
public struct NGramIndex: Sendable {
    /// One indexed text and what it stands for.
    public struct Document: Sendable {
        /// Which label (an item id, or the out-of-scope label) the text belongs to.
        public var label: Int
        /// How much a match with this text counts (examples 1, titles a little less).
        public var weight: Float

        public init(label: Int, weight: Float) {
            self.label = label
            self.weight = weight
        }
    }

    /// A document's score for a query.
    public struct Hit: Sendable {
        public var document: Int
        public var score: Float
    }

    private struct Posting: Sendable {
        var document: Int32
        var frequency: Float
    }

    private let postings: [UInt64: [Posting]]
    private let idf: [UInt64: Float]
    private let lengths: [Float]
    private let averageLength: Float
    /// The indexed documents, by position.
    public let documents: [Document]

    static let k1: Float = 1.2
    static let b: Float = 0.6

    /// Builds the index over `texts` (already normalized), one document each.
    public init(texts: [String], documents: [Document]) {
        precondition(texts.count == documents.count, "one document per text")
        var postings: [UInt64: [Posting]] = [:]
        var lengths: [Float] = []
        lengths.reserveCapacity(texts.count)
        for (d, text) in texts.enumerated() {
            let grams = Self.grams(of: text)
            lengths.append(Float(grams.count))
            var counts: [UInt64: Float] = [:]
            for g in grams { counts[g, default: 0] += 1 }
            for (g, n) in counts { postings[g, default: []].append(Posting(document: Int32(d), frequency: n)) }
        }
        let n = Float(max(texts.count, 1))
        var idf: [UInt64: Float] = [:]
        for (g, list) in postings {
            let df = Float(list.count)
            idf[g] = log(1 + (n - df + 0.5) / (df + 0.5))
        }
        self.postings = postings
        self.idf = idf
        self.lengths = lengths
        self.averageLength = lengths.isEmpty ? 1 : max(lengths.reduce(0, +) / Float(lengths.count), 1)
        self.documents = documents
    }

    /// The idf of each distinct n-gram of `text` that the index knows, summed: the score a
    /// document identical to the query would get, used to put scores on a 0…1 scale.
    public func selfScore(of grams: [UInt64]) -> Float {
        var seen = Set<UInt64>()
        var total: Float = 0
        for g in grams where seen.insert(g).inserted {
            total += idf[g] ?? 0
        }
        return total
    }

    /// Scores every document that shares an n-gram with the query, accumulating into
    /// `scores` (indexed by document) and listing touched documents in `touched`.
    public func score(grams: [UInt64], into scores: inout [Float], touched: inout [Int]) {
        var seen = Set<UInt64>()
        for g in grams where seen.insert(g).inserted {
            guard let list = postings[g], let weight = idf[g] else { continue }
            for p in list {
                let d = Int(p.document)
                let norm = Self.k1 * (1 - Self.b + Self.b * lengths[d] / averageLength)
                let s = weight * p.frequency * (Self.k1 + 1) / (p.frequency + norm)
                if scores[d] == 0 { touched.append(d) }
                scores[d] += s
            }
        }
    }

    /// The n-grams of a normalized text: unigrams of Han characters, bigrams of adjacent
    /// non-space characters, and whole ASCII words.
    public static func grams(of text: String) -> [UInt64] {
        var result: [UInt64] = []
        var previous: UInt32?
        var word: UInt64 = 0
        var wordLength = 0
        func flushWord() {
            if wordLength > 0 { result.append(word | (1 << 63)) }
            word = 0
            wordLength = 0
        }
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v < 0x80 {
                if (0x61...0x7A).contains(v) || (0x30...0x39).contains(v) {
                    // Hash ASCII words; digits are kept apart as a word so that 2025 and 2030 differ.
                    word = (word &* 131) &+ UInt64(v)
                    wordLength += 1
                } else {
                    flushWord()
                }
                previous = nil
                continue
            }
            flushWord()
            guard isContent(v) else {
                previous = nil
                continue
            }
            result.append(UInt64(v))
            if let p = previous { result.append((UInt64(p) << 21) | UInt64(v) | (1 << 62)) }
            previous = v
        }
        flushWord()
        return result
    }

    /// Han characters and letters count; punctuation does not.
    private static func isContent(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v)
    }
}
