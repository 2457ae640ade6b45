/// Folds a question into the form the index and the fact extractor read: half-width,
/// lower-case, simplified characters, and the plan's own terms for abbreviations and
/// miswritings. Folding is longest-match-first and runs in one pass over the text.
public struct Normalizer: Sendable {
    private let characters: [UInt32: UInt32]
    private let trie: ReplacementTrie

    /// Creates a normalizer for a lexicon.
    public init(lexicon: Lexicon) {
        var characters: [UInt32: UInt32] = [:]
        for (k, v) in lexicon.characters {
            guard let ks = k.unicodeScalars.first, let vs = v.unicodeScalars.first,
                k.unicodeScalars.count == 1, v.unicodeScalars.count == 1
            else { continue }
            characters[ks.value] = vs.value
        }
        self.characters = characters
        var folded: [[UInt32]: [UInt32]] = [:]
        for (variant, canonical) in lexicon.replacements {
            let key = Self.fold(variant, characters: characters)
            guard !key.isEmpty else { continue }
            let target = Self.fold(canonical, characters: characters)
            folded[key] = target
            // The canonical form maps to itself so that a shorter variant inside it
            // (孵化 inside 孵化器) never rewrites text that is already canonical.
            folded[target] = target
        }
        self.trie = ReplacementTrie(folded)
    }

    /// The normalized form of `text`.
    public func normalize(_ text: String) -> String {
        Self.string(normalizedScalars(text))
    }

    /// The normalized form of `text` as Unicode scalar values.
    public func normalizedScalars(_ text: String) -> [UInt32] {
        trie.replaceAll(in: Self.fold(text, characters: characters))
    }

    /// Builds a string from scalar values.
    public static func string(_ scalars: [UInt32]) -> String {
        var out = String.UnicodeScalarView()
        for v in scalars { if let s = Unicode.Scalar(v) { out.append(s) } }
        return String(out)
    }

    /// Width, case and script folding, scalar by scalar.
    static func fold(_ text: String, characters: [UInt32: UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(text.utf8.count / 2 + 8)
        for scalar in text.unicodeScalars {
            var v = scalar.value
            if isInvisible(scalar) { continue }
            if v == 0x3000 {
                v = 0x20
            } else if v >= 0xFF01 && v <= 0xFF5E {
                v -= 0xFEE0
            }
            if v >= 0x41 && v <= 0x5A { v += 0x20 }
            switch v {
            case 0x201C, 0x201D, 0x300C, 0x300D: v = 0x22  // quotation marks of every kind
            case 0x0A, 0x0D, 0x09, 0xA0: v = 0x20
            default: v = characters[v] ?? v
            }
            out.append(v)
        }
        return out
    }

    /// Whether `scalar` is a format or zero-width character (Unicode category Cf, such as U+200B,
    /// the soft hyphen U+00AD and the BOM U+FEFF) or a variation selector: text pasted from a web
    /// page carries them, they show as nothing, and left in they split the words they sit in.
    @inline(__always)
    static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        // No format character or variation selector lies below U+00AD, among the CJK ideographs
        // and punctuation (U+2070–U+FDFF) or among the full-width forms: most text takes this branch.
        if v < 0xAD || (v >= 0x2070 && v < 0xFE00) || (v >= 0xFF00 && v < 0xFFF9) {
            return false
        }
        return scalar.properties.generalCategory == .format || scalar.properties.isVariationSelector
    }
}

/// A scalar trie for longest-match replacement of many variants at once.
struct ReplacementTrie: Sendable {
    /// Whether a variant found at `start..<end` stands as a word of its own where it begins or
    /// ends with a Latin letter: 「city」 folds in 「city gave」 but not inside 「electricity」, 「ip」
    /// not inside 「ship」. Chinese has no spaces between words and is folded anywhere.
    @inline(__always)
    static func atWordEdges(_ scalars: [UInt32], start: Int, end: Int) -> Bool {
        @inline(__always) func isLetter(_ c: UInt32) -> Bool { (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) }
        if isLetter(scalars[start]), start > 0, isLetter(scalars[start - 1]) { return false }
        if isLetter(scalars[end - 1]), end < scalars.count, isLetter(scalars[end]) { return false }
        return true
    }

    private var children: [[UInt32: Int32]] = [[:]]
    private var replacements: [[UInt32]?] = [nil]
    private var starts = [UInt64](repeating: 0, count: 1024)

    init(_ pairs: [[UInt32]: [UInt32]]) {
        for (key, value) in pairs {
            if let first = key.first { starts[Int((first & 0xFFFF) >> 6)] |= 1 << UInt64(first & 63) }
            var at = 0
            for c in key {
                if let next = children[at][c] {
                    at = Int(next)
                } else {
                    children.append([:])
                    replacements.append(nil)
                    children[at][c] = Int32(children.count - 1)
                    at = children.count - 1
                }
            }
            replacements[at] = value
        }
    }

    func replaceAll(in scalars: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(scalars.count + 8)
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            guard starts[Int((c & 0xFFFF) >> 6)] & (1 << UInt64(c & 63)) != 0 else {
                out.append(c)
                i += 1
                continue
            }
            var at = 0
            var j = i
            var best: (end: Int, node: Int)?
            while j < scalars.count, let next = children[at][scalars[j]] {
                at = Int(next)
                j += 1
                if replacements[at] != nil { best = (j, at) }
            }
            if let best, let value = replacements[best.node], Self.atWordEdges(scalars, start: i, end: best.end) {
                out.append(contentsOf: value)
                i = best.end
            } else {
                out.append(scalars[i])
                i += 1
            }
        }
        return out
    }
}
