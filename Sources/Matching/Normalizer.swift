/// Folds a question into the form the index and the fact extractor read: half-width,
/// lower-case, simplified characters, and the plan's own terms for abbreviations and
/// miswritings. Folding is longest-match-first and runs in one pass over the text.
public struct Normalizer: Sendable {
    private let characters: [Character: Character]
    private let trie: ReplacementTrie

    /// Creates a normalizer for a lexicon.
    public init(lexicon: Lexicon) {
        self.characters = lexicon.characters
        var folded: [String: String] = [:]
        for (variant, canonical) in lexicon.replacements {
            let key = Self.foldCharacters(variant, characters: lexicon.characters)
            guard !key.isEmpty else { continue }
            let target = Self.foldCharacters(canonical, characters: lexicon.characters)
            folded[key] = target
            // The canonical form maps to itself so that a shorter variant inside it
            // (孵化 inside 孵化器) never rewrites text that is already canonical.
            folded[target] = target
        }
        self.trie = ReplacementTrie(folded)
    }

    /// The normalized form of `text`.
    public func normalize(_ text: String) -> String {
        let chars = Array(Self.foldCharacters(text, characters: characters))
        return trie.replaceAll(in: chars)
    }

    /// Width, case and script folding, character by character.
    static func foldCharacters(_ text: String, characters: [Character: Character]) -> String {
        var out = String()
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            var v = scalar.value
            if v == 0x3000 { v = 0x20 } else if (0xFF01...0xFF5E).contains(v) { v -= 0xFEE0 }
            if (0x41...0x5A).contains(v) { v += 0x20 }
            guard let folded = Unicode.Scalar(v) else { continue }
            let c = Character(folded)
            // Full-width parentheses and the 「（套）」 spelling fold to one form.
            switch c {
            case "\u{201C}", "\u{201D}", "\u{300C}", "\u{300D}", "\"": out.append("\"")
            case "\n", "\r", "\t": out.append(" ")
            default: out.append(characters[c] ?? c)
            }
        }
        return out
    }
}

/// A character trie for longest-match replacement of many variants at once.
struct ReplacementTrie: Sendable {
    private struct Node: Sendable {
        var children: [Character: Int] = [:]
        var replacement: String?
    }

    private var nodes: [Node] = [Node()]

    init(_ pairs: [String: String]) {
        for (key, value) in pairs {
            var at = 0
            for c in key {
                if let next = nodes[at].children[c] {
                    at = next
                } else {
                    nodes.append(Node())
                    nodes[at].children[c] = nodes.count - 1
                    at = nodes.count - 1
                }
            }
            nodes[at].replacement = value
        }
    }

    func replaceAll(in chars: [Character]) -> String {
        var out = String()
        var i = 0
        while i < chars.count {
            var at = 0
            var j = i
            var best: (end: Int, value: String)?
            while j < chars.count, let next = nodes[at].children[chars[j]] {
                at = next
                j += 1
                if let value = nodes[at].replacement { best = (j, value) }
            }
            if let best {
                out += best.value
                i = best.end
            } else {
                out.append(chars[i])
                i += 1
            }
        }
        return out
    }
}
