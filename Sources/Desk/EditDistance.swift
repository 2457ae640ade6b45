/// How far apart two words are, for "did you mean …?" in the errors staff and operators read.
public enum EditDistance {
    /// The Levenshtein distance: insertions, deletions and substitutions of characters.
    public static func between(_ a: some StringProtocol, _ b: some StringProtocol) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, cb) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
