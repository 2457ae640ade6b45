import Foundation
import Outreach

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The roster CSV reader: never a trap; what it reads and reports is in line order and within
/// the file; and a UTF-8 roster saved as GB18030 (as Excel's 「CSV（逗号分隔）」 does) reads the same.
enum RosterFuzz {
    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        let data = Data(input)
        let lineCount = input.split(separator: 0x0A, omittingEmptySubsequences: false).count
        guard let roster = try? Roster.parse(data, skipBadLines: true) else {
            _ = try? Roster.parse(data)
            return
        }
        let lines = roster.enterprises.map(\.line)
        try expect(zip(lines, lines.dropFirst()).allSatisfy { $0 < $1 }, "enterprises out of line order: \(lines)")
        try expect(
            lines.allSatisfy { (2...lineCount).contains($0) }, "an enterprise line outside 2…\(lineCount): \(lines)")
        let skipped = roster.skippedLines.map(\.line)
        try expect(zip(skipped, skipped.dropFirst()).allSatisfy { $0 <= $1 }, "skipped lines out of order: \(skipped)")
        try expect(
            skipped.allSatisfy { (1...lineCount).contains($0) }, "a skipped line outside 1…\(lineCount): \(skipped)")
        try expect(Set(lines).isDisjoint(with: skipped), "a line both read and skipped")
        let strict = try? Roster.parse(data)
        try expect((strict != nil) == skipped.isEmpty, "the strict read disagrees with the skipped lines")

        // The same text in GB18030, when every line of it that is not ASCII is also not UTF-8 (so
        // that the encoding is told the same way) and the UTF-8 file had no BOM and no bad lines.
        guard roster.encoding == .utf8, skipped.isEmpty, let text = String(validating: input, as: UTF8.self),
            input.contains(where: { $0 >= 0x80 }), let gb = gb18030(text)
        else { return }
        let gbLines = gb.split(separator: 0x0A, omittingEmptySubsequences: false)
        guard
            gbLines.allSatisfy({ line in line.allSatisfy { $0 < 0x80 } || String(validating: line, as: UTF8.self) == nil
            })
        else { return }
        guard let other = try? Roster.parse(Data(gb), skipBadLines: true) else {
            throw FuzzFailure("the roster reads as UTF-8 but not as GB18030")
        }
        try expect(other.encoding == .gb18030, "the GB18030 copy was read as \(other.encoding)")
        try expect(other.skippedLines.isEmpty, "the GB18030 copy has bad lines: \(other.skippedLines)")
        try expect(other.enterprises == roster.enterprises, "the GB18030 copy reads differently")
        try expect(other.ignoredHeaders == roster.ignoredHeaders, "the GB18030 copy has other ignored headers")
    }

    /// `text` in GB18030, through glibc's iconv; nil when it has no GB18030 module.
    static func gb18030(_ text: String) -> [UInt8]? {
        let descriptor = iconv_open("GB18030", "UTF-8")
        guard let descriptor, descriptor != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(descriptor) }
        var input = Array(text.utf8)
        if input.isEmpty { return [] }
        var output = [UInt8](repeating: 0, count: input.count * 2 + 16)
        let capacity = output.count
        let written: Int? = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBuffer.baseAddress!)
                    .assumingMemoryBound(to: CChar.self)
                var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuffer.baseAddress!)
                    .assumingMemoryBound(to: CChar.self)
                var inLeft = inBuffer.count
                var outLeft = outBuffer.count
                guard iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft) != -1, inLeft == 0 else {
                    return nil
                }
                return capacity - outLeft
            }
        }
        return written.map { Array(output[0..<$0]) }
    }
}
