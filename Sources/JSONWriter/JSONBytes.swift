/// The one JSON writer of the codebase: the answer JSON, stored conversations and the
/// platforms' reply bodies all escape strings here.
///
/// Replies must match the platforms' reference bodies byte for byte (key order, no escaped
/// slashes, non-ASCII kept as UTF-8), which neither `JSONEncoder` nor `JSONSerialization`
/// guarantees; strings are escaped as RFC 8259 requires and no further, with the short forms
/// (\n, \t, \b …) where JSON has one, as Python's `json.dumps` writes them.

/// A JSON text built as UTF-8 bytes. Strings are escaped on their UTF-8 bytes and copied
/// in runs between the bytes that need escaping: replies are kilobytes of Chinese with
/// hardly a quote or newline, and walking them character by character cost more than the
/// rest of an answer.
public struct JSONBytes: Sendable {
    /// The text so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty text with room for `capacity` bytes.
    public init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends JSON syntax (or a number) as it is.
    public mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// Appends `text` as a string literal, or `null`.
    public mutating func string(_ text: String?) {
        guard var text else { return raw("null") }
        text.withUTF8 { append(literal: $0) }
    }

    /// Appends an array of string literals.
    public mutating func strings(_ texts: [String]) {
        bytes.append(0x5B)
        for (i, text) in texts.enumerated() {
            if i > 0 { bytes.append(0x2C) }
            string(text)
        }
        bytes.append(0x5D)
    }

    private mutating func append(literal utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(0x22)
        var runStart = 0
        for (i, b) in utf8.enumerated() where b < 0x20 || b == 0x22 || b == 0x5C {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
            runStart = i + 1
            switch b {
            case 0x22, 0x5C: bytes.append(0x5C); bytes.append(b)
            case 0x0A: bytes.append(0x5C); bytes.append(0x6E)
            case 0x0D: bytes.append(0x5C); bytes.append(0x72)
            case 0x09: bytes.append(0x5C); bytes.append(0x74)
            case 0x08: bytes.append(0x5C); bytes.append(0x62)
            case 0x0C: bytes.append(0x5C); bytes.append(0x66)
            default:
                let hex: StaticString = "0123456789abcdef"
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30])
                hex.withUTF8Buffer { hex in
                    bytes.append(hex[Int(b >> 4)])
                    bytes.append(hex[Int(b & 15)])
                }
            }
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        bytes.append(0x22)
    }
}

/// JSON texts as `String`s, for bodies assembled from already-encoded members in a fixed order.
public enum JSONText {
    /// `value` as a JSON string literal.
    public static func quote(_ value: String) -> String {
        var out = JSONBytes(capacity: value.utf8.count + 2)
        out.string(value)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// A JSON object from already-encoded member values, in the given order.
    public static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { quote($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    /// A JSON array of strings.
    public static func array(_ values: [String]) -> String {
        var out = JSONBytes(capacity: 16 * values.count + 2)
        out.strings(values)
        return String(decoding: out.bytes, as: UTF8.self)
    }
}
