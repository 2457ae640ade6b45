extension StringProtocol {
    /// The text without leading and trailing white space and newlines: the same scalars as
    /// Foundation's `.whitespacesAndNewlines` (Unicode White_Space and U+200B), without its
    /// bridging cost on a webhook's path.
    var trimmed: String {
        let text = String(self)
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !Self.isSpace($0) }),
            let last = scalars.lastIndex(where: { !Self.isSpace($0) })
        else { return "" }
        return String(scalars[first...last])
    }

    private static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || scalar.value == 0x200B
    }
}
