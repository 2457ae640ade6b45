import Desk
import Foundation
import Yams

/// The `Intents/` loader and the line-preserving editor.
///
/// The first byte chooses the mode. A multiple of 8: the rest replaces one shipped file (chosen
/// by the second byte) and the whole of `Intents/` is loaded: never a trap. This is the slow mode
/// (a whole load per input), so it gets one first byte in eight. Otherwise an edit of the kind
/// `(first byte / 2) % 6`. The rest is
/// NUL-separated: the file's text (empty for a shipped file chosen by the second byte), the item
/// id or unit name (empty for the file's first), then the values. An edit either is refused or
/// reads back with exactly the change it asked for.
enum IntentsFuzz {
    static let intents = repositoryRoot.appendingPathComponent("Intents")
    static let templates = repositoryRoot.appendingPathComponent("Templates")

    /// The shipped files, by path relative to `Intents/`.
    static let files: [String] = {
        let clauses =
            (try? FileManager.default.contentsOfDirectory(atPath: intents.appendingPathComponent("clauses").path)) ?? []
        return ["policy.yaml", "lexicon.yaml", "facts.yaml", "out_of_scope.yaml", "contacts.yaml"]
            + clauses.filter { $0.hasSuffix(".yaml") }.sorted().map { "clauses/" + $0 }
    }()

    static let shippedText: [String: String] = Dictionary(
        uniqueKeysWithValues: files.map {
            ($0, (try? String(contentsOf: intents.appendingPathComponent($0), encoding: .utf8)) ?? "")
        })

    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        guard input.count >= 2 else { return }
        let file = files[Int(input[1]) % files.count]
        let rest = input[2...]
        if input[0] % 8 == 0 {
            var loader = KnowledgeBaseLoader(intents: intents, templates: templates)
            loader.overrides[file] = String(decoding: rest, as: UTF8.self)
            _ = try? loader.load()
        } else {
            try edit(rest, file: file, kind: Int(input[0] / 2))
        }
    }

    static func edit(_ rest: ArraySlice<UInt8>, file: String, kind: Int) throws(FuzzFailure) {
        var parts = rest.split(separator: 0, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        while parts.count < 3 { parts.append("") }
        let text = parts[0].isEmpty ? shippedText[file] ?? "" : parts[0]
        let before = try? Yams.compose(yaml: text)
        var target = parts[1]
        let values = Array(parts[2...])
        let edit: IntentEdit
        switch kind % 6 {
        case 0, 1, 2, 3, 4:
            if target.isEmpty, let id = before?["items"]?.array().first?["id"]?.string { target = id }
            switch kind % 6 {
            case 0: edit = .addExample(item: target, text: values[0])
            case 1: edit = .removeExample(item: target, text: values[0])
            case 2: edit = .setExamples(item: target, examples: values)
            case 3: edit = .setText(item: target, text: values[0])
            default: edit = .setChecklist(item: target, checklist: values)
            }
        default:
            if target.isEmpty, let name = before?["units"]?.array().first?["name"]?.string { target = name }
            if (kind / 6) % 2 == 1 {
                edit = .setAliases(unit: target, aliases: values)
            } else {
                var fields: [String: String] = [:]
                for (name, value) in zip(IntentFileEditor.contactFields, values) { fields[name] = value }
                edit = .setContact(unit: target, fields: fields)
            }
        }
        let edited: String
        do {
            edited = try IntentFileEditor.apply(edit, to: text)
        } catch {
            return
        }
        let after: Node?
        do {
            after = try Yams.compose(yaml: edited)
        } catch {
            throw FuzzFailure("\(edit) made a file that does not parse: \(error)")
        }
        let item = after?["items"]?.array().first { $0["id"]?.string == target }
        let oldItem = before?["items"]?.array().first { $0["id"]?.string == target }
        func strings(_ node: Node?, _ key: String) -> [String] { node?[key]?.array().compactMap(\.string) ?? [] }
        switch edit {
        case .addExample(_, let example):
            try expect(
                strings(item, "examples") == strings(oldItem, "examples") + [example], "\(edit) does not read back")
        case .removeExample(_, let example):
            var expected = strings(oldItem, "examples")
            if let i = expected.firstIndex(of: example) { expected.remove(at: i) }
            try expect(
                strings(item, "examples") == expected, "\(edit) does not read back: \(strings(item, "examples"))")
        case .setExamples(_, let examples):
            try expect(strings(item, "examples") == examples, "\(edit) reads back as \(strings(item, "examples"))")
        case .setChecklist(_, let checklist):
            try expect(strings(item, "checklist") == checklist, "\(edit) reads back as \(strings(item, "checklist"))")
        case .setText(_, let newText):
            // A text of several lines is written as a literal block, which reads back with one
            // line break at its end (the loader trims it).
            let readBack = item?["text"]?.string
            try expect(
                readBack == newText
                    || (newText.contains("\n") && !newText.hasSuffix("\n") && readBack == newText + "\n"),
                "\(edit) reads back as \(readBack.debugDescription)")
        case .setContact(let unit, let fields):
            let entry = after?["units"]?.array().first { $0["name"]?.string == unit }
            for (name, value) in fields {
                try expect(
                    entry?[name]?.string == value,
                    "\(edit) reads back \(name) as \(entry?[name]?.string.debugDescription ?? "nothing")")
            }
        case .setAliases(let unit, let aliases):
            let entry = after?["units"]?.array().first { $0["name"]?.string == unit }
            let readBack = entry?["aliases"]?.array().compactMap(\.string) ?? []
            try expect(readBack == aliases, "\(edit) reads back the aliases as \(readBack.debugDescription)")
        }
        // Every other item is as it was.
        let others = { (root: Node?) in root?["items"]?.array().filter { $0["id"]?.string != target }.map(shape) ?? [] }
        try expect(others(after) == others(before), "\(edit) changed another item")
    }
}

/// A node's values without positions or styles, for comparing documents.
func shape(_ node: Node) -> String {
    switch node {
    case .scalar(let scalar): return "'" + scalar.string + "'"
    case .mapping(let mapping):
        return "{" + mapping.map { shape($0.key) + ":" + shape($0.value) }.joined(separator: ",") + "}"
    case .sequence(let sequence): return "[" + sequence.map(shape).joined(separator: ",") + "]"
    case .alias: return "*"
    }
}
