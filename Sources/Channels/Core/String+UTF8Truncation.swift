extension String {
    /// The longest prefix whose UTF-8 encoding fits in `maxBytes`, cut between characters.
    ///
    /// Platforms count reply limits in bytes and cut blindly, which can split a Chinese
    /// character and leave invalid UTF-8; cutting here first keeps the reply readable.
    func truncatedToUTF8(maxBytes: Int) -> String {
        guard utf8.count > maxBytes else { return self }
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
