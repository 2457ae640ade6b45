/// The body of `POST /v1/ask`: `{"text": "…", "user": "…"}`, both optional strings.
///
/// Read by hand in one pass because `JSONDecoder` dominated the cost of the request. The reader
/// is strict RFC 8259 throughout, where `JSONDecoder` checks only the values it decodes (it
/// lets `{"x": 01, "text": "…",}` through), and it says where a body went wrong.
///
/// It lives here rather than in Server, and is public, so that the fuzz target for the body
/// (`FuzzChecks`) reads it exactly as the route does without building the HTTP server.
public struct AskRequest: Sendable, Equatable {
    public var text: String?
    public var user: String?

    public init(text: String?, user: String?) {
        self.text = text
        self.user = user
    }

    /// The deepest nesting `JSONDecoder` accepted, the top-level object counting as one level.
    public static let maxDepth = 512

    /// Reads `body`: one JSON object, whose `text` and `user` members must be strings or null
    /// (null reads as absent) and whose other members may hold anything.
    ///
    /// A repeated `text` or `user` keeps its first value, as `JSONDecoder` did; later ones
    /// are only checked as JSON.
    public static func parse(_ body: some Collection<UInt8>) throws(AskRequestError) -> AskRequest {
        let read = { (bytes: UnsafeBufferPointer<UInt8>) in
            var reader = AskRequestReader(bytes)
            return reader.read()
        }
        let outcome = body.withContiguousStorageIfAvailable(read) ?? Array(body).withUnsafeBufferPointer(read)
        return try outcome.get()
    }
}

/// Why a `/v1/ask` body was refused, in words its sender can act on: what was expected, and
/// where, as a byte offset from the start of the body counting from 0.
public struct AskRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    init(_ description: String) { self.description = description }
}

/// One pass over one body. The buffer's subscript is not bounds-checked in release builds, so
/// every read checks `i < end` first; nesting is tracked on a heap stack, never by recursion,
/// so no body can overflow the thread's stack.
private struct AskRequestReader {
    /// What a JSON value turned out to be, for type errors.
    enum Kind {
        case object, array, string, number, boolean, null

        var isContainer: Bool { self == .object || self == .array }

        var withArticle: String {
            switch self {
            case .object: "an object"
            case .array: "an array"
            case .string: "a string"
            case .number: "a number"
            case .boolean: "a boolean"
            case .null: "null"
            }
        }
    }

    /// A member's value as first seen: type errors wait until the whole body proved to be JSON,
    /// so that a syntax error anywhere is the one reported.
    enum Field {
        case absent
        case value(String?)
        case wrong(Kind)
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private let end: Int
    private var i = 0
    /// Open containers below the current value, `true` for an object.
    private var nesting: [Bool] = []
    /// Levels already open around `nesting`: 1 inside the body's object.
    private var outerDepth = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        self.end = bytes.count
    }

    mutating func read() -> Result<AskRequest, AskRequestError> {
        do throws(AskRequestError) {
            return .success(try body())
        } catch {
            return .failure(error)
        }
    }

    private mutating func body() throws(AskRequestError) -> AskRequest {
        if end >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        skipSpace()
        guard i < end, bytes[i] == UInt8(ascii: "{") else {
            // Naming the kind of value helps when it is one (`["…"]`); when it is not JSON at
            // all, its first character says more than whatever went wrong inside it.
            let start = i
            let kind: Kind
            do throws(AskRequestError) {
                kind = try skipValue()
            } catch {
                i = start
                throw expected("a JSON object")
            }
            throw AskRequestError("expected a JSON object at byte \(start), found \(kind.withArticle)")
        }
        i += 1
        outerDepth = 1
        var text = Field.absent, user = Field.absent
        skipSpace()
        if i < end, bytes[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                skipSpace()
                guard i < end, bytes[i] == UInt8(ascii: "\"") else { throw expected("a key in double quotes") }
                let key = try string()
                skipSpace()
                guard i < end, bytes[i] == UInt8(ascii: ":") else { throw expected("':' after the key") }
                i += 1
                skipSpace()
                if case .absent = text, isKey(key, "text") {
                    text = try field()
                } else if case .absent = user, isKey(key, "user") {
                    user = try field()
                } else {
                    _ = try skipValue()
                }
                skipSpace()
                guard i < end else { throw expected("',' or '}' after a member") }
                if bytes[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                guard bytes[i] == UInt8(ascii: "}") else { throw expected("',' or '}' after a member") }
                i += 1
                break
            }
        }
        skipSpace()
        guard i == end else { throw expected("the end of the body after the object") }
        // In the order JSONDecoder decoded them, so that the same member is blamed.
        return AskRequest(text: try Self.value(text, "text"), user: try Self.value(user, "user"))
    }

    private static func value(_ field: Field, _ name: String) throws(AskRequestError) -> String? {
        switch field {
        case .absent: return nil
        case .value(let value): return value
        case .wrong(let kind): throw AskRequestError("`\(name)` must be a string, found \(kind.withArticle)")
        }
    }

    /// The value of `text` or `user`: a string, null, or anything else checked and remembered.
    private mutating func field() throws(AskRequestError) -> Field {
        guard i < end else { throw expected("a value") }
        if bytes[i] == UInt8(ascii: "\"") { return .value(decoded(try string())) }
        let kind = try skipValue()
        return kind == .null ? .value(nil) : .wrong(kind)
    }

    // MARK: Values

    /// Checks one value of any kind and moves past it.
    private mutating func skipValue() throws(AskRequestError) -> Kind {
        let kind = try scalarOrOpening()
        if kind.isContainer { try skipContents(of: kind) }
        return kind
    }

    /// A whole scalar, or just the bracket that opens a container.
    private mutating func scalarOrOpening() throws(AskRequestError) -> Kind {
        guard i < end else { throw expected("a value") }
        switch bytes[i] {
        case UInt8(ascii: "\""):
            _ = try string()
            return .string
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard outerDepth + nesting.count < AskRequest.maxDepth else {
                throw AskRequestError("nesting deeper than \(AskRequest.maxDepth) levels at byte \(i)")
            }
            let kind = bytes[i] == UInt8(ascii: "{") ? Kind.object : .array
            i += 1
            return kind
        case UInt8(ascii: "t"):
            try literal("true")
            return .boolean
        case UInt8(ascii: "f"):
            try literal("false")
            return .boolean
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try number()
            return .number
        default:
            throw expected("a value")
        }
    }

    /// The members or elements of the container just opened, down to its closing bracket.
    private mutating func skipContents(of container: Kind) throws(AskRequestError) {
        let floor = nesting.count
        nesting.append(container == .object)
        var justOpened = true
        while true {
            skipSpace()
            let inObject = nesting[nesting.count - 1]
            if justOpened, i < end, bytes[i] == (inObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                i += 1
                nesting.removeLast()
            } else {
                if inObject {
                    guard i < end, bytes[i] == UInt8(ascii: "\"") else { throw expected("a key in double quotes") }
                    _ = try string()
                    skipSpace()
                    guard i < end, bytes[i] == UInt8(ascii: ":") else { throw expected("':' after the key") }
                    i += 1
                    skipSpace()
                }
                let kind = try scalarOrOpening()
                if kind.isContainer {
                    nesting.append(kind == .object)
                    justOpened = true
                    continue
                }
            }
            // After a complete value, which may also complete the containers around it.
            while true {
                if nesting.count == floor { return }
                skipSpace()
                let inObject = nesting[nesting.count - 1]
                let closing = inObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                guard i < end else {
                    throw expected(inObject ? "',' or '}' after a member" : "',' or ']' after an element")
                }
                if bytes[i] == UInt8(ascii: ",") {
                    i += 1
                    justOpened = false
                    break
                }
                guard bytes[i] == closing else {
                    throw expected(inObject ? "',' or '}' after a member" : "',' or ']' after an element")
                }
                i += 1
                nesting.removeLast()
            }
        }
    }

    private mutating func literal(_ word: StaticString) throws(AskRequestError) {
        let count = word.utf8CodeUnitCount
        let start = i
        guard i + count <= end else { throw AskRequestError("expected \(word) at byte \(start)") }
        for k in 0..<count where bytes[i + k] != word.utf8Start[k] {
            throw AskRequestError("expected \(word) at byte \(start)")
        }
        i += count
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; its size is not checked, as
    /// nothing here reads a number's value.
    private mutating func number() throws(AskRequestError) {
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < end, Self.isDigit(bytes[i]) else { throw expected("a digit") }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
            if i < end, Self.isDigit(bytes[i]) {
                throw AskRequestError("a number may not have a leading zero, at byte \(i - 1)")
            }
        } else {
            digits()
        }
        if i < end, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard i < end, Self.isDigit(bytes[i]) else { throw expected("a digit after the decimal point") }
            digits()
        }
        if i < end, bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < end, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < end, Self.isDigit(bytes[i]) else { throw expected("a digit in the exponent") }
            digits()
        }
    }

    private mutating func digits() {
        while i < end, Self.isDigit(bytes[i]) { i += 1 }
    }

    // MARK: Strings

    /// A string checked in full (escapes, surrogate pairs, control characters, UTF-8): the range
    /// between its quotes, and whether it holds escapes to decode.
    private mutating func string() throws(AskRequestError) -> (content: Range<Int>, escaped: Bool) {
        let opening = i
        i += 1
        var escaped = false
        while true {
            guard i < end else { throw AskRequestError("unterminated string starting at byte \(opening)") }
            let byte = bytes[i]
            switch byte {
            case UInt8(ascii: "\""):
                i += 1
                return (opening + 1..<i - 1, escaped)
            case UInt8(ascii: "\\"):
                escaped = true
                try escape()
            case 0..<0x20:
                throw AskRequestError("control character \(Self.hex(byte)) must be escaped in a string, at byte \(i)")
            case 0x20..<0x80:
                i += 1
            default:
                guard let length = UTF8Sequence.length(in: UnsafeRawBufferPointer(bytes), at: i) else {
                    throw AskRequestError("invalid UTF-8 at byte \(i)")
                }
                i += length
            }
        }
    }

    private mutating func escape() throws(AskRequestError) {
        let start = i
        guard i + 1 < end else { throw AskRequestError("unterminated escape at byte \(start)") }
        switch bytes[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            i += 2
        case UInt8(ascii: "u"):
            let unit = try hexUnit(at: start)
            i += 6
            if (0xDC00...0xDFFF).contains(unit) {
                throw AskRequestError("unpaired surrogate \(Self.escaped(unit)) at byte \(start)")
            }
            if (0xD800...0xDBFF).contains(unit) {
                guard i + 1 < end, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u"),
                    (0xDC00...0xDFFF).contains(try hexUnit(at: i))
                else { throw AskRequestError("unpaired surrogate \(Self.escaped(unit)) at byte \(start)") }
                i += 6
            }
        default:
            throw AskRequestError("invalid escape \(found(at: i + 1)) after '\\' at byte \(start)")
        }
    }

    /// The four hex digits of the `\u` escape at `j`.
    private func hexUnit(at j: Int) throws(AskRequestError) -> UInt16 {
        guard j + 6 <= end else { throw AskRequestError("expected four hex digits after '\\u' at byte \(j)") }
        var unit: UInt16 = 0
        for k in j + 2..<j + 6 {
            guard let digit = Self.hexDigit(bytes[k]) else {
                throw AskRequestError("expected four hex digits after '\\u' at byte \(j)")
            }
            unit = unit << 4 | UInt16(digit)
        }
        return unit
    }

    /// The text of a string that `string()` already checked.
    private func decoded(_ string: (content: Range<Int>, escaped: Bool)) -> String {
        let content = UnsafeBufferPointer(rebasing: bytes[string.content])
        guard string.escaped else { return String(decoding: content, as: UTF8.self) }
        return String(decoding: unescaped(string.content), as: UTF8.self)
    }

    private func unescaped(_ content: Range<Int>) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(content.count)
        var j = content.lowerBound
        var run = j
        while j < content.upperBound {
            guard bytes[j] == UInt8(ascii: "\\"), j + 1 < content.upperBound else {
                j += 1
                continue
            }
            result.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<j]))
            let simple: UInt8? =
                switch bytes[j + 1] {
                case UInt8(ascii: "b"): 0x08
                case UInt8(ascii: "f"): 0x0C
                case UInt8(ascii: "n"): 0x0A
                case UInt8(ascii: "r"): 0x0D
                case UInt8(ascii: "t"): 0x09
                case UInt8(ascii: "u"): nil
                default: bytes[j + 1]
                }
            if let simple {
                result.append(simple)
                j += 2
            } else {
                var value = UInt32((try? hexUnit(at: j)) ?? 0xFFFD)
                j += 6
                if (0xD800...0xDBFF).contains(value) {
                    let low = UInt32((try? hexUnit(at: j)) ?? 0xDC00)
                    value = 0x1_0000 + (value - 0xD800) << 10 + (low - 0xDC00)
                    j += 6
                }
                if let encoded = UTF8.encode(Unicode.Scalar(value) ?? "\u{FFFD}") { result.append(contentsOf: encoded) }
            }
            run = j
        }
        result.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<content.upperBound]))
        return result
    }

    /// Whether a checked key reads `name` (written plainly or with escapes).
    private func isKey(_ key: (content: Range<Int>, escaped: Bool), _ name: StaticString) -> Bool {
        let count = name.utf8CodeUnitCount
        if key.escaped {
            let text = unescaped(key.content)
            return text.count == count && (0..<count).allSatisfy { text[$0] == name.utf8Start[$0] }
        }
        guard key.content.count == count else { return false }
        return (0..<count).allSatisfy { bytes[key.content.lowerBound + $0] == name.utf8Start[$0] }
    }

    // MARK: Bytes

    private mutating func skipSpace() {
        while i < end {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    private func expected(_ what: String) -> AskRequestError {
        AskRequestError("expected \(what) at byte \(i), found \(found(at: i))")
    }

    /// The character at `j` as the sender would recognise it: itself when it is visible, its
    /// code point when it is not, and the raw byte when it is not UTF-8.
    private func found(at j: Int) -> String {
        guard j < end else { return "the end of the body" }
        guard let (scalar, _) = UTF8Sequence.scalar(in: UnsafeRawBufferPointer(bytes), at: j) else {
            return "byte \(Self.hex(bytes[j]))"
        }
        if scalar == "'" { return "\"'\"" }
        switch scalar.properties.generalCategory {
        case .control, .format, .spaceSeparator, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse,
            .unassigned, .nonspacingMark, .enclosingMark:
            let digits = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        default:
            return "'\(scalar)'"
        }
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return "0x" + (byte < 0x10 ? "0" : "") + digits
    }

    private static func escaped(_ unit: UInt16) -> String {
        let digits = String(unit, radix: 16, uppercase: true)
        return "'\\u" + String(repeating: "0", count: 4 - digits.count) + digits + "'"
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
