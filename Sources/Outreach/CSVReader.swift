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
/// commas (an empty Excel row) is skipped.
enum CSVReader {
    /// The records of the text, in order.
    static func records(_ text: RosterText) -> [CSVRecord] {
        var records: [CSVRecord] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var start = 0
        var problem: String?

        func finishRecord() {
            fields.append(field)
            let empty = fields.allSatisfy { $0.isEmpty }
            if !empty || problem != nil {
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
            if !inQuotes {
                start = line.number
                if content.hasPrefix("#") { continue }
            } else {
                field.append("\n")
            }
            var iterator = content.makeIterator()
            var pending: Character? = nil
            while let character = pending ?? iterator.next() {
                pending = nil
                if inQuotes {
                    if character == "\"" {
                        if let next = iterator.next() {
                            if next == "\"" {
                                field.append("\"")
                            } else {
                                inQuotes = false
                                pending = next
                            }
                        } else {
                            inQuotes = false
                        }
                    } else {
                        field.append(character)
                    }
                } else if character == "," {
                    fields.append(field)
                    field = ""
                } else if character == "\"" && field.allSatisfy({ $0 == " " }) {
                    field = ""
                    inQuotes = true
                } else {
                    field.append(character)
                }
            }
            if !inQuotes { finishRecord() }
        }
        if inQuotes {
            problem = "从这一行开始的引号一直没有闭合（少了一个 \"）；请检查这一行"
            finishRecord()
        }
        return records
    }
}
