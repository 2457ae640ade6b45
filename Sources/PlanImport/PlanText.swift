/// Turns the bytes of an uploaded plan into text, or says which line is not text.
public enum PlanText {
    /// Decodes UTF-8 (a byte-order mark is dropped). GB18030 is refused with the line where it
    /// starts and the command that converts it: Foundation on Linux cannot decode it, and a plan
    /// read wrongly would import as silent nonsense.
    public static func decode(_ bytes: [UInt8]) throws(PlanImportError) -> String {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { throw .empty }
        if let nul = body.firstIndex(of: 0) { throw .binary(line: line(of: nul, in: bytes)) }
        if let bad = firstInvalidUTF8(body) {
            throw .notUTF8(line: line(of: bad, in: bytes), likelyGB18030: looksLikeGB18030(body[bad...]))
        }
        return String(decoding: body, as: UTF8.self)
    }

    private static func line(of index: Int, in bytes: [UInt8]) -> Int {
        bytes[..<index].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
    }

    /// The index of the first byte that does not start or continue a well-formed UTF-8 sequence.
    static func firstInvalidUTF8(_ bytes: ArraySlice<UInt8>) -> Int? {
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            let length: Int
            switch b {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return i
            }
            guard i + length <= bytes.endIndex else { return i }
            for k in 1..<length where bytes[i + k] & 0xC0 != 0x80 { return i }
            // Overlong forms and surrogates.
            if length == 3, b == 0xE0, bytes[i + 1] < 0xA0 { return i }
            if length == 3, b == 0xED, bytes[i + 1] > 0x9F { return i }
            if length == 4, b == 0xF0, bytes[i + 1] < 0x90 { return i }
            if length == 4, b == 0xF4, bytes[i + 1] > 0x8F { return i }
            i += length
        }
        return nil
    }

    /// Whether the bytes read as two-byte GB18030 characters (lead 0x81–0xFE, trail 0x40–0xFE).
    static func looksLikeGB18030(_ bytes: ArraySlice<UInt8>) -> Bool {
        var i = bytes.startIndex
        var pairs = 0
        while i < bytes.endIndex, pairs < 8 {
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            guard (0x81...0xFE).contains(b), i + 1 < bytes.endIndex, (0x40...0xFE).contains(bytes[i + 1]) else {
                return false
            }
            pairs += 1
            i += 2
        }
        return pairs > 0
    }
}
