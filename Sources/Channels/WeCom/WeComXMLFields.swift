import Foundation

/// Reads the child elements of WeCom's flat `<xml>…</xml>` documents into a dictionary.
///
/// A real XML reader is needed because WeCom wraps values in CDATA or not, as it pleases
/// (Tencent's own sample inbound message has none), and string matching would get escapes,
/// entities and whitespace wrong. It is written by hand, in one pass over the bytes, because
/// FoundationXML's `XMLParser` dominated the cost of every callback; it was also lenient in
/// the wrong places on Linux, where it runs libxml2 in recovery mode (a truncated body parsed
/// "successfully") and crashed on a processing instruction without data (`<?pi?>`).
enum WeComXMLFields {
    /// The text of each element directly below the root, CDATA and character data joined.
    ///
    /// Only well-formed XML 1.0 in UTF-8 is read; names with a colon are plain names, as
    /// namespaces mean nothing to WeCom's documents.
    static func parse(_ data: Data, what: String) throws(ChannelError) -> [String: String] {
        let outcome = data.withUnsafeBytes { bytes -> Result<[String: String], XMLFailure> in
            var reader = XMLFieldReader(bytes)
            do throws(XMLFailure) {
                return .success(try reader.read())
            } catch {
                // A DTD is refused wherever it sits, even after the point where the document
                // first went wrong, so that the answer does not depend on which came first.
                return .failure(error != .dtd && reader.containsDTD() ? .dtd : error)
            }
        }
        switch outcome {
        case .success(let fields): return fields
        case .failure(.dtd): throw .malformed("\(what) contains a DTD")
        case .failure(.notUTF8): throw .malformed("\(what) declares an encoding other than UTF-8")
        case .failure(.duplicate(let name)): throw .malformed("\(what) has more than one <\(name)> element")
        case .failure(.notWellFormed): throw .malformed("\(what) is not well-formed XML")
        case .failure(.tooDeep): throw .malformed("\(what) nests elements deeper than \(maximumDepth) levels")
        }
    }
}

private enum XMLFailure: Error, Equatable {
    /// WeCom never sends a DTD; refusing one rules out entity-expansion attacks outright.
    case dtd
    /// Other encodings would need transcoding that WeCom, which always sends UTF-8, never needs.
    case notUTF8
    case duplicate(String)
    case notWellFormed
    /// WeCom's documents are two levels deep; a deep one is an attack on the reader, not a message.
    case tooDeep
}

/// The deepest nesting of elements the reader accepts.
let maximumDepth = 16

/// One pass over one document. Every read is bounds-checked by hand because the raw buffer's
/// subscript is not checked in release builds; every loop advances `i` or fails.
private struct XMLFieldReader {
    private let bytes: UnsafeRawBufferPointer
    private let end: Int
    private var i = 0
    private var fields: [String: String] = [:]
    /// The last repeated depth-2 name: reported only once the whole document proved well-formed.
    private var duplicate: String?
    /// Names of the open elements, as byte ranges of the document, to match end tags against.
    private var open: [Range<Int>] = []
    /// The text of the open depth-2 element.
    private var value: [UInt8] = []
    /// Attribute names of the current start tag, to refuse a repeated one as XML requires.
    private var attributes: [Range<Int>] = []
    /// The same names once there are many, so that a crafted tag cannot make the check quadratic.
    private var manyAttributes: Set<[UInt8]> = []

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        self.end = bytes.count
    }

    /// Text is kept only at depth 2: the root's own text and deeper elements' are not fields.
    private var collecting: Bool { open.count == 2 }

    mutating func read() throws(XMLFailure) -> [String: String] {
        if has("\u{FEFF}") { i += 3 }
        if has("<?xml"), i + 5 < end, Self.isSpace(bytes[i + 5]) { try declaration() }
        try miscellany()
        guard i + 1 < end, bytes[i] == UInt8(ascii: "<"), bytes[i + 1] != UInt8(ascii: "!"),
            bytes[i + 1] != UInt8(ascii: "?"), bytes[i + 1] != UInt8(ascii: "/")
        else { throw .notWellFormed }
        try startTag()
        while !open.isEmpty {
            guard i < end else { throw .notWellFormed }
            switch bytes[i] {
            case UInt8(ascii: "<"):
                guard i + 1 < end else { throw .notWellFormed }
                switch bytes[i + 1] {
                case UInt8(ascii: "/"): try endTag()
                case UInt8(ascii: "?"): try processingInstruction()
                case UInt8(ascii: "!"):
                    if has("<!--") {
                        try comment()
                    } else if has("<![CDATA[") {
                        try cdata()
                    } else {
                        throw isDTD(at: i) ? .dtd : .notWellFormed
                    }
                default: try startTag()
                }
            case UInt8(ascii: "&"): try reference(collect: collecting)
            default: try text()
            }
        }
        try miscellany()
        guard i == end else { throw .notWellFormed }
        if let duplicate { throw .duplicate(duplicate) }
        return fields
    }

    /// Whether the document holds `<!DOCTYPE` or `<!doctype` anywhere, even inside CDATA,
    /// a comment or a malformed tail, as the check that came before this reader did.
    func containsDTD() -> Bool {
        var j = 0
        while j < end {
            if bytes[j] == UInt8(ascii: "<"), isDTD(at: j) { return true }
            j += 1
        }
        return false
    }

    // MARK: Markup

    /// `<?xml version="1.x" encoding="…" standalone="…"?>`, in that order, only at the start.
    private mutating func declaration() throws(XMLFailure) {
        i += 5
        skipSpace()
        try literal("version")
        let version = try quotedValue()
        guard version.count >= 3, bytes[version.lowerBound] == UInt8(ascii: "1"),
            bytes[version.lowerBound + 1] == UInt8(ascii: "."),
            version.dropFirst(2).allSatisfy({ Self.isDigit(bytes[$0]) })
        else { throw .notWellFormed }
        var spaced = skipSpace()
        if spaced, has("encoding") {
            try literal("encoding")
            let name = try quotedValue()
            guard let first = name.first, Self.isLetter(bytes[first]),
                name.allSatisfy({ Self.isEncodingNameByte(bytes[$0]) })
            else { throw .notWellFormed }
            let lowered = name.map { bytes[$0] | 0x20 }
            guard lowered == Array("utf-8".utf8) || lowered == Array("utf8".utf8) else { throw .notUTF8 }
            spaced = skipSpace()
        }
        if spaced, has("standalone") {
            try literal("standalone")
            let answer = try quotedValue()
            guard matches(answer, "yes") || matches(answer, "no") else { throw .notWellFormed }
            skipSpace()
        }
        guard has("?>") else { throw .notWellFormed }
        i += 2
    }

    /// `Name S? = S? value` after a declaration's pseudo-attribute name.
    private mutating func literal(_ word: StaticString) throws(XMLFailure) {
        guard has(word) else { throw .notWellFormed }
        i += word.utf8CodeUnitCount
        skipSpace()
        guard i < end, bytes[i] == UInt8(ascii: "=") else { throw .notWellFormed }
        i += 1
        skipSpace()
    }

    /// A declaration value: the range between the quotes (no references are allowed there).
    private mutating func quotedValue() throws(XMLFailure) -> Range<Int> {
        guard i < end, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else { throw .notWellFormed }
        let quote = bytes[i]
        i += 1
        let start = i
        while i < end, bytes[i] != quote {
            guard bytes[i] < 0x80, bytes[i] >= 0x20 else { throw .notWellFormed }
            i += 1
        }
        guard i < end else { throw .notWellFormed }
        i += 1
        return start..<(i - 1)
    }

    /// Whitespace, comments and processing instructions, allowed before and after the root.
    private mutating func miscellany() throws(XMLFailure) {
        while true {
            skipSpace()
            if has("<!--") {
                try comment()
            } else if has("<?") {
                try processingInstruction()
            } else {
                return
            }
        }
    }

    private mutating func startTag() throws(XMLFailure) {
        i += 1
        let name = try self.name()
        attributes.removeAll(keepingCapacity: true)
        if !manyAttributes.isEmpty { manyAttributes.removeAll() }
        var selfClosing = false
        while true {
            let spaced = skipSpace()
            guard i < end else { throw .notWellFormed }
            if bytes[i] == UInt8(ascii: ">") {
                i += 1
                break
            }
            if bytes[i] == UInt8(ascii: "/") {
                guard i + 1 < end, bytes[i + 1] == UInt8(ascii: ">") else { throw .notWellFormed }
                i += 2
                selfClosing = true
                break
            }
            guard spaced else { throw .notWellFormed }
            try attribute()
        }
        guard open.count < maximumDepth else { throw .tooDeep }
        open.append(name)
        if collecting { value.removeAll(keepingCapacity: true) }
        if selfClosing { close() }
    }

    /// `Name S? = S? ("…" | '…')`; the value is checked but not kept, since no field needs it.
    private mutating func attribute() throws(XMLFailure) {
        let name = try self.name()
        if attributes.count < 16 {
            for other in attributes where same(other, name) { throw .notWellFormed }
            attributes.append(name)
            if attributes.count == 16 { manyAttributes = Set(attributes.map(copy)) }
        } else {
            guard manyAttributes.insert(copy(name)).inserted else { throw .notWellFormed }
        }
        skipSpace()
        guard i < end, bytes[i] == UInt8(ascii: "=") else { throw .notWellFormed }
        i += 1
        skipSpace()
        guard i < end, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") else { throw .notWellFormed }
        let quote = bytes[i]
        i += 1
        while true {
            guard i < end else { throw .notWellFormed }
            let byte = bytes[i]
            if byte == quote {
                i += 1
                return
            }
            switch byte {
            case UInt8(ascii: "<"): throw .notWellFormed
            case UInt8(ascii: "&"): try reference(collect: false)
            case 0x20..<0x80, 0x09, 0x0A: i += 1
            default: i += try character(at: i)
            }
        }
    }

    private mutating func endTag() throws(XMLFailure) {
        i += 2
        let name = try self.name()
        skipSpace()
        guard i < end, bytes[i] == UInt8(ascii: ">"), let current = open.last, same(current, name) else {
            throw .notWellFormed
        }
        i += 1
        close()
    }

    /// Ends the innermost element, keeping its text when it is a field.
    private mutating func close() {
        if collecting, let name = open.last {
            let key = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[name]), as: UTF8.self)
            if fields[key] != nil {
                duplicate = key
            } else {
                fields[key] = String(decoding: value, as: UTF8.self)
            }
        }
        open.removeLast()
    }

    /// `<!-- … -->`, where `--` may appear only as the start of the terminator.
    private mutating func comment() throws(XMLFailure) {
        i += 4
        while true {
            guard i < end else { throw .notWellFormed }
            switch bytes[i] {
            case UInt8(ascii: "-"):
                if i + 1 < end, bytes[i + 1] == UInt8(ascii: "-") {
                    guard i + 2 < end, bytes[i + 2] == UInt8(ascii: ">") else { throw .notWellFormed }
                    i += 3
                    return
                }
                i += 1
            case UInt8(ascii: "<"):
                if isDTD(at: i) { throw .dtd }
                i += 1
            case 0x20..<0x80, 0x09, 0x0A: i += 1
            default: i += try character(at: i)
            }
        }
    }

    /// `<?target data?>`; the target `xml` (any case) is the declaration, allowed only first.
    private mutating func processingInstruction() throws(XMLFailure) {
        i += 2
        let target = try name()
        if target.count == 3, bytes[target.lowerBound] | 0x20 == UInt8(ascii: "x"),
            bytes[target.lowerBound + 1] | 0x20 == UInt8(ascii: "m"),
            bytes[target.lowerBound + 2] | 0x20 == UInt8(ascii: "l")
        {
            throw .notWellFormed
        }
        if has("?>") {
            i += 2
            return
        }
        guard skipSpace() else { throw .notWellFormed }
        while true {
            guard i < end else { throw .notWellFormed }
            switch bytes[i] {
            case UInt8(ascii: "?"):
                if i + 1 < end, bytes[i + 1] == UInt8(ascii: ">") {
                    i += 2
                    return
                }
                i += 1
            case UInt8(ascii: "<"):
                if isDTD(at: i) { throw .dtd }
                i += 1
            case 0x20..<0x80, 0x09, 0x0A: i += 1
            default: i += try character(at: i)
            }
        }
    }

    /// `<![CDATA[ … ]]>`, taken verbatim apart from line ends.
    private mutating func cdata() throws(XMLFailure) {
        i += 9
        var run = i
        while true {
            guard i < end else { throw .notWellFormed }
            switch bytes[i] {
            case UInt8(ascii: "]"):
                if i + 2 < end, bytes[i + 1] == UInt8(ascii: "]"), bytes[i + 2] == UInt8(ascii: ">") {
                    keep(run..<i)
                    i += 3
                    return
                }
                i += 1
            case UInt8(ascii: "<"):
                if isDTD(at: i) { throw .dtd }
                i += 1
            case UInt8(ascii: "\r"):
                keep(run..<i)
                lineEnd()
                run = i
            case 0x20..<0x80, 0x09, 0x0A: i += 1
            default: i += try character(at: i)
            }
        }
    }

    /// Character data up to the next markup or reference; `]]>` may not appear in it.
    private mutating func text() throws(XMLFailure) {
        var run = i
        while i < end {
            switch bytes[i] {
            case UInt8(ascii: "<"), UInt8(ascii: "&"):
                keep(run..<i)
                return
            case UInt8(ascii: "]"):
                if i + 2 < end, bytes[i + 1] == UInt8(ascii: "]"), bytes[i + 2] == UInt8(ascii: ">") {
                    throw .notWellFormed
                }
                i += 1
            case UInt8(ascii: "\r"):
                keep(run..<i)
                lineEnd()
                run = i
            case 0x20..<0x80, 0x09, 0x0A: i += 1
            default: i += try character(at: i)
            }
        }
        keep(run..<i)
    }

    /// XML reads CR LF and a lone CR as LF everywhere in the document.
    private mutating func lineEnd() {
        i += 1
        if i < end, bytes[i] == UInt8(ascii: "\n") { i += 1 }
        if collecting { value.append(UInt8(ascii: "\n")) }
    }

    /// `&name;` for the five predefined entities, `&#N;` or `&#xH;`; anything else would need a DTD.
    private mutating func reference(collect: Bool) throws(XMLFailure) {
        i += 1
        guard i < end else { throw .notWellFormed }
        if bytes[i] == UInt8(ascii: "#") {
            i += 1
            let hex = i < end && bytes[i] == UInt8(ascii: "x")
            if hex { i += 1 }
            var scalar: UInt32 = 0
            var digits = 0
            while i < end, bytes[i] != UInt8(ascii: ";") {
                guard let digit = Self.digit(bytes[i], hex: hex) else { throw .notWellFormed }
                // Saturates instead of overflowing: leading zeros are allowed, large values are not.
                scalar = min(scalar * (hex ? 16 : 10) + digit, 0x11_0000)
                digits += 1
                i += 1
            }
            guard i < end, digits > 0, Self.isXMLCharacter(scalar), let character = Unicode.Scalar(scalar) else {
                throw .notWellFormed
            }
            i += 1
            if collect, let encoded = UTF8.encode(character) { value.append(contentsOf: encoded) }
            return
        }
        let name = try self.name()
        guard i < end, bytes[i] == UInt8(ascii: ";") else { throw .notWellFormed }
        i += 1
        let replacement: UInt8
        if matches(name, "lt") {
            replacement = UInt8(ascii: "<")
        } else if matches(name, "gt") {
            replacement = UInt8(ascii: ">")
        } else if matches(name, "amp") {
            replacement = UInt8(ascii: "&")
        } else if matches(name, "apos") {
            replacement = UInt8(ascii: "'")
        } else if matches(name, "quot") {
            replacement = UInt8(ascii: "\"")
        } else {
            throw .notWellFormed
        }
        if collect { value.append(replacement) }
    }

    // MARK: Lexical pieces

    /// An XML 1.0 (fifth edition) Name, as a range of the document.
    private mutating func name() throws(XMLFailure) -> Range<Int> {
        let start = i
        while i < end {
            let byte = bytes[i]
            if byte < 0x80 {
                guard Self.isNameByte(byte, first: i == start) else { break }
                i += 1
            } else {
                guard let (scalar, length) = UTF8Sequence.scalar(in: bytes, at: i),
                    Self.isNameScalar(scalar.value, first: i == start)
                else {
                    break
                }
                i += length
            }
        }
        guard i > start else { throw .notWellFormed }
        return start..<i
    }

    /// The length of the XML character at `j`: tab, LF and CR are the only controls allowed,
    /// and anything non-ASCII must be well-formed UTF-8 (which also rules out surrogates).
    private func character(at j: Int) throws(XMLFailure) -> Int {
        let byte = bytes[j]
        if byte < 0x80 {
            guard byte >= 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { throw .notWellFormed }
            return 1
        }
        guard let length = UTF8Sequence.length(in: bytes, at: j) else { throw .notWellFormed }
        // U+FFFE and U+FFFF are the only well-formed sequences that are not XML characters.
        if length == 3, byte == 0xEF, bytes[j + 1] == 0xBF, bytes[j + 2] >= 0xBE { throw .notWellFormed }
        return length
    }

    /// Appends `range` of the document to the field's text when the text is a field's.
    private mutating func keep(_ range: Range<Int>) {
        if collecting, !range.isEmpty { value.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[range])) }
    }

    @discardableResult
    private mutating func skipSpace() -> Bool {
        let start = i
        while i < end, Self.isSpace(bytes[i]) { i += 1 }
        return i > start
    }

    /// Whether the document continues with `literal` at `i`.
    private func has(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard i + count <= end else { return false }
        let pointer = literal.utf8Start
        for k in 0..<count where bytes[i + k] != pointer[k] { return false }
        return true
    }

    private func matches(_ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let pointer = literal.utf8Start
        for k in 0..<range.count where bytes[range.lowerBound + k] != pointer[k] { return false }
        return true
    }

    private func same(_ a: Range<Int>, _ b: Range<Int>) -> Bool {
        guard a.count == b.count else { return false }
        for k in 0..<a.count where bytes[a.lowerBound + k] != bytes[b.lowerBound + k] { return false }
        return true
    }

    private func copy(_ range: Range<Int>) -> [UInt8] {
        Array(UnsafeRawBufferPointer(rebasing: bytes[range]))
    }

    private func isDTD(at j: Int) -> Bool {
        let upper: StaticString = "<!DOCTYPE", lower: StaticString = "<!doctype"
        guard j + 9 <= end else { return false }
        let u = upper.utf8Start, l = lower.utf8Start
        var isUpper = true, isLower = true
        for k in 0..<9 {
            isUpper = isUpper && bytes[j + k] == u[k]
            isLower = isLower && bytes[j + k] == l[k]
        }
        return isUpper || isLower
    }

    // MARK: Character classes

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    private static func isEncodingNameByte(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "-")
    }

    private static func digit(_ byte: UInt8, hex: Bool) -> UInt32? {
        if isDigit(byte) { return UInt32(byte - UInt8(ascii: "0")) }
        guard hex else { return nil }
        let lowered = byte | 0x20
        guard lowered >= UInt8(ascii: "a"), lowered <= UInt8(ascii: "f") else { return nil }
        return UInt32(lowered - UInt8(ascii: "a") + 10)
    }

    private static func isNameByte(_ byte: UInt8, first: Bool) -> Bool {
        if isLetter(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":") { return true }
        return !first && (isDigit(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "."))
    }

    /// NameStartChar and NameChar above ASCII, from the XML 1.0 fifth edition.
    private static func isNameScalar(_ scalar: UInt32, first: Bool) -> Bool {
        switch scalar {
        case 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x2FF, 0x370...0x37D, 0x37F...0x1FFF, 0x200C...0x200D,
            0x2070...0x218F, 0x2C00...0x2FEF, 0x3001...0xD7FF, 0xF900...0xFDCF, 0xFDF0...0xFFFD, 0x1_0000...0xE_FFFF:
            return true
        case 0xB7, 0x300...0x36F, 0x203F...0x2040:
            return !first
        default:
            return false
        }
    }

    /// The Char production: what a document, or a character reference, may contain.
    private static func isXMLCharacter(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x1_0000...0x10_FFFF: true
        default: false
        }
    }
}
