import TextRules
import Yams

/// The checks around every write: the values an edit carries, the line breaks of the file, and
/// the edited file read back with the YAML parser and compared, value for value, with the old
/// document plus exactly the change the edit asks for.
extension IntentFileEditor {
    /// Refuses a value holding a character its field may not hold, naming the field, the
    /// character and where it stands; and a contact field that is not one of `contactFields`.
    static func checkCharacters(of edit: IntentEdit) throws(IntentEditError) {
        func check(_ value: String, _ field: String, multiline: Bool = false) throws(IntentEditError) {
            if let finding = FieldCharacters.firstRefused(in: value, multiline: multiline) {
                throw .refusedCharacter(
                    field: field, character: finding.scalar, position: finding.position, multiline: multiline)
            }
        }
        switch edit {
        case .addExample(_, let text):
            try check(text, "the example")
        case .removeExample:
            break  // nothing is written; the example is found by its whole value
        case .setExamples(_, let examples):
            for (index, text) in examples.enumerated() { try check(text, "example \(index + 1)") }
        case .setText(_, let text):
            try check(text, "the text", multiline: true)
        case .setChecklist(_, let checklist):
            for (index, text) in checklist.enumerated() { try check(text, "checklist entry \(index + 1)") }
        case .setContact(let unit, let fields):
            let unknown = fields.keys.filter { !contactFields.contains($0) }.sorted()
            guard unknown.isEmpty else {
                throw .invalid(
                    "unknown contact field \(unknown.joined(separator: ", ")); use \(contactFields.joined(separator: ", "))"
                )
            }
            for (name, value) in fields.sorted(by: { $0.key < $1.key }) { try check(value, "the \(name) of \(unit)") }
        case .setAliases(let unit, let aliases):
            for (index, alias) in aliases.enumerated() {
                try check(alias, "other name \(index + 1) of \(unit)")
                guard !alias.trimmed.isEmpty else {
                    throw .invalid("other name \(index + 1) of \(unit) is empty")
                }
            }
        }
    }

    /// Refuses a file holding a line break other than LF (CR, U+0085, U+2028, U+2029): YAML
    /// counts it as a line and the editor's lines are split at LF only, so the parser's line
    /// numbers would point at the wrong lines.
    static func checkLineBreaks(in text: String, edited: Bool = false) throws(IntentEditError) {
        var line = 1
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A:
                line += 1
            case 0x0D, 0x85, 0x2028, 0x2029:
                let name = FieldCharacters.name(of: scalar)
                if edited {
                    throw .unsafe(
                        "the edit would leave \(name) on line \(line) of the file, which YAML reads as a line break")
                }
                throw .unsafe(
                    "line \(line) of the file holds \(name), which YAML reads as a line break, so the editor cannot "
                        + "tell the file's lines apart; save the file with plain line feeds (\\n) and reload")
            default:
                continue
            }
        }
    }

    /// Reads `edited` back and compares it with `before` plus exactly `edit`; refuses the edit
    /// (`IntentEditError.unsafe`) at the first value that differs.
    static func verify(_ edit: IntentEdit, before root: Node?, after edited: String) throws(IntentEditError) {
        try checkLineBreaks(in: edited, edited: true)
        let after: Node?
        do {
            after = try Yams.compose(yaml: edited)
        } catch {
            let reason = "\(error)".split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            throw .unsafe("the edited file would not read as YAML (\(reason)); edit the file by hand and reload")
        }
        guard let root, let expected = expected(edit, in: YAMLValue(root)) else {
            throw .unsafe("the change cannot be located in the file as it was read")
        }
        guard let after else { throw .unsafe("the edited file would be empty") }
        if let difference = difference(expected, after, at: []) {
            throw .unsafe(
                "written into the file, the edit would not read back as written (\(difference)); edit the file by hand and reload"
            )
        }
    }

    // MARK: - The intended document

    /// The document `root` with exactly `edit` made; nil when the edit's target is not there.
    static func expected(_ edit: IntentEdit, in root: YAMLValue) -> YAMLValue? {
        func text(_ value: String) -> YAMLValue { .scalar(value, written: true) }
        switch edit {
        case .addExample(let id, let example):
            return root.updatingItem(id, key: "examples") { old in
                if case .sequence(let entries) = old { return .sequence(entries + [text(example)]) }
                return .sequence([text(example)])
            }
        case .removeExample(let id, let example):
            return root.updatingItem(id, key: "examples") { old in
                guard case .sequence(var entries) = old,
                    let index = entries.firstIndex(where: { $0.scalarText.map { same($0, example) } ?? false })
                else { return nil }
                entries.remove(at: index)
                return .sequence(entries)
            }
        case .setExamples(let id, let examples):
            return root.updatingItem(id, key: "examples") { _ in .sequence(examples.map(text)) }
        case .setChecklist(let id, let checklist):
            return root.updatingItem(id, key: "checklist") { _ in .sequence(checklist.map(text)) }
        case .setText(let id, let value):
            return root.updatingItem(id, key: "text") { _ in text(written(value)) }
        case .setContact(let unit, let fields):
            return root.updatingUnit(unit) { pairs in
                // Fields the unit has change in place; the others follow, in the order of their names.
                for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
                    if let at = pairs.firstIndex(where: { $0.key.scalarText == name }) {
                        pairs[at].value = text(value)
                    } else {
                        pairs.append((text(name), text(value)))
                    }
                }
            }
        case .setAliases(let unit, let aliases):
            return root.updatingUnit(unit) { pairs in
                let list = YAMLValue.sequence(aliases.map(text))
                if aliases.isEmpty {
                    pairs.removeAll { $0.key.scalarText == "aliases" }
                } else if let at = pairs.firstIndex(where: { $0.key.scalarText == "aliases" }) {
                    pairs[at].value = list
                } else {
                    pairs.append((text("aliases"), list))
                }
            }
        }
    }

    // MARK: - Comparing

    /// Where `actual` first differs from `expected`, for a person: 「items › 12.2 › examples ›
    /// 15: expected "…", would read "…"」; nil when they are the same, scalar for scalar.
    static func difference(_ expected: YAMLValue, _ actual: Node, at path: [String]) -> String? {
        let place = path.isEmpty ? "the whole file" : path.joined(separator: " › ")
        switch (expected, actual) {
        case (.scalar(let string, let written), .scalar(let scalar)):
            if !same(string, scalar.string) {
                return "\(place): expected \(shown(string)), would read \(shown(scalar.string))"
            }
            if written && Resolver.default.resolveTag(of: actual) != .str {
                return
                    "\(place): \(shown(string)) would read as \(Resolver.default.resolveTag(of: actual).rawValue), not as text"
            }
            return nil
        case (.sequence(let entries), .sequence(let sequence)):
            let nodes = Array(sequence)
            for (index, (entry, node)) in zip(entries, nodes).enumerated() {
                if let difference = difference(entry, node, at: path + [entry.label ?? "#\(index + 1)"]) {
                    return difference
                }
            }
            if entries.count != nodes.count {
                return "\(place): expected \(entries.count) entries, would read \(nodes.count)"
            }
            return nil
        case (.mapping(let pairs), .mapping(let mapping)):
            let actualPairs = Array(mapping)
            for ((key, value), (actualKey, actualValue)) in zip(pairs, actualPairs) {
                let name = key.scalarText ?? "a key"
                if let difference = difference(key, actualKey, at: path + ["key \(name)"]) { return difference }
                if let difference = difference(value, actualValue, at: path + [name]) { return difference }
            }
            if pairs.count != actualPairs.count {
                let expectedKeys = pairs.map { $0.key.scalarText ?? "?" },
                    actualKeys = actualPairs.map { $0.key.string ?? "?" }
                return
                    "\(place): expected the keys \(expectedKeys.joined(separator: ", ")), would read \(actualKeys.joined(separator: ", "))"
            }
            return nil
        case (.alias(let anchor), .alias(let alias)):
            return anchor == alias.anchor.rawValue
                ? nil : "\(place): expected the alias *\(anchor), would read *\(alias.anchor.rawValue)"
        default:
            return "\(place): expected \(expected.kind), would read \(YAMLValue(actual).kind)"
        }
    }

    /// A value as a message shows it: quoted, invisible characters escaped, long text cut.
    static func shown(_ text: String) -> String {
        let cut =
            text.unicodeScalars.count > 60
            ? String(String.UnicodeScalarView(text.unicodeScalars.prefix(60))) + "…" : text
        return doubleQuoted(cut)
    }
}

/// A parsed YAML document as plain values: what a file means, whatever its spacing, quoting
/// and comments. Used to say what a file must read back as after an edit.
indirect enum YAMLValue {
    /// A scalar; `written` when the edit wrote it, so that it must also read back as text
    /// (not as a number, a truth value or null).
    case scalar(String, written: Bool)
    /// A list, in order.
    case sequence([YAMLValue])
    /// A mapping's pairs, in the order the file has them.
    case mapping([(key: YAMLValue, value: YAMLValue)])
    /// An alias (「*name」), by its anchor's name.
    case alias(String)

    /// The value a parsed node holds.
    init(_ node: Node) {
        switch node {
        case .scalar(let scalar): self = .scalar(scalar.string, written: false)
        case .sequence(let sequence): self = .sequence(sequence.map(YAMLValue.init))
        case .mapping(let mapping): self = .mapping(mapping.map { (YAMLValue($0.key), YAMLValue($0.value)) })
        case .alias(let alias): self = .alias(alias.anchor.rawValue)
        }
    }

    /// The text of a scalar.
    var scalarText: String? {
        if case .scalar(let string, _) = self { return string }
        return nil
    }

    /// The value of the first pair whose key is `key`, in a mapping.
    subscript(key: String) -> YAMLValue? {
        guard case .mapping(let pairs) = self else { return nil }
        return pairs.first { $0.key.scalarText == key }?.value
    }

    /// An entry's id or name, to say where in a list a difference is.
    var label: String? { self["id"]?.scalarText ?? self["name"]?.scalarText }

    /// What kind of value it is, for a message.
    var kind: String {
        switch self {
        case .scalar: "text"
        case .sequence: "a list"
        case .mapping: "a mapping"
        case .alias: "an alias"
        }
    }

    /// This mapping with the value of `key` changed by `change`; nil when there is no such key
    /// or `change` gives nil.
    func updating(key: String, _ change: (YAMLValue) -> YAMLValue?) -> YAMLValue? {
        guard case .mapping(var pairs) = self, let index = pairs.firstIndex(where: { $0.key.scalarText == key }),
            let value = change(pairs[index].value)
        else { return nil }
        pairs[index].value = value
        return .mapping(pairs)
    }

    /// This `contacts.yaml` with the keys and values of unit `unit` changed by `change`.
    func updatingUnit(_ unit: String, _ change: (inout [(key: YAMLValue, value: YAMLValue)]) -> Void) -> YAMLValue? {
        updating(key: "units") { units in
            guard case .sequence(var entries) = units,
                let index = entries.firstIndex(where: { $0["name"]?.scalarText == unit }),
                case .mapping(var pairs) = entries[index]
            else { return nil }
            change(&pairs)
            entries[index] = .mapping(pairs)
            return .sequence(entries)
        }
    }

    /// This clause file with `key` of item `id` changed by `change`.
    func updatingItem(_ id: String, key: String, _ change: (YAMLValue) -> YAMLValue?) -> YAMLValue? {
        updating(key: "items") { items in
            guard case .sequence(var entries) = items,
                let index = entries.firstIndex(where: { $0["id"]?.scalarText == id }),
                let item = entries[index].updating(key: key, change)
            else { return nil }
            entries[index] = item
            return .sequence(entries)
        }
    }
}
