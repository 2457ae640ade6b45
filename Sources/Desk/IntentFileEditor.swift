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

    /// The item the edit touches, if any.
    public var item: String? {
        switch self {
        case .addExample(let item, _), .removeExample(let item, _), .setExamples(let item, _), .setText(let item, _),
            .setChecklist(let item, _):
            item
        case .setContact: nil
        }
    }
}

/// Why an edit cannot be made to a file's text.
public enum IntentEditError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(String)
    case unchanged(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .notFound(let what): "\(what) not found"
        case .unchanged(let why): "nothing to change: \(why)"
        case .invalid(let why): why
        }
    }
}

/// Applies edits to the text of a YAML file line by line, so that every line the edit does
/// not touch (comments, spacing, the order of keys) stays exactly as staff wrote it.
/// Lines are found through the parser's positions, never by searching for text.
public enum IntentFileEditor {
    /// The contact fields a unit has in `contacts.yaml`.
    public static let contactFields = ["phone", "address", "person", "hours"]

    /// `text` with `edit` applied.
    public static func apply(_ edit: IntentEdit, to text: String) throws(IntentEditError) -> String {
        var lines = text.components(separatedBy: "\n")
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw .invalid("the file does not parse as YAML: \(error)")
        }
        switch edit {
        case .addExample(let id, let example):
            let item = try itemNode(id, in: root)
            guard let (key, value) = pair("examples", in: item), case .sequence(let seq) = value, !seq.isEmpty,
                value.mark?.line != key.mark?.line
            else {
                return try apply(.setExamples(item: id, examples: (item["examples"]?.array().compactMap(\.string) ?? []) + [example]), to: text)
            }
            if seq.contains(where: { $0.string == example }) { throw .unchanged("「\(example)」 is already an example of \(id)") }
            let end = blockEnd(after: key, in: lines)
            let indent = indentation(of: lines[(seq.first?.mark?.line ?? 1) - 1])
            lines.insert(String(repeating: " ", count: indent) + "- " + scalar(example), at: end)
        case .removeExample(let id, let example):
            let item = try itemNode(id, in: root)
            guard let (key, value) = pair("examples", in: item), case .sequence(let seq) = value,
                let element = seq.first(where: { $0.string == example }), let line = element.mark?.line
            else { throw .notFound("example 「\(example)」 of item \(id)") }
            // A one-line list (「examples: [a, b]」) or the last entry is rewritten whole.
            if seq.count == 1 || value.mark?.line == key.mark?.line {
                let rest = seq.compactMap(\.string).filter { $0 != example }
                return try apply(.setExamples(item: id, examples: rest), to: text)
            }
            lines.remove(at: line - 1)
        case .setExamples(let id, let examples):
            lines = try replace(key: "examples", of: try itemNode(id, in: root), with: .list(examples), in: lines)
        case .setChecklist(let id, let checklist):
            lines = try replace(key: "checklist", of: try itemNode(id, in: root), with: .list(checklist), in: lines)
        case .setText(let id, let newText):
            lines = try replace(key: "text", of: try itemNode(id, in: root), with: .text(newText), in: lines)
        case .setContact(let unit, let fields):
            guard let units = root?["units"], case .sequence(let seq) = units,
                let entry = seq.first(where: { $0["name"]?.string == unit })
            else { throw .notFound("unit 「\(unit)」 in contacts.yaml") }
            // (The parser does not report a mapping's style, so a one-line mapping is told by its
            // keys all standing on the line it starts on.)
            if case .mapping(let map) = entry, let line = entry.mark?.line, map.keys.allSatisfy({ $0.mark?.line == line }),
                let brace = lines[line - 1].firstIndex(of: "{"), lines[line - 1].contains("}")
            {
                // A unit written on one line (「- {name: …, phone: ""}」) is rewritten on that line.
                var ordered: [(String, String)] = map.compactMap { k, v in k.string.map { ($0, v.string ?? "") } }
                for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
                    if let i = ordered.firstIndex(where: { $0.0 == name }) { ordered[i].1 = value } else { ordered.append((name, value)) }
                }
                let body = ordered.map { "\($0.0): \($0.0 == "name" ? scalar($0.1) : quoted($0.1))" }.joined(separator: ", ")
                lines[line - 1] = String(lines[line - 1][..<brace]) + "{" + body + "}"
                return lines.joined(separator: "\n")
            }
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
                guard let nameKey = pair("name", in: entry)?.0, let line = nameKey.mark?.line else {
                    throw .notFound("the name of unit 「\(unit)」")
                }
                let indent = (nameKey.mark?.column ?? 1) - 1
                let end = blockEnd(ofEntryAt: line, indent: indent, in: lines)
                let added = missing.map { String(repeating: " ", count: indent) + "\($0): " + scalar(fields[$0] ?? "") }
                lines.insert(contentsOf: added, at: end)
            }
        }
        return lines.joined(separator: "\n")
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

    static func isBlankOrComment(_ line: String) -> Bool {
        let t = line.trimmingCharacters(in: .whitespaces)
        return t.isEmpty || t.hasPrefix("#")
    }

    /// The index of the first line after the value of `key`: the first line, not blank and
    /// not a comment, indented no deeper than the key (a list may sit at the key's own
    /// depth). Trailing blank lines and comments stay outside, with what follows.
    static func blockEnd(after key: Node, in lines: [String]) -> Int {
        let start = (key.mark?.line ?? 1)
        let indent = (key.mark?.column ?? 1) - 1
        var end = start
        var i = start
        while i < lines.count {
            let line = lines[i]
            if isBlankOrComment(line) {
                i += 1
                continue
            }
            let depth = indentation(of: line)
            let listAtKeyDepth = depth == indent && line.trimmingCharacters(in: .whitespaces).hasPrefix("- ")
            guard depth > indent || listAtKeyDepth else { break }
            i += 1
            end = i
        }
        return end
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
            guard indentation(of: l) >= indent, !l.trimmingCharacters(in: .whitespaces).hasPrefix("- ") || indentation(of: l) > indent else { break }
            i += 1
            end = i
        }
        return end
    }

    // MARK: - Writing values

    enum Value {
        case list([String])
        case text(String)
    }

    static func replace(key name: String, of node: Node, with value: Value, in lines: [String]) throws(IntentEditError) -> [String] {
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
        case .text(let text) where text.contains("\n"):
            replacement = ["\(pad)\(name): |"] + text.components(separatedBy: "\n").map { $0.isEmpty ? "" : "\(pad)  \($0)" }
        case .text(let text):
            replacement = ["\(pad)\(name): \(scalar(text))"]
        }
        // A comment after the key on its own line is kept.
        if let comment = trailingComment(lines[line - 1]), case .list = value {
            replacement[0] += "  " + comment
        }
        var result = lines
        result.replaceSubrange((line - 1)..<end, with: replacement)
        return result
    }

    static func trailingComment(_ line: String) -> String? {
        guard let range = line.range(of: " #") else { return nil }
        let before = line[..<range.lowerBound]
        // Only when the key has no value on the line (「checklist:   # 草稿」).
        guard before.trimmingCharacters(in: .whitespaces).hasSuffix(":") else { return nil }
        return String(line[line.index(after: range.lowerBound)...])
    }

    /// A double-quoted YAML scalar, as contact fields are written.
    static func quoted(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\\/", with: "/")
    }

    /// A YAML scalar for `text`: plain when that reads back as the same string, otherwise
    /// double-quoted with JSON escapes (a valid YAML double-quoted scalar).
    public static func scalar(_ text: String) -> String {
        let special: Set<Character> = ["-", "?", ":", ",", "[", "]", "{", "}", "#", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`", " "]
        let plainSafe = !text.isEmpty && !special.contains(text.first!) && !text.hasSuffix(" ")
            && !text.contains(": ") && !text.contains(" #") && !text.hasSuffix(":") && !text.contains("\n")
            && !text.contains("\t") && Double(text) == nil
            && !["true", "false", "yes", "no", "null", "~", "on", "off"].contains(text.lowercased())
        if plainSafe { return text }
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\\/", with: "/")
    }
}
