extension String {
    /// The longest prefix whose UTF-8 encoding fits in `maxBytes`, cut between characters.
    ///
    /// Platforms count reply limits in bytes and cut blindly, which can split a Chinese
    /// character and leave invalid UTF-8; cutting here first keeps the reply readable.
    func truncatedToUTF8(maxBytes: Int) -> String {
        guard utf8.count > maxBytes else { return self }
        // Fast path for what replies are made of: when the cut falls just before printable
        // ASCII or a CJK ideograph, and not after a zero-width joiner, it is a character
        // boundary, and walking every character (slow) is not needed.
        let bytes = Array(utf8)
        var cut = max(maxBytes, 0)
        while cut > 0, bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
        let next = bytes[cut]
        let afterJoiner = cut >= 3 && bytes[cut - 3] == 0xE2 && bytes[cut - 2] == 0x80 && bytes[cut - 1] == 0x8D
        if !afterJoiner, (0x20...0x7E).contains(next) || (0xE4...0xE9).contains(next) {
            return String(decoding: bytes[..<cut], as: UTF8.self)
        }
        var result = ""
        var used = 0
        for character in self {
            let width = character.utf8.count
            if used + width > maxBytes { break }
            result.append(character)
            used += width
        }
        return result
    }
}
