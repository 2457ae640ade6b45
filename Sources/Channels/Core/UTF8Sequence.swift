/// Well-formed UTF-8 one sequence at a time, for the hand-written readers of request bodies
/// (WeCom's XML here, the `/v1/ask` JSON in the server), which check their input as they go
/// rather than make a `String` of it first.
package enum UTF8Sequence {
    /// The length of the well-formed sequence at `j` (the Unicode Standard's table 3-7: no
    /// overlong forms, no surrogates, nothing above U+10FFFF, no truncation), or `nil`.
    @inlinable
    package static func length(in bytes: UnsafeRawBufferPointer, at j: Int) -> Int? {
        let end = bytes.count
        let lead = bytes[j]
        switch lead {
        case 0x00..<0x80:
            return 1
        case 0xC2...0xDF:
            guard j + 1 < end, bytes[j + 1] & 0xC0 == 0x80 else { return nil }
            return 2
        case 0xE0...0xEF:
            guard j + 2 < end else { return nil }
            let second = bytes[j + 1]
            guard second >= (lead == 0xE0 ? 0xA0 : 0x80), second <= (lead == 0xED ? 0x9F : 0xBF),
                bytes[j + 2] & 0xC0 == 0x80
            else { return nil }
            return 3
        case 0xF0...0xF4:
            guard j + 3 < end else { return nil }
            let second = bytes[j + 1]
            guard second >= (lead == 0xF0 ? 0x90 : 0x80), second <= (lead == 0xF4 ? 0x8F : 0xBF),
                bytes[j + 2] & 0xC0 == 0x80, bytes[j + 3] & 0xC0 == 0x80
            else { return nil }
            return 4
        default:
            return nil
        }
    }

    /// The scalar at `j` and its length, or `nil` where the bytes are not well-formed UTF-8.
    @inlinable
    package static func scalar(in bytes: UnsafeRawBufferPointer, at j: Int) -> (scalar: Unicode.Scalar, length: Int)? {
        guard let length = length(in: bytes, at: j) else { return nil }
        let lead = bytes[j]
        var value: UInt32
        switch length {
        case 1: return (Unicode.Scalar(lead), 1)
        case 2: value = UInt32(lead & 0x1F)
        case 3: value = UInt32(lead & 0x0F)
        default: value = UInt32(lead & 0x07)
        }
        for k in 1..<length { value = value << 6 | UInt32(bytes[j + k] & 0x3F) }
        // `length` already ruled out surrogates and values above U+10FFFF.
        guard let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }
}
