/// A standard-alphabet base64 decoder that ignores the unused low bits of the last character.
///
/// Foundation rejects such non-canonical input, but WeCom's own sample EncodingAESKey ends in a
/// character whose low bits are set, and the Python, Java, PHP and Go decoders WeCom's console
/// was built against all accept it. The structure is still checked strictly: length a multiple
/// of 4, `=` only as the final one or two characters, no whitespace or URL-safe characters.
public enum LenientBase64 {
    /// The decoded bytes, or `nil` when `text` is not structurally valid base64.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 == 0 else { return nil }
        var padding = 0
        if input.last == UInt8(ascii: "=") {
            padding = input.count >= 2 && input[input.count - 2] == UInt8(ascii: "=") ? 2 : 1
        }
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 4 * 3)
        var start = 0
        while start < input.count {
            let isLastGroup = start + 4 == input.count
            var group: UInt32 = 0
            for offset in 0..<4 {
                let sextet: UInt32
                if isLastGroup && offset >= 4 - padding {
                    sextet = 0
                } else {
                    guard let value = value(of: input[start + offset]) else { return nil }
                    sextet = value
                }
                group = group << 6 | sextet
            }
            output.append(UInt8(truncatingIfNeeded: group >> 16))
            if !(isLastGroup && padding == 2) { output.append(UInt8(truncatingIfNeeded: group >> 8)) }
            if !(isLastGroup && padding >= 1) { output.append(UInt8(truncatingIfNeeded: group)) }
            start += 4
        }
        return output
    }

    private static func value(of character: UInt8) -> UInt32? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(character - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(character - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(character - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
