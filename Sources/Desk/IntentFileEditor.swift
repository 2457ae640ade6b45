import Foundation
import Yams

/// One change staff make to `Intents/` through the admin API.
public enum IntentEdit: Sendable, Equatable {
    case addExample(item: String, text: String)
    case removeExample(item: String, text: String)
    case setExamples(item: String, examples: [String])
    case setText(item: String, text: String)
    case setChecklist(item: String, checklist: [String])
    case setContact(unit: String, fields: [String: String])
    /// A unit's other names (`aliases` in `contacts.yaml`), replaced as a whole.
    case setAliases(unit: String, aliases: [String])

    /// The item the edit touches, if any.
    public var item: String? {
        switch self {
        case .addExample(let item, _), .removeExample(let item, _), .setExamples(let item, _), .setText(let item, _),
            .setChecklist(let item, _):
            item
        case .setContact, .setAliases: nil
        }
    }
}

/// Why an edit cannot be made to a file's text.
public enum IntentEditError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The item, unit, key or example the edit names is not in the file.
    case notFound(String)
    /// The edit would change nothing (an example that is already there).
    case unchanged(String)
    /// The edit or the file is not one the editor can work with.
    case invalid(String)
    /// A value holds a character the file cannot keep as written (see `FieldCharacters`):
    /// which field, the character, and where it stands in the value (from 1).
    case refusedCharacter(field: String, character: Unicode.Scalar, position: Int, multiline: Bool)
    /// The file could not be written so that it reads back as it was plus exactly the change.
    case unsafe(String)

    public var description: String {
        switch self {
        case .notFound(let what): "\(what) not found"
        case .unchanged(let why): "nothing to change: \(why)"
        case .invalid(let why): why
        case .refusedCharacter(let field, let character, let position, let multiline):
            "\(field) contains \(FieldCharacters.name(of: character)) at character \(position); "
                + FieldCharacters.advice(for: character, multiline: multiline)
        case .unsafe(let why): "nothing was changed: \(why)"
        }
    }
}

/// Applies edits to the text of a YAML file line by line, so that every line the edit does
/// not touch (comments, spacing, the order of keys) stays exactly as staff wrote it.
/// Lines are found through the parser's positions, never by searching for text.
public enum IntentFileEditor {
    /// The contact fields a unit has in `contacts.yaml`.
    public static let contactFields = ["phone", "address", "person", "hours"]

    /// `text` with `edit` applied. Every value is checked for characters a field may not hold
    /// (`FieldCharacters`) before anything is written, and the result is read back with the YAML
    /// parser: it must be the document `text` holds with exactly the change `edit` asks for, every
    /// other value the same, or the edit is refused (`IntentEditError.unsafe`).
    public static func apply(_ edit: IntentEdit, to text: String) throws(IntentEditError) -> String {
        try checkCharacters(of: edit)
        try checkLineBreaks(in: text)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw .invalid("the file does not parse as YAML: \(error)")
        }
        let edited = try write(edit, to: text, root: root)
        try verify(edit, before: root, after: edited)
        return edited
    }

    /// `text` (whose parsed document is `root`) with `edit` written into its lines; not yet read back.
    static func write(_ edit: IntentEdit, to text: String, root: Node?) throws(IntentEditError) -> String {
        var lines = text.components(separatedBy: "\n")
        switch edit {
        case .addExample(let id, let example):
            let item = try itemNode(id, in: root)
            guard let (key, value) = pair("examples", in: item), case .sequence(let seq) = value, !seq.isEmpty,
                value.mark?.line != key.mark?.line
            else {
                let examples = (item["examples"]?.array().compactMap(\.string) ?? []) + [example]
                return try write(.setExamples(item: id, examples: examples), to: text, root: root)
            }
            if seq.contains(where: { $0.string == example }) {
                throw .unchanged("「\(example)」 is already an example of \(id)")
            }
            let end = blockEnd(after: key, in: lines)
            let indent = indentation(of: lines[(seq.first?.mark?.line ?? 1) - 1])
            lines.insert(String(repeating: " ", count: indent) + "- " + scalar(example), at: end)
        case .removeExample(let id, let example):
            // The example is found by its whole value, byte for byte, and the list is then set to
            // the others: never a line found by its number alone.
            let item = try itemNode(id, in: root)
            guard let (_, value) = pair("examples", in: item), case .sequence(let seq) = value,
                let index = seq.firstIndex(where: { $0.string.map { same($0, example) } ?? false })
            else { throw .notFound("example 「\(example)」 of item \(id)") }
            var rest = Array(seq)
            rest.remove(at: index)
            return try write(.setExamples(item: id, examples: rest.compactMap(\.string)), to: text, root: root)
        case .setExamples(let id, let examples):
            lines = try setList("examples", of: try itemNode(id, in: root), to: examples, in: lines)
        case .setChecklist(let id, let checklist):
            lines = try setList("checklist", of: try itemNode(id, in: root), to: checklist, in: lines)
        case .setText(let id, let newText):
            lines = try replace(key: "text", of: try itemNode(id, in: root), with: .text(newText), in: lines)
        case .setContact(let unit, let fields):
            let entry = try unitNode(unit, in: root)
            let values = fields.sorted(by: { $0.key < $1.key }).map { ($0.key, quoted($0.value)) }
            if let rewritten = rewritingOneLine(entry, setting: values, in: lines) { return rewritten }
            // Fields are replaced from the bottom up so that earlier line numbers stay valid.
            let ordered = fields.keys.sorted().compactMap { name -> (Int, String)? in
                guard let key = pair(name, in: entry)?.0, let line = key.mark?.line else { return nil }
                return (line, name)
            }.sorted { $0.0 > $1.0 }
            for (_, name) in ordered {
                lines = try replace(key: name, of: entry, with: .text(fields[name] ?? ""), in: lines)
            }
            let missing = fields.keys.sorted().filter { pair($0, in: entry) == nil }
            if !missing.isEmpty {
                lines = try appending(missing.map { "\($0): " + scalar(fields[$0] ?? "") }, to: entry, unit, in: lines)
            }
        case .setAliases(let unit, let aliases):
            let entry = try unitNode(unit, in: root)
            let existing = pair("aliases", in: entry)
            // No other names is no `aliases` key, so that an undo gives the file back byte for byte.
            if aliases.isEmpty {
                guard let key = existing?.0, let line = key.mark?.line else {
                    throw .unchanged("\(unit) has no other names")
                }
                if let rewritten = rewritingOneLine(entry, setting: [], removing: "aliases", in: lines) {
                    return rewritten
                }
                lines.removeSubrange((line - 1)..<blockEnd(after: key, in: lines))
                return lines.joined(separator: "\n")
            }
            let list = "[" + aliases.map(flowScalar).joined(separator: ", ") + "]"
            if let rewritten = rewritingOneLine(entry, setting: [("aliases", list)], in: lines) { return rewritten }
            if existing != nil {
                lines = try setList("aliases", of: entry, to: aliases, in: lines)
            } else {
                lines = try appending(["aliases: " + list], to: entry, unit, in: lines)
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The entry of `unit` in `contacts.yaml`.
    static func unitNode(_ unit: String, in root: Node?) throws(IntentEditError) -> Node {
        guard let units = root?["units"], case .sequence(let seq) = units,
            let entry = seq.first(where: { $0["name"]?.string == unit })
        else { throw .notFound("unit 「\(unit)」 in contacts.yaml") }
        return entry
    }

    /// The file with a unit written on one line (「- {name: …, phone: ""}」) rewritten on that line
    /// with `values` (each key with its value as written in a flow mapping) set; nil when the unit
    /// is not written on one line; a key `removing` names is left out. What follows the mapping on
    /// its line (a comment) stays.
    static func rewritingOneLine(
        _ entry: Node, setting values: [(String, String)], removing: String? = nil, in lines: [String]
    ) -> String? {
        // (The parser does not report a mapping's style, so a one-line mapping is told by its
        // keys all standing on the line it starts on.)
        guard case .mapping(let map) = entry, let line = entry.mark?.line,
            map.keys.allSatisfy({ $0.mark?.line == line }),
            let brace = lines[line - 1].firstIndex(of: "{"),
            let close = closingBrace(in: lines[line - 1], from: brace)
        else { return nil }
        // Each value as it is to be written; a list (the unit's aliases) is kept as a list.
        var ordered: [(String, String)] = map.compactMap { k, v in
            guard let key = k.string else { return nil }
            if case .sequence(let seq) = v {
                return (key, "[" + seq.map { flowScalar($0.string ?? "") }.joined(separator: ", ") + "]")
            }
            return (key, key == "name" ? flowScalar(v.string ?? "") : quoted(v.string ?? ""))
        }
        for (name, value) in values {
            if let i = ordered.firstIndex(where: { $0.0 == name }) {
                ordered[i].1 = value
            } else {
                ordered.append((name, value))
            }
        }
        ordered.removeAll { $0.0 == removing }
        let body = ordered.map { "\($0.0): \($0.1)" }.joined(separator: ", ")
        var lines = lines
        let rest = lines[line - 1][lines[line - 1].index(after: close)...]
        lines[line - 1] = String(lines[line - 1][..<brace]) + "{" + body + "}" + rest
        return lines.joined(separator: "\n")
    }

    /// `added` lines (「key: value」) put at the end of the block entry of `unit`, at its keys' indentation.
    static func appending(_ added: [String], to entry: Node, _ unit: String, in lines: [String]) throws(IntentEditError)
        -> [String]
    {
        guard let nameKey = pair("name", in: entry)?.0, let line = nameKey.mark?.line else {
            throw .notFound("the name of unit 「\(unit)」")
        }
        let indent = (nameKey.mark?.column ?? 1) - 1
        var lines = lines
        lines.insert(
            contentsOf: added.map { String(repeating: " ", count: indent) + $0 },
            at: blockEnd(ofEntryAt: line, indent: indent, in: lines))
        return lines
    }

    /// A list set to `values`: entry by entry where the list allows it (comments between
    /// entries stay), else the whole value rewritten.
    static func setList(_ key: String, of item: Node, to values: [String], in lines: [String]) throws(IntentEditError)
        -> [String]
    {
        if let edited = editList(key, of: item, to: values, in: lines) { return edited }
        return try replace(key: key, of: item, with: .list(values), in: lines)
    }

    // MARK: - Finding things

    static func itemNode(_ id: String, in root: Node?) throws(IntentEditError) -> Node {
        guard let items = root?["items"], case .sequence(let seq) = items,
            let item = seq.first(where: { $0["id"]?.string == id })
        else { throw .notFound("item \(id)") }
        return item
    }

    static func pair(_ key: String, in node: Node) -> (Node, Node)? {
        guard case .mapping(let map) = node else { return nil }
        for (k, v) in map where k.string == key { return (k, v) }
        return nil
    }

    static func indentation(of line: String) -> Int {
        line.prefix { $0 == " " }.count
    }

    /// Whether `line` starts a list entry (「  - 营业执照」).
    static func isListEntry(_ line: String) -> Bool {
        line.drop { $0 == " " }.hasPrefix("- ")
    }

    static func isBlankOrComment(_ line: String) -> Bool {
        // YAML's blanks are spaces and tabs only: a line of U+3000 is text.
        let t = line.drop { $0 == " " || $0 == "\t" }
        return t.isEmpty || t.hasPrefix("#")
    }

    /// The index of the first line after the value of `key`: the first line, not blank and
    /// not a comment, indented no deeper than the key (a list may sit at the key's own
    /// depth). Trailing blank lines and comments stay outside, with what follows. A block
    /// scalar (「text: |」) ends at its first line less indented than its text, since a line
    /// starting with `#` inside it is text, not a comment.
    static func blockEnd(after key: Node, in lines: [String]) -> Int {
        let start = (key.mark?.line ?? 1)
        let indent = (key.mark?.column ?? 1) - 1
        if let header = blockScalarHeader(of: key, in: lines) {
            var end = start
            var i = start
            var textIndent = header.indentation.map { indent + $0 }
            while i < lines.count {
                let line = lines[i]
                // A line of spaces belongs to the text when it is deeper than the text (its spaces
                // are text) or more text follows.
                guard line.contains(where: { $0 != " " }) else {
                    i += 1
                    if let textIndent, line.count > textIndent { end = i }
                    continue
                }
                let depth = indentation(of: line)
                guard depth >= (textIndent ?? indent + 1) else { break }
                if textIndent == nil { textIndent = depth }
                i += 1
                end = i
            }
            return end
        }
        var end = start
        var i = start
        while i < lines.count {
            let line = lines[i]
            if isBlankOrComment(line) {
                i += 1
                continue
            }
            let depth = indentation(of: line)
            let listAtKeyDepth = depth == indent && isListEntry(line)
            guard depth > indent || listAtKeyDepth else { break }
            i += 1
            end = i
        }
        return end
    }

    /// The header of a block scalar that is the value of `key` (「|」, 「|2」, 「>-」) with its
    /// indentation indicator, if it has one; nil when the value is not a block scalar.
    static func blockScalarHeader(of key: Node, in lines: [String]) -> (header: String, indentation: Int?)? {
        guard let name = key.string, let line = key.mark?.line, line - 1 < lines.count else { return nil }
        let rest = lines[line - 1].drop { $0 == " " }
        guard rest.hasPrefix(name + ":") else { return nil }
        let value = rest.dropFirst(name.count + 1).drop { $0 == " " }
        guard let first = value.first, first == "|" || first == ">" else { return nil }
        let header = String(value.prefix { "|>+-0123456789".contains($0) })
        return (header, header.first(where: \.isWholeNumber)?.wholeNumberValue)
    }

    /// The index after the last line of a sequence entry whose keys sit at `indent`.
    static func blockEnd(ofEntryAt line: Int, indent: Int, in lines: [String]) -> Int {
        var end = line
        var i = line
        while i < lines.count {
            let l = lines[i]
            if isBlankOrComment(l) {
                i += 1
                continue
            }
            guard indentation(of: l) >= indent, !isListEntry(l) || indentation(of: l) > indent else { break }
            i += 1
            end = i
        }
        return end
    }

    /// The `}` that closes the flow mapping opened at `open`, skipping quoted text and nested
    /// brackets; nil when the mapping does not close on this line.
    static func closingBrace(in line: String, from open: String.Index) -> String.Index? {
        var depth = 0
        var quote: Character?
        var escaped = false
        var last: Character = " "  // the last character outside quotes that is not a space
        var i = open
        while i < line.endIndex {
            let c = line[i]
            defer { if quote == nil, c != " " { last = c } }
            if let q = quote {
                if escaped {
                    escaped = false
                } else if q == "\"" && c == "\\" {
                    escaped = true
                } else if c == q {
                    quote = nil
                }
            } else if c == "\"" || c == "'", "{[,:".contains(last) {
                // A quote opens quoted text only where a value starts (「O'Brien」 is plain).
                quote = c
            } else if c == "{" || c == "[" {
                depth += 1
            } else if c == "}" || c == "]" {
                depth -= 1
                if depth == 0 { return c == "}" ? i : nil }
            }
            i = line.index(after: i)
        }
        return nil
    }

    // MARK: - Writing values

    enum Value {
        case list([String])
        case text(String)
    }

    /// `lines` with the block list under `name` changed to `entries` line by line: entries that
    /// stay keep their lines as written, and so do the comments between them; an entry that goes
    /// loses its line only; a new entry gets a line right after the entry it follows (after the
    /// key when it comes first). This is what lets an undo give back the file byte for byte. `nil` when the list is not a block list of
    /// one-line entries, or no entry stays: the caller then writes the list whole. Entries are
    /// compared scalar for scalar, and the same entry may stand twice.
    static func editList(_ name: String, of node: Node, to entries: [String], in lines: [String]) -> [String]? {
        guard let (key, value) = pair(name, in: node), case .sequence(let seq) = value, !seq.isEmpty,
            let keyLine = key.mark?.line, value.mark?.line != keyLine
        else { return nil }
        // The old entries, each with the index of its line.
        var old: [(text: String, index: Int)] = []
        for element in seq {
            guard let text = element.string, let line = element.mark?.line, line - 1 < lines.count,
                isListEntry(lines[line - 1]), old.last.map({ $0.index < line - 1 }) ?? true
            else { return nil }
            old.append((text, line - 1))
        }
        // Each entry must stand on one line: only blank lines and comments until the next entry.
        let end = blockEnd(after: key, in: lines)
        for (i, entry) in old.enumerated() {
            let next = i + 1 < old.count ? old[i + 1].index : end
            guard entry.index < next, (entry.index + 1..<next).allSatisfy({ isBlankOrComment(lines[$0]) }) else {
                return nil
            }
        }
        // The longest run of old entries that stay, in order.
        let a = old.map(\.text), b = entries
        var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                table[i][j] = same(a[i], b[j]) ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var keptOld: [Int: Int] = [:]  // new index → old index
        var i = 0, j = 0
        while i < a.count, j < b.count {
            if same(a[i], b[j]) {
                keptOld[j] = i
                i += 1
                j += 1
            } else if table[i + 1][j] >= table[i][j + 1] {
                i += 1
            } else {
                j += 1
            }
        }
        guard !keptOld.isEmpty else { return nil }
        let indent = String(repeating: " ", count: indentation(of: lines[old[0].index]))
        // A new entry goes right after the entry it follows, or right after the key when it comes first.
        var head: [String] = [], after: [Int: [String]] = [:]  // by old index
        var previous: Int?
        var pending: [String] = []
        for (n, entry) in entries.enumerated() {
            if let o = keptOld[n] {
                if let previous { after[previous, default: []] += pending } else { head = pending }
                pending = []
                previous = o
            } else {
                pending.append(indent + "- " + scalar(entry))
            }
        }
        if let previous { after[previous, default: []] += pending }
        let kept = Set(keptOld.values)
        let entryAt = Dictionary(uniqueKeysWithValues: old.enumerated().map { ($0.element.index, $0.offset) })
        var result: [String] = []
        for (index, line) in lines.enumerated() {
            guard let o = entryAt[index] else {
                result.append(line)
                if index == keyLine - 1 { result += head }
                continue
            }
            guard kept.contains(o) else { continue }
            result.append(line)
            result += after[o] ?? []
        }
        return result
    }

    static func replace(key name: String, of node: Node, with value: Value, in lines: [String]) throws(IntentEditError)
        -> [String]
    {
        guard let (key, _) = pair(name, in: node), let line = key.mark?.line else {
            throw .notFound("`\(name)` of \(node["id"]?.string.map { "item \($0)" } ?? "the entry")")
        }
        let indent = (key.mark?.column ?? 1) - 1
        let pad = String(repeating: " ", count: indent)
        let end = blockEnd(after: key, in: lines)
        var replacement: [String]
        switch value {
        case .list(let entries) where entries.isEmpty:
            replacement = ["\(pad)\(name): []"]
        case .list(let entries):
            replacement = ["\(pad)\(name):"] + entries.map { "\(pad)  - \(scalar($0))" }
        case .text(let text):
            if let block = literalBlock(text) {
                replacement = ["\(pad)\(name): \(block.header)"] + block.lines.map { $0.isEmpty ? "" : "\(pad)  \($0)" }
            } else {
                replacement = ["\(pad)\(name): \(scalar(text))"]
            }
        }
        // A comment after the key on its own line is kept, spacing and all.
        if let comment = trailingComment(lines[line - 1]), case .list = value {
            replacement[0] += comment
        }
        var result = lines
        result.replaceSubrange((line - 1)..<end, with: replacement)
        return result
    }

    /// The comment after a key, with the spaces before it (「checklist:   # 草稿」 gives
    /// 「   # 草稿」), when the key has no value on its line or an empty list (「[]」).
    static func trailingComment(_ line: String) -> String? {
        guard let range = line.range(of: " #") else { return nil }
        let key = line[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
        guard key.hasSuffix(":") || key.hasSuffix(": []") else { return nil }
        var start = range.lowerBound
        while start > line.startIndex, line[line.index(before: start)] == " " { start = line.index(before: start) }
        return String(line[start...])
    }

    /// A double-quoted YAML scalar, as contact fields are written.
    static func quoted(_ text: String) -> String {
        doubleQuoted(text)
    }

    /// A YAML scalar for `text`: plain when that reads back as the same string, otherwise
    /// double-quoted (`doubleQuoted`).
    public static func scalar(_ text: String) -> String {
        isPlainSafe(text, inFlow: false) ? text : doubleQuoted(text)
    }

    /// A YAML scalar for `text` inside a one-line mapping (「{name: …, phone: …}」), where commas
    /// and brackets end a plain scalar too.
    package static func flowScalar(_ text: String) -> String {
        isPlainSafe(text, inFlow: true) ? text : doubleQuoted(text)
    }

    /// The characters that mean something at the start of a plain scalar.
    static let indicators: Set<Unicode.Scalar> = [
        "-", "?", ":", ",", "[", "]", "{", "}", "#", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`", " ",
    ]

    /// Whether `text` written plain reads back as the same text: it has no indicator at the start,
    /// no space at either end, nothing that starts a comment or a key, no character a field
    /// refuses, and it does not read as a number, a truth value, null or a date.
    ///
    /// Checked by scalar, as YAML reads it: `#` followed by a combining mark is one Character, and
    /// not equal to `#`, but YAML still starts a comment there.
    static func isPlainSafe(_ text: String, inFlow: Bool) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.first, !indicators.contains(first), scalars.last != " ", scalars.last != ":",
            !contains(scalars, [":", " "]), !contains(scalars, [" ", "#"]),
            !scalars.contains(where: { FieldCharacters.isRefused($0, multiline: false, inEmoji: false) })
        else { return false }
        if inFlow && scalars.contains(where: { ",[]{}:#\"'".unicodeScalars.contains($0) }) { return false }
        return Resolver.default.resolveTag(of: Node(text)) == .str
    }

    private static func contains(_ scalars: [Unicode.Scalar], _ pair: [Unicode.Scalar]) -> Bool {
        zip(scalars, scalars.dropFirst()).contains { $0 == pair[0] && $1 == pair[1] }
    }

    /// `text` as a YAML double-quoted scalar: quotes and backslashes escaped, and every control,
    /// line-break or invisible character written as an escape (`\n`, `\u2028`), so that the
    /// scalar stays on one line and reads back as exactly `text`.
    package static func doubleQuoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case _ where FieldCharacters.isRefused(scalar, multiline: false, inEmoji: false):
                let hex = String(scalar.value, radix: 16, uppercase: true)
                let (prefix, width) =
                    scalar.value <= 0xFF ? ("\\x", 2) : scalar.value <= 0xFFFF ? ("\\u", 4) : ("\\U", 8)
                result += prefix + String(repeating: "0", count: width - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// A text of several lines as a literal block (the header after 「text: 」 and the lines,
    /// without their indentation), or nil when the text is one line or a block cannot hold it.
    /// A block (`|`) ends with one line break: a text without one reads back with one added,
    /// which the loader trims (`written(_:)` says so to the read-back check). `|-` is not used,
    /// so that the files keep their style and an undo gives their lines back as they were. A
    /// text ending in two line breaks or more, or holding nothing else, is written double-quoted.
    static func literalBlock(_ text: String) -> (header: String, lines: [String])? {
        guard text.contains("\n") else { return nil }
        var body = Substring(text)
        var breaks = 0
        while body.hasSuffix("\n") {
            body = body.dropLast()
            breaks += 1
        }
        guard breaks <= 1, !body.isEmpty, body.contains(where: { $0 != "\n" }) else { return nil }
        let lines = body.components(separatedBy: "\n")
        // A first line that starts with a space would be read as the block's indentation.
        let indicator = lines.first(where: { !$0.isEmpty })?.hasPrefix(" ") == true ? "2" : ""
        return ("|" + indicator, lines)
    }

    /// What a text reads back as once written: a literal block ends with one line break.
    static func written(_ text: String) -> String {
        if literalBlock(text) != nil && !text.hasSuffix("\n") { return text + "\n" }
        return text
    }

    /// Whether two values are the same, scalar for scalar (「é」 written as one character or as
    /// two is not the same example).
    static func same(_ a: String, _ b: String) -> Bool {
        a.unicodeScalars.elementsEqual(b.unicodeScalars)
    }
}
