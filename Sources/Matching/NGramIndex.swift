import Foundation
import Synchronization

/// An inverted index of character n-grams with BM25 weighting.
///
/// Chinese needs no word segmenter here: unigrams and bigrams of the normalized text carry
/// the words, and BM25's idf keeps common characters (的, 吗, 多少) from outweighing rare ones
/// (孵化, 专利). A query touches only the postings of its own n-grams, never every document,
/// and skips n-grams so common that they cannot change the ranking.
public struct NGramIndex: Sendable {
    /// One indexed text and what it stands for.
    public struct Document: Sendable {
        /// Which label (an item, or the out-of-scope label) the text belongs to.
        public var label: Int32
        /// How much a match with this text counts (examples 1, descriptions a little less).
        public var weight: Float

        public init(label: Int, weight: Float) {
            self.label = Int32(label)
            self.weight = weight
        }
    }

    /// Where an n-gram's postings lie in the flat arrays: one allocation for the whole index
    /// keeps a query free of reference counting.
    private struct Postings: Sendable {
        var idf: Float
        var start: Int32
        var count: Int32
    }

    private let postings: [UInt64: Postings]
    private let postingDocuments: [Int32]
    /// The BM25 contribution of each posting's n-gram to its document, computed at build time.
    private let postingWeights: [Float]
    /// The indexed documents, by position.
    public let documents: [Document]
    /// The number of labels.
    public let labelCount: Int
    /// N-grams in more than this share of documents are skipped at query time.
    public let commonShare: Float
    /// At most this many postings are read per query (the four rarest n-grams always are).
    public let postingBudget: Int
    private let scratch: ScratchPool

    static let k1: Float = 1.2
    static let b: Float = 0.6

    /// Builds the index over `texts` (already normalized, as scalar values), one document each.
    public init(texts: [[UInt32]], documents: [Document], commonShare: Float = 0.3, postingBudget: Int = 30_000) {
        precondition(texts.count == documents.count, "one document per text")
        var raw: [UInt64: [(Int32, Float)]] = [:]
        var lengths: [Float] = []
        lengths.reserveCapacity(texts.count)
        for (d, text) in texts.enumerated() {
            let grams = Self.grams(of: text)
            lengths.append(Float(grams.count))
            var counts: [UInt64: Float] = [:]
            for g in grams { counts[g, default: 0] += 1 }
            for (g, n) in counts { raw[g, default: []].append((Int32(d), n)) }
        }
        let n = Float(max(texts.count, 1))
        let averageLength = lengths.isEmpty ? 1 : max(lengths.reduce(0, +) / Float(lengths.count), 1)
        var postings: [UInt64: Postings] = [:]
        postings.reserveCapacity(raw.count)
        var docs: [Int32] = []
        var weights: [Float] = []
        for (g, list) in raw {
            let df = Float(list.count)
            let idf = log(1 + (n - df + 0.5) / (df + 0.5))
            postings[g] = Postings(idf: idf, start: Int32(docs.count), count: Int32(list.count))
            for (d, tf) in list {
                let norm = Self.k1 * (1 - Self.b + Self.b * lengths[Int(d)] / averageLength)
                docs.append(d)
                weights.append(idf * tf * (Self.k1 + 1) / (tf + norm) * documents[Int(d)].weight)
            }
        }
        self.postings = postings
        self.postingDocuments = docs
        self.postingWeights = weights
        self.documents = documents
        self.labelCount = Int(documents.map(\.label).max() ?? -1) + 1
        self.commonShare = commonShare
        self.postingBudget = postingBudget
        self.scratch = ScratchPool(documents: documents.count, labels: Int(documents.map(\.label).max() ?? -1) + 1)
    }

    /// The best and second-best document score of each label the query touches, divided by
    /// the score a document identical to the query would get (so 1 means "all of it").
    ///
    /// Work is bounded: n-grams are taken rarest first until `postingBudget` postings have
    /// been read; the common n-grams left out add nearly the same to every document.
    public func labelScores(for grams: [UInt64]) -> [(label: Int, best: Float, second: Float)] {
        var unique = grams
        unique.sort()
        var selfScore: Float = 0
        var lists: [Postings] = []
        lists.reserveCapacity(unique.count)
        let limit = max(Int(commonShare * Float(documents.count)), 8)
        var previous: UInt64?
        for g in unique where g != previous {
            previous = g
            guard let p = postings[g] else { continue }
            selfScore += p.idf * (Self.k1 + 1) / (1 + Self.k1)
            if Int(p.count) <= limit { lists.append(p) }
        }
        guard selfScore > 0 else { return [] }
        lists.sort { $0.count < $1.count }
        var budget = postingBudget
        var taken = 0
        for p in lists {
            guard taken < 4 || Int(p.count) <= budget else { break }
            budget -= Int(p.count)
            taken += 1
        }
        let chosen = lists.prefix(taken)
        return scratch.with { s in
            s.scores.withUnsafeMutableBufferPointer { scores in
                s.best.withUnsafeMutableBufferPointer { best in
                    s.second.withUnsafeMutableBufferPointer { second in
                        postingDocuments.withUnsafeBufferPointer { allDocuments in
                            postingWeights.withUnsafeBufferPointer { allWeights in
                                Self.accumulate(
                                    chosen, documentsOf: allDocuments, weightsOf: allWeights, selfScore: selfScore,
                                    documents: documents, scores: scores, best: best, second: second,
                                    touched: &s.touched)
                            }
                        }
                    }
                }
            }
        }
    }

    private static func accumulate(
        _ lists: ArraySlice<Postings>, documentsOf allDocuments: UnsafeBufferPointer<Int32>,
        weightsOf allWeights: UnsafeBufferPointer<Float>, selfScore: Float, documents: [Document],
        scores: UnsafeMutableBufferPointer<Float>, best: UnsafeMutableBufferPointer<Float>,
        second: UnsafeMutableBufferPointer<Float>, touched: inout [Int32]
    ) -> [(label: Int, best: Float, second: Float)] {
        // When the postings read cover much of the index, one pass over every score is cheaper
        // than remembering which documents were touched.
        let postingsRead = lists.reduce(0) { $0 + Int($1.count) }
        let scanAll = postingsRead * 2 >= scores.count
        for p in lists {
            let range = Int(p.start)..<Int(p.start + p.count)
            if scanAll {
                for i in range { scores[Int(allDocuments[i])] += allWeights[i] }
            } else {
                for i in range {
                    let d = Int(allDocuments[i])
                    if scores[d] == 0 { touched.append(Int32(d)) }
                    scores[d] += allWeights[i]
                }
            }
        }
        var labels: [Int32] = []
        documents.withUnsafeBufferPointer { docs in
            func visit(_ d: Int) {
                let score = scores[d] / selfScore
                scores[d] = 0
                let label = Int(docs[d].label)
                if best[label] == 0 && second[label] == 0 { labels.append(Int32(label)) }
                if score > best[label] {
                    second[label] = best[label]
                    best[label] = score
                } else if score > second[label] {
                    second[label] = score
                }
            }
            if scanAll {
                for d in 0..<scores.count where scores[d] != 0 { visit(d) }
            } else {
                for d in touched { visit(Int(d)) }
            }
        }
        touched.removeAll(keepingCapacity: true)
        var result: [(label: Int, best: Float, second: Float)] = []
        result.reserveCapacity(labels.count)
        for l32 in labels {
            let l = Int(l32)
            result.append((l, best[l], second[l]))
            best[l] = 0
            second[l] = 0
        }
        return result
    }

    /// The n-grams of a normalized text: unigrams of Han characters, bigrams of adjacent Han
    /// characters, and whole ASCII words (digits apart, so that 2025 and 2030 differ).
    public static func grams(of scalars: [UInt32]) -> [UInt64] {
        var result: [UInt64] = []
        result.reserveCapacity(scalars.count * 2)
        var previous: UInt32 = 0
        var word: UInt64 = 0
        var wordLength = 0
        for v in scalars {
            if v < 0x80 {
                if (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) {
                    word = (word &* 131) &+ UInt64(v)
                    wordLength += 1
                } else if wordLength > 0 {
                    result.append(word | (1 << 63))
                    word = 0
                    wordLength = 0
                }
                previous = 0
                continue
            }
            if wordLength > 0 {
                result.append(word | (1 << 63))
                word = 0
                wordLength = 0
            }
            guard (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0x3400 && v <= 0x4DBF) else {
                previous = 0
                continue
            }
            result.append(UInt64(v))
            if previous != 0 { result.append((UInt64(previous) << 21) | UInt64(v) | (1 << 62)) }
            previous = v
        }
        if wordLength > 0 { result.append(word | (1 << 63)) }
        return result
    }
}

/// Score buffers reused across queries, so that a query against a large index does not
/// allocate and zero a buffer the size of the index. Each buffer is handed to one query at
/// a time and comes back zeroed.
final class ScratchPool: Sendable {
    /// The buffers of one query.
    final class Scratch {
        var scores: [Float]
        var best: [Float]
        var second: [Float]
        var touched: [Int32] = []

        init(documents: Int, labels: Int) {
            scores = [Float](repeating: 0, count: documents)
            best = [Float](repeating: 0, count: labels)
            second = [Float](repeating: 0, count: labels)
        }
    }

    private let documents: Int
    private let labels: Int
    // The pool only ever holds buffers no query is using; a buffer is used by exactly one
    // query between `take` and `give back`, so no buffer is shared across threads at once.
    private let free: Mutex<[UnsafeScratch]>

    private struct UnsafeScratch: @unchecked Sendable {
        let scratch: Scratch
    }

    init(documents: Int, labels: Int) {
        self.documents = documents
        self.labels = labels
        self.free = Mutex([])
    }

    func with<T>(_ body: (Scratch) -> T) -> T {
        let taken =
            free.withLock { $0.popLast() } ?? UnsafeScratch(scratch: Scratch(documents: documents, labels: labels))
        let result = body(taken.scratch)
        free.withLock { pool in
            if pool.count < 64 { pool.append(taken) }
        }
        return result
    }
}
