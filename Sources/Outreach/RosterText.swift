public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A roster file's bytes decoded into physical lines, each with its 1-based line number.
///
/// Excel writes CSV as UTF-8 with a BOM ("CSV UTF-8") or, in Chinese locales, as GBK ("CSV
/// (逗号分隔)"), which GB18030 contains. Neither encoding uses the byte 0x0A inside a character,
/// so the bytes are split into lines first and each line decoded on its own: a bad line is
/// reported with its number instead of failing the whole file.
public struct RosterText: Sendable {
    /// The encoding the file was read in.
    public enum Encoding: String, Sendable {
        /// UTF-8 without a BOM.
        case utf8 = "UTF-8"
        /// UTF-8 with a byte-order mark, as Excel's "CSV UTF-8" writes it.
        case utf8WithBOM = "UTF-8 (BOM)"
        /// GB18030, which includes GBK and GB2312.
        case gb18030 = "GB18030"
    }

    /// One physical line.
    public struct Line: Sendable {
        /// The 1-based line number.
        public var number: Int
        /// The decoded text without the line break, or nil when the bytes are not valid in the file's encoding.
        public var text: String?
    }

    /// The encoding chosen for the file.
    public var encoding: Encoding
    /// The lines in order.
    public var lines: [Line]
    /// Why undecodable lines failed, in words: names the encoding the rest of the file uses.
    public var badLineReason: String

    /// Decodes the bytes, choosing the encoding the way a person would read the file.
    ///
    /// A BOM means UTF-8. Otherwise the lines are tried as UTF-8; when all of them decode the file
    /// is UTF-8, when none with non-ASCII bytes do it is GB18030, and when both kinds are present the
    /// majority wins and the other lines are reported as bad: one file in two encodings is a copy
    /// and paste accident that would otherwise turn names into mojibake.
    public static func decode(_ data: Data) throws(RosterError) -> RosterText {
        let bytes = [UInt8](data)
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            throw .fileLevel(
                line: 1,
                reason: "文件是 UTF-16 编码（Excel 的「Unicode 文本」）；请在 Excel 中另存为「CSV UTF-8（逗号分隔）」或「CSV（逗号分隔）」")
        }
        let hasBOM = bytes.starts(with: [0xEF, 0xBB, 0xBF])
        let body = hasBOM ? bytes[3...] : bytes[...]
        let raw = splitLines(body)

        var utf8Lines: [String?] = []
        utf8Lines.reserveCapacity(raw.count)
        var nonASCIIValid = 0
        var invalid = 0
        for line in raw {
            if line.allSatisfy({ $0 < 0x80 }) {
                utf8Lines.append(String(decoding: line, as: UTF8.self))
                continue
            }
            if let text = String(validating: line, as: UTF8.self) {
                utf8Lines.append(text)
                nonASCIIValid += 1
            } else {
                utf8Lines.append(nil)
                invalid += 1
            }
        }
        if hasBOM || invalid == 0 || nonASCIIValid >= invalid {
            let reason =
                hasBOM
                ? "这一行不是有效的 UTF-8 文本（文件以 UTF-8 BOM 开头）；请用同一种编码重新保存整个文件"
                : "这一行不是有效的 UTF-8 文本，而文件其余部分是 UTF-8；请用同一种编码重新保存整个文件"
            return RosterText(
                encoding: hasBOM ? .utf8WithBOM : .utf8,
                lines: utf8Lines.enumerated().map { Line(number: $0.offset + 1, text: $0.element) },
                badLineReason: reason)
        }
        let converter = try GB18030Converter()
        var lines: [Line] = []
        lines.reserveCapacity(raw.count)
        for (index, line) in raw.enumerated() {
            let looksLikeUTF8 = utf8Lines[index] != nil && !line.allSatisfy { $0 < 0x80 }
            lines.append(Line(number: index + 1, text: looksLikeUTF8 ? nil : converter.decode(line)))
        }
        return RosterText(
            encoding: .gb18030, lines: lines,
            badLineReason: "这一行不是有效的 GB18030/GBK 文本（文件其余部分是 GB18030/GBK）；请用同一种编码重新保存整个文件")
    }

    /// Splits on LF and drops a CR before it, so CRLF files (Excel on Windows) read the same.
    private static func splitLines(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            line.last == 0x0D ? line.dropLast() : line
        }
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }
}

/// glibc's iconv from GB18030 to UTF-8.
///
/// A class so that the converter is opened once per file and closed when released.
final class GB18030Converter {
    private let descriptor: iconv_t

    /// Opens the converter; fails with an actionable message when the system has no GB18030 module.
    init() throws(RosterError) {
        let opened = iconv_open("UTF-8", "GB18030")
        guard let opened, opened != iconv_t(bitPattern: -1) else {
            throw .fileLevel(
                line: 1,
                reason: "文件不是 UTF-8，而本机的 iconv 没有 GB18030 转换模块（glibc 的 gconv）；请把名单另存为「CSV UTF-8」")
        }
        descriptor = opened
    }

    deinit {
        iconv_close(descriptor)
    }

    /// The text, or nil when the bytes are not valid (or end mid-character).
    func decode(_ bytes: ArraySlice<UInt8>) -> String? {
        if bytes.isEmpty { return "" }
        // Reset the conversion state a previous failed line may have left.
        iconv(descriptor, nil, nil, nil, nil)
        var input = Array(bytes)
        // Every GB18030 sequence of n bytes becomes at most 2n bytes of UTF-8 (2 → 3, 4 → 4).
        var output = [UInt8](repeating: 0, count: input.count * 2 + 4)
        let outputCapacity = output.count
        let written: Int? = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBuffer.baseAddress!)
                    .assumingMemoryBound(to: CChar.self)
                var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuffer.baseAddress!)
                    .assumingMemoryBound(to: CChar.self)
                var inLeft = inBuffer.count
                var outLeft = outputCapacity
                let result = iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
                guard result != -1, inLeft == 0 else { return nil }
                return outputCapacity - outLeft
            }
        }
        guard let written else { return nil }
        return String(validating: output[..<written], as: UTF8.self)
    }
}
