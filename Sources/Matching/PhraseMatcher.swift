/// Finds many phrases in a text in one pass: a trie over Unicode scalars walked from every
/// position. Questions are short and phrases shorter, so this beats asking `contains` once
/// per phrase by an order of magnitude.
public struct PhraseMatcher<Value: Sendable>: Sendable {
    /// One occurrence of a phrase.
    public struct Hit: Sendable {
        /// Scalar offsets of the occurrence.
        public var start: Int
        public var end: Int
        /// What the phrase stands for.
        public var value: Value

        /// Whether this occurrence lies within a longer one, `other` (「首次」 inside 「不是首次」).
        public func lies<Other>(inside other: PhraseMatcher<Other>.Hit) -> Bool {
            other.start <= start && other.end >= end && other.end - other.start > end - start
        }
    }

    private var children: [[UInt32: Int32]] = [[:]]
    private var values: [[Value]] = [[]]
    /// Which scalars can start a phrase, as bits over the low 16 bits of the scalar: most
    /// positions of a question start no phrase, and this tells so without hashing.
    private var starts = [UInt64](repeating: 0, count: 1024)

    /// Creates a matcher for `phrases`; a phrase listed with several values yields a hit for each.
    public init(_ phrases: [(String, Value)]) {
        for (phrase, value) in phrases {
            if let first = phrase.unicodeScalars.first?.value {
                starts[Int((first & 0xFFFF) >> 6)] |= 1 << UInt64(first & 63)
            }
            var node = 0
            for scalar in phrase.unicodeScalars {
                if let next = children[node][scalar.value] {
                    node = Int(next)
                } else {
                    children.append([:])
                    values.append([])
                    children[node][scalar.value] = Int32(children.count - 1)
                    node = children.count - 1
                }
            }
            if node != 0 { values[node].append(value) }
        }
    }

    /// Every occurrence of every phrase, by start, longest first at each start.
    public func hits(in scalars: [UInt32]) -> [Hit] {
        var result: [Hit] = []
        for start in scalars.indices where mayStart(scalars[start]) {
            var node = 0
            var i = start
            var found: [Hit] = []
            while i < scalars.count, let next = children[node][scalars[i]] {
                node = Int(next)
                i += 1
                for value in values[node] { found.append(Hit(start: start, end: i, value: value)) }
            }
            result.append(contentsOf: found.reversed())
        }
        return result
    }

    @inline(__always)
    private func mayStart(_ scalar: UInt32) -> Bool {
        starts[Int((scalar & 0xFFFF) >> 6)] & (1 << UInt64(scalar & 63)) != 0
    }

    /// Whether any phrase occurs.
    public func occurs(in scalars: [UInt32]) -> Bool {
        for start in scalars.indices where mayStart(scalars[start]) {
            var node = 0
            var i = start
            while i < scalars.count, let next = children[node][scalars[i]] {
                node = Int(next)
                i += 1
                if !values[node].isEmpty { return true }
            }
        }
        return false
    }
}
