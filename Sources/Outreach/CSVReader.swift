/// One CSV record: its fields and the line it starts on.
struct CSVRecord: Sendable {
    /// The 1-based line the record starts on.
    var line: Int
    /// The fields, unquoted.
    var fields: [String]
    /// Why the record cannot be read, when it cannot.
    var problem: String?
}

/// Reads RFC 4180 CSV the way Excel writes it: comma-separated, fields optionally in double quotes,
/// `""` for a quote inside quotes, line breaks allowed inside quotes.
///
/// Two conveniences for people who keep rosters by hand: a line starting with `#` outside quotes is
/// a comment (the sample roster documents its columns that way), and a line that is empty or only
/// commas (an empty Excel row) is skipped. The delimiters are ASCII, so lines are scanned as UTF-8
/// bytes and fields cut at byte offsets, which is many times faster than walking characters.
enum CSVReader {
    private static let comma = UInt8(ascii: ",")
    private static let quote = UInt8(ascii: "\"")
    private static let space = UInt8(ascii: " ")
    private static let hash = UInt8(ascii: "#")

    /// The records of the text, in order.
    static func records(_ text: RosterText) -> [CSVRecord] {
        var records: [CSVRecord] = []
        records.reserveCapacity(text.lines.count)
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var start = 0
        var problem: String?

        func finishRecord() {
            fields.append(field)
            if problem != nil || fields.contains(where: { !$0.isEmpty }) {
                records.append(CSVRecord(line: start, fields: fields, problem: problem))
            }
            fields = []
            field = ""
            problem = nil
        }

        for line in text.lines {
            guard let content = line.text else {
                if inQuotes {
                    // The quoted field swallowed an undecodable line: the record is lost either way.
                    problem = problem ?? text.badLineReason
                } else {
                    records.append(CSVRecord(line: line.number, fields: [], problem: text.badLineReason))
                }
                continue
            }
            let bytes = content.utf8
            if !inQuotes {
                start = line.number
                if bytes.first == hash { continue }
            } else {
                field.append("\n")
            }
            var index = bytes.startIndex
            var segment = index
            while index < bytes.endIndex {
                let byte = bytes[index]
                let next = bytes.index(after: index)
                if inQuotes {
                    if byte == quote {
                        field += String(decoding: bytes[segment..<index], as: UTF8.self)
                        if next < bytes.endIndex && bytes[next] == quote {
                            field.append("\"")
                            index = bytes.index(after: next)
                        } else {
                            inQuotes = false
                            index = next
                        }
                        segment = index
                        continue
                    }
                } else if byte == comma {
                    field += String(decoding: bytes[segment..<index], as: UTF8.self)
                    fields.append(field)
                    field = ""
                    segment = next
                } else if byte == quote && field.isEmpty && bytes[segment..<index].allSatisfy({ $0 == space }) {
                    // A quote opens a quoted field only at the field's start (spaces before it allowed).
                    inQuotes = true
                    segment = next
                }
                index = next
            }
            field += String(decoding: bytes[segment..<bytes.endIndex], as: UTF8.self)
            if !inQuotes { finishRecord() }
        }
        if inQuotes {
            problem = "从这一行开始的引号一直没有闭合（少了一个 \"）；请检查这一行"
            finishRecord()
        }
        return records
    }
}
