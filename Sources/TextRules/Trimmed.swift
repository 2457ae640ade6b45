/// Rules about text that every layer shares, so that a platform adapter, the answer desk and
/// the importer agree on what a message is: here, which characters at either end of a text are
/// no part of it.
extension StringProtocol {
    /// The text without space at either end: Unicode white space (ASCII and full-width spaces,
    /// no-break space, line and paragraph separators …), control characters, the zero-width
    /// space and the byte-order mark that editors and chat clients leave behind.
    public var trimmed: String {
        let text = String(self)
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
            let last = scalars.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(scalars[first...last])
    }
}

/// Whether a scalar is space for `trimmed`.
private func isSpace(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    return value <= 0x20 || value == 0x7F || value == 0x200B || value == 0xFEFF || scalar.properties.isWhitespace
}
