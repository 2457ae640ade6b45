/// A standard-alphabet base64 decoder that ignores the unused low bits of the last character.
///
/// Foundation rejects such non-canonical input, but WeCom's own sample EncodingAESKey ends in a
/// character whose low bits are set, and the Python, Java, PHP and Go decoders WeCom's console
/// was built against all accept it. The structure is still checked strictly: length a multiple
/// of 4, `=` only as the final one or two characters, no whitespace or URL-safe characters.
public enum LenientBase64 {
    /// The decoded bytes, or `nil` when `text` is not structurally valid base64.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var text = String(text)
        return text.withUTF8 { decode(bytes: $0) }
    }

    /// Sextet values by byte; 0xFF for a byte outside the alphabet.
    private static let sextets: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(byte)] = UInt8(value)
        }
        return table
    }()

    private static func decode(bytes input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard input.count % 4 == 0 else { return nil }
        guard input.count > 0 else { return [] }
        var padding = 0
        if input[input.count - 1] == UInt8(ascii: "=") {
            padding = input.count >= 2 && input[input.count - 2] == UInt8(ascii: "=") ? 2 : 1
        }
        let groups = input.count / 4
        return sextets.withUnsafeBufferPointer { table -> [UInt8]? in
            var failed = false
            let output = [UInt8](unsafeUninitializedCapacity: groups * 3) { buffer, count in
                var out = 0
                for group in 0..<groups {
                    let start = group * 4
                    // The last group's padding decodes as zero sextets, which the count below drops.
                    let isLast = group == groups - 1
                    let a = table[Int(input[start])], b = table[Int(input[start + 1])]
                    let c = isLast && padding == 2 ? 0 : table[Int(input[start + 2])]
                    let d = isLast && padding >= 1 ? 0 : table[Int(input[start + 3])]
                    if (a | b | c | d) & 0xC0 != 0 {
                        failed = true
                        break
                    }
                    let value = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                    buffer[out] = UInt8(truncatingIfNeeded: value >> 16)
                    buffer[out + 1] = UInt8(truncatingIfNeeded: value >> 8)
                    buffer[out + 2] = UInt8(truncatingIfNeeded: value)
                    out += 3
                }
                count = failed ? 0 : out - padding
            }
            return failed ? nil : output
        }
    }
}
