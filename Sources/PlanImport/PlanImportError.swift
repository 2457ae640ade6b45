/// Why a document could not be imported; each case names where the trouble is.
public enum PlanImportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The document holds no text at all.
    case empty
    /// A NUL byte: this is not a text file (a .docx or a PDF saved with the wrong name).
    case binary(line: Int)
    /// Bytes that are not UTF-8; `likelyGB18030` when they read as GB18030/GBK Chinese.
    case notUTF8(line: Int, likelyGB18030: Bool)
    /// No numbered measure with 责任领导/牵头单位/责任单位 lines was found.
    case noMeasures(lines: Int)

    public var description: String {
        switch self {
        case .empty:
            "the file is empty: expected the plan's text (numbered measures with 责任领导, 牵头单位 and 责任单位 lines)"
        case .binary(let line):
            "line \(line): binary content (a NUL byte); save the plan as plain UTF-8 text (.txt), not .docx or .pdf"
        case .notUTF8(let line, let gb):
            gb
                ? "line \(line): not UTF-8; the text looks like GB18030/GBK. Convert it first: iconv -f GB18030 -t UTF-8 FILE > FILE-utf8.txt"
                : "line \(line): not UTF-8 text; save the plan as UTF-8"
        case .noMeasures(let lines):
            "no measures found in \(lines) lines: expected numbered measures (1.标题。正文…) each followed by 责任领导：, 牵头单位： and 责任单位： lines"
        }
    }
}
