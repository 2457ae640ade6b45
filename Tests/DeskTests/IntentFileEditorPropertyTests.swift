import Desk
import Foundation
import TestSupport
import Testing
import Yams

/// Thousands of generated values written through every edit and its undo, on a copy of the
/// shipped `Intents/`: each edit is refused and leaves the file byte for byte as it was, or
/// the file parses to exactly the old document plus the change; and undoing the edits, newest
/// first, gives every earlier version of the file back byte for byte.
/// `POLICYDESK_PROPERTY_SEED` repeats another run's cases.
@Suite("Editing Intents files: generated values")
struct IntentFileEditorPropertyTests {
    /// How many chains of one to three edits are tried.
    static let chains = 1500

    /// A temporary copy of the shipped `Intents/`.
    struct Copy {
        let root: URL
        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent(
                "policydesk-editor-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: Shipped.intents, to: root.appendingPathComponent("Intents"))
        }
        func url(_ file: String) -> URL { root.appendingPathComponent("Intents").appendingPathComponent(file) }
        func read(_ file: String) throws -> String { String(decoding: try Data(contentsOf: url(file)), as: UTF8.self) }
        func write(_ text: String, _ file: String) throws { try Data(text.utf8).write(to: url(file)) }
        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    /// What the test tallies, to say what was tried.
    struct Tally: CustomStringConvertible {
        var written: [String: Int] = [:]
        var refused: [String: Int] = [:]
        var undone = 0
        var description: String {
            "written \(written.sorted { $0.key < $1.key }), refused \(refused.sorted { $0.key < $1.key }), undone \(undone)"
        }
    }

    @Test(
        "every edit reads back as exactly the change, or is refused with the file untouched; undo gives the bytes back")
    func generatedEdits() throws {
        let seed = PropertySeed.value
        var random = SeededGenerator(seed: seed)
        let copy = try Copy()
        defer { copy.remove() }
        let clauseFiles = try FileManager.default.contentsOfDirectory(atPath: copy.url("clauses").path).filter {
            $0.hasSuffix(".yaml")
        }
        .sorted().map { "clauses/\($0)" }
        #expect(clauseFiles.count > 30)
        // Every other clause file gets comments where staff write them, which every edit and
        // undo must keep.
        let annotated = Set(clauseFiles.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
        for file in annotated {
            try copy.write(Self.annotated(try copy.read(file)), file)
        }
        var tally = Tally()
        var failures = 0
        for chain in 0..<Self.chains where failures < 5 {
            let contacts = Int.random(in: 0..<5, using: &random) == 0
            let file = contacts ? "contacts.yaml" : clauseFiles.randomElement(using: &random)!
            let original = try copy.read(file)
            var versions: [(text: String, undo: IntentEdit)] = []
            var current = original
            var made: [String] = []  // the edits written, for a failure message
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let edit = try Self.edit(in: current, contacts: contacts, &random)
                let context = "seed \(seed) (POLICYDESK_PROPERTY_SEED), chain \(chain), edit \(Self.shown(edit))"
                do {
                    let edited = try IntentFileEditor.apply(edit, to: current)
                    try copy.write(edited, file)
                    let readBack = try copy.read(file)
                    if let problem = Self.mismatch(edit, before: current, after: readBack) {
                        Issue.record("\(context): \(problem)")
                        failures += 1
                    } else if let value = Self.mustRefuseValue(edit) {
                        Issue.record("\(context): written although it holds \(HostileStrings.shown(value))")
                        failures += 1
                    }
                    versions.append((current, try Self.undo(of: edit, in: current)))
                    made.append(Self.shown(edit))
                    current = readBack
                    tally.written[Self.kind(edit), default: 0] += 1
                } catch let error as IntentEditError {
                    // A refused edit gives no text to write: the file stays as it was.
                    if let problem = Self.wrongRefusal(error, of: edit, in: current) {
                        Issue.record("\(context): \(problem)")
                        failures += 1
                    }
                    tally.refused["\(Self.kind(edit)): \(Self.kind(error))", default: 0] += 1
                }
            }
            // Undo, newest first: each undo gives the version before its edit back, byte for byte.
            // (Where a comment stands between examples, an example removed and given back may
            // land on the other side of it: a list read back tells an entry, not which of its
            // neighbours a comment went with. There, the same document and the same lines.)
            for (before, undo) in versions.reversed() {
                do {
                    let undone = try IntentFileEditor.apply(undo, to: current)
                    let same =
                        annotated.contains(file)
                        ? Self.sameLines(undone, before)
                            && (try? Yams.compose(yaml: undone)) == (try? Yams.compose(yaml: before))
                        : undone == before
                    if !same {
                        Issue.record(
                            """
                            seed \(seed), chain \(chain): undo \(Self.shown(undo)) did not give \(file) back byte for \
                            byte: \(Self.lineDifference(before, undone)); the edits: \(made)
                            """
                        )
                        failures += 1
                    }
                    tally.undone += 1
                } catch {
                    Issue.record("seed \(seed), chain \(chain): undo \(Self.shown(undo)) was refused: \(error)")
                    failures += 1
                }
                current = before
            }
            try copy.write(original, file)
        }
        print("IntentFileEditorPropertyTests (seed \(seed)): \(tally)")
        #expect(tally.written.values.reduce(0, +) > Self.chains / 2)
    }

    /// Whether `a` and `b` have the same lines, in whatever order.
    static func sameLines(_ a: String, _ b: String) -> Bool {
        a.components(separatedBy: "\n").sorted() == b.components(separatedBy: "\n").sorted()
    }

    /// The first line where `a` and `b` differ, with the lines around it.
    static func lineDifference(_ a: String, _ b: String) -> String {
        let x = a.components(separatedBy: "\n"), y = b.components(separatedBy: "\n")
        var n = 0
        while n < x.count, n < y.count, x[n] == y[n] { n += 1 }
        let expected = x[max(0, n - 1)..<min(x.count, n + 2)], got = y[max(0, n - 1)..<min(y.count, n + 2)]
        return "at line \(n + 1), expected \(expected.map(HostileStrings.shown)), got \(got.map(HostileStrings.shown))"
    }

    /// `text` with comments after the keys of lists, between the first two examples of each
    /// item, and before each item.
    static func annotated(_ text: String) -> String {
        var lines: [String] = []
        var afterExamples = false
        for line in text.components(separatedBy: "\n") {
            if line.hasPrefix("  - id:") { lines += ["    # —— 上一项到此 ——", ""] }
            switch line {
            case "    examples:": lines.append(line + "                     # 企业的各种问法")
            case "    checklist:": lines.append(line + "   # 草稿")
            default: lines.append(line)
            }
            if afterExamples && line.hasPrefix("      - ") { lines.append("      # 以下几条由工作人员补充") }
            afterExamples = line == "    examples:"
        }
        return lines.joined(separator: "\n")
    }

    // MARK: - Edits

    /// A random edit of `text`: of an item's examples, text or checklist, or of a unit's contacts.
    static func edit(in text: String, contacts: Bool, _ random: inout SeededGenerator) throws -> IntentEdit {
        let root = try Yams.compose(yaml: text)
        if contacts {
            let units = root?["units"]?.array().compactMap { $0["name"]?.string } ?? []
            if Int.random(in: 0..<3, using: &random) == 0 {
                let count = Int.random(in: 0...3, using: &random)
                return .setAliases(
                    unit: units.randomElement(using: &random)!,
                    aliases: (0..<count).map { _ in HostileStrings.value(&random) })
            }
            var fields: [String: String] = [:]
            for field in IntentFileEditor.contactFields.shuffled(using: &random).prefix(
                Int.random(in: 1...4, using: &random))
            {
                fields[field] = HostileStrings.value(&random)
            }
            return .setContact(unit: units.randomElement(using: &random)!, fields: fields)
        }
        guard case .sequence(let items)? = root?["items"], let item = items.randomElement(using: &random),
            let id = item["id"]?.string
        else { throw Missing(what: "items") }
        let examples = item["examples"]?.array().compactMap(\.string) ?? []
        switch Int.random(in: 0..<10, using: &random) {
        case 0...3:
            return .addExample(item: id, text: HostileStrings.value(&random))
        case 4:
            return .removeExample(item: id, text: examples.randomElement(using: &random) ?? "")
        case 5:
            return .removeExample(item: id, text: HostileStrings.value(&random))
        case 6:
            return .setText(item: id, text: HostileStrings.text(&random))
        case 7:
            return .setExamples(item: id, examples: examples + [HostileStrings.value(&random)])
        default:
            let count = Int.random(in: 0...4, using: &random)
            return .setChecklist(item: id, checklist: (0..<count).map { _ in HostileStrings.value(&random) })
        }
    }

    struct Missing: Error {
        var what: String
    }

    /// The edit that undoes `edit` made to `text`, as the admin API makes it from the audit
    /// log's "before": the whole list, the whole text, every contact field.
    static func undo(of edit: IntentEdit, in text: String) throws -> IntentEdit {
        let root = try Yams.compose(yaml: text)
        switch edit {
        case .setContact(let unit, _):
            guard case .sequence(let units)? = root?["units"],
                let entry = units.first(where: { $0["name"]?.string == unit })
            else {
                throw Missing(what: unit)
            }
            var fields: [String: String] = [:]
            for field in IntentFileEditor.contactFields { fields[field] = entry[field]?.string ?? "" }
            return .setContact(unit: unit, fields: fields)
        case .setAliases(let unit, _):
            guard case .sequence(let units)? = root?["units"],
                let entry = units.first(where: { $0["name"]?.string == unit })
            else {
                throw Missing(what: unit)
            }
            return .setAliases(unit: unit, aliases: entry["aliases"]?.array().compactMap(\.string) ?? [])
        case .addExample(let id, _), .removeExample(let id, _), .setExamples(let id, _):
            return .setExamples(
                item: id, examples: try item(id, in: root)["examples"]?.array().compactMap(\.string) ?? [])
        case .setChecklist(let id, _):
            return .setChecklist(
                item: id, checklist: try item(id, in: root)["checklist"]?.array().compactMap(\.string) ?? [])
        case .setText(let id, _):
            return .setText(item: id, text: try item(id, in: root)["text"]?.string ?? "")
        }
    }

    static func item(_ id: String, in root: Node?) throws -> Node {
        guard case .sequence(let items)? = root?["items"], let item = items.first(where: { $0["id"]?.string == id })
        else {
            throw Missing(what: id)
        }
        return item
    }

    // MARK: - The read-back, checked apart from the editor's own check

    /// Why `after` is not `before` with exactly `edit` made; nil when it is.
    static func mismatch(_ edit: IntentEdit, before: String, after: String) -> String? {
        guard var old = try? Yams.compose(yaml: before), var new = try? Yams.compose(yaml: after) else {
            return "the edited file does not parse"
        }
        let placeholder = Node("⟪the edited value⟫")
        if case .setContact(let unit, let fields) = edit {
            guard case .sequence(let units)? = old["units"],
                let index = units.firstIndex(where: { $0["name"]?.string == unit }),
                case .sequence(let newUnits)? = new["units"], newUnits.count > index
            else { return "unit \(unit) is gone" }
            for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
                if let problem = text(newUnits[index][name], is: value, at: "\(unit) › \(name)") { return problem }
                old["units"]?[index]?[name] = placeholder
                new["units"]?[index]?[name] = placeholder
            }
            return old == new ? nil : "something besides \(unit)'s \(fields.keys.sorted()) changed"
        }
        if case .setAliases(let unit, let aliases) = edit {
            guard case .sequence(let units)? = old["units"],
                let index = units.firstIndex(where: { $0["name"]?.string == unit }),
                case .sequence(let newUnits)? = new["units"], newUnits.count > index
            else { return "unit \(unit) is gone" }
            if aliases.isEmpty {
                if newUnits[index]["aliases"] != nil { return "\(unit) › aliases is still there, set to none" }
            } else if let problem = list(newUnits[index]["aliases"], is: aliases, at: "\(unit) › aliases") {
                return problem
            }
            old["units"]?[index]?["aliases"] = placeholder
            new["units"]?[index]?["aliases"] = placeholder
            return old == new ? nil : "something besides \(unit)'s aliases changed"
        }
        guard case .sequence(let items)? = old["items"], let id = edit.item,
            let index = items.firstIndex(where: { $0["id"]?.string == id }),
            case .sequence(let newItems)? = new["items"], newItems.count > index, newItems[index]["id"]?.string == id
        else { return "item \(edit.item ?? "") is gone" }
        let examples = items[index]["examples"]?.array().compactMap(\.string) ?? []
        let key: String
        switch edit {
        case .addExample(_, let example):
            key = "examples"
            if let problem = list(newItems[index][key], is: examples + [example], at: "\(id) › examples") {
                return problem
            }
        case .removeExample(_, let example):
            key = "examples"
            var rest = examples
            guard let at = rest.firstIndex(where: { $0.unicodeScalars.elementsEqual(example.unicodeScalars) }) else {
                return "removed 「\(example)」, which \(id) did not have"
            }
            rest.remove(at: at)
            if let problem = list(newItems[index][key], is: rest, at: "\(id) › examples") { return problem }
        case .setExamples(_, let list):
            key = "examples"
            if let problem = self.list(newItems[index][key], is: list, at: "\(id) › examples") { return problem }
        case .setChecklist(_, let list):
            key = "checklist"
            if let problem = self.list(newItems[index][key], is: list, at: "\(id) › checklist") { return problem }
        case .setText(_, let value):
            key = "text"
            // A text of several lines is written as a block, which ends with a line break.
            let block = value.contains("\n") && !value.hasSuffix("\n")
            if block, let read = newItems[index][key]?.string,
                read.unicodeScalars.elementsEqual((value + "\n").unicodeScalars)
            {
                break
            }
            if let problem = text(newItems[index][key], is: value, at: "\(id) › text") { return problem }
        case .setContact, .setAliases:
            return nil
        }
        old["items"]?[index]?[key] = placeholder
        new["items"]?[index]?[key] = placeholder
        return old == new ? nil : "something besides \(id)'s \(key) changed"
    }

    /// Why `node` is not the text `value`, read as text.
    static func text(_ node: Node?, is value: String, at place: String) -> String? {
        guard let node, case .scalar(let scalar) = node else { return "\(place) is not text" }
        guard scalar.string.unicodeScalars.elementsEqual(value.unicodeScalars) else {
            return "\(place) reads \(HostileStrings.shown(scalar.string)), not \(HostileStrings.shown(value))"
        }
        guard Resolver.default.resolveTag(of: node) == .str else {
            return "\(place) reads as \(Resolver.default.resolveTag(of: node))"
        }
        return nil
    }

    /// Why `node` is not the list of texts `values`.
    static func list(_ node: Node?, is values: [String], at place: String) -> String? {
        guard let node, case .sequence(let entries) = node else { return "\(place) is not a list" }
        guard entries.count == values.count else { return "\(place) has \(entries.count) entries, not \(values.count)" }
        for (index, (entry, value)) in zip(entries, values).enumerated() {
            if let problem = text(entry, is: value, at: "\(place) › \(index + 1)") { return problem }
        }
        return nil
    }

    /// A value the edit writes that a field must refuse, if any.
    static func mustRefuseValue(_ edit: IntentEdit) -> String? {
        switch edit {
        case .addExample(_, let text): HostileStrings.mustRefuse(text, multiline: false) ? text : nil
        case .removeExample: nil
        case .setText(_, let text): HostileStrings.mustRefuse(text, multiline: true) ? text : nil
        case .setExamples(_, let list), .setChecklist(_, let list):
            list.first { HostileStrings.mustRefuse($0, multiline: false) }
        case .setContact(_, let fields):
            fields.values.sorted().first { HostileStrings.mustRefuse($0, multiline: false) }
        case .setAliases(_, let aliases):
            aliases.first { HostileStrings.mustRefuse($0, multiline: false) }
        }
    }

    /// Why refusing `edit` with `error` is wrong; nil when it is right: a refused character the
    /// value holds, an example already there or not there.
    static func wrongRefusal(_ error: IntentEditError, of edit: IntentEdit, in text: String) -> String? {
        let values: [(String, Bool)]
        switch edit {
        case .addExample(_, let text): values = [(text, false)]
        case .removeExample: values = []
        case .setText(_, let text): values = [(text, true)]
        case .setExamples(_, let list), .setChecklist(_, let list): values = list.map { ($0, false) }
        case .setContact(_, let fields): values = fields.values.sorted().map { ($0, false) }
        case .setAliases(_, let aliases): values = aliases.map { ($0, false) }
        }
        let refusable = values.contains {
            HostileStrings.mustRefuse($0.0, multiline: $0.1) || HostileStrings.mayRefuse($0.0)
        }
        switch error {
        case .refusedCharacter:
            return refusable ? nil : "refused a value with no character to refuse: \(error)"
        case .unchanged:
            if case .setAliases(let unit, let aliases) = edit, aliases.isEmpty,
                (try? Yams.compose(yaml: text)?["units"]?.array().first { $0["name"]?.string == unit }?["aliases"])
                    == nil
            {
                return nil
            }
            if case .addExample(let id, let example) = edit,
                (try? item(id, in: Yams.compose(yaml: text))["examples"]?.array().compactMap(\.string).contains(example))
                    == true
            {
                return nil
            }
            return "refused as unchanged: \(error)"
        case .notFound:
            if case .removeExample(let id, let example) = edit,
                (try? item(id, in: Yams.compose(yaml: text))["examples"]?.array().compactMap(\.string)
                    .contains { $0.unicodeScalars.elementsEqual(example.unicodeScalars) }) == false
            {
                return nil
            }
            return "refused as not found: \(error)"
        case .invalid:
            // A unit's other name that is empty or only spaces names nothing.
            if case .setAliases(_, let aliases) = edit, aliases.contains(where: { $0.allSatisfy(\.isWhitespace) }) {
                return nil
            }
            return "could not write a value a person may write: \(error)"
        case .unsafe:
            return "could not write a value a person may write: \(error)"
        }
    }

    static func kind(_ edit: IntentEdit) -> String {
        switch edit {
        case .addExample: "add example"
        case .removeExample: "remove example"
        case .setExamples: "set examples"
        case .setText: "set text"
        case .setChecklist: "set checklist"
        case .setContact: "set contact"
        case .setAliases: "set aliases"
        }
    }

    static func kind(_ error: IntentEditError) -> String {
        switch error {
        case .notFound: "not found"
        case .unchanged: "unchanged"
        case .invalid: "invalid"
        case .refusedCharacter: "refused character"
        case .unsafe: "unsafe"
        }
    }

    /// An edit with its values' invisible characters escaped.
    static func shown(_ edit: IntentEdit) -> String {
        switch edit {
        case .addExample(let id, let text): "add example \(id) \(HostileStrings.shown(text))"
        case .removeExample(let id, let text): "remove example \(id) \(HostileStrings.shown(text))"
        case .setExamples(let id, let list):
            "set examples \(id) [\(list.map(HostileStrings.shown).joined(separator: ", "))]"
        case .setText(let id, let text): "set text \(id) \(HostileStrings.shown(text))"
        case .setChecklist(let id, let list):
            "set checklist \(id) [\(list.map(HostileStrings.shown).joined(separator: ", "))]"
        case .setAliases(let unit, let aliases):
            "set aliases \(unit) [\(aliases.map(HostileStrings.shown).joined(separator: ", "))]"
        case .setContact(let unit, let fields):
            "set contact \(unit) {\(fields.sorted { $0.key < $1.key }.map { "\($0.key): \(HostileStrings.shown($0.value))" }.joined(separator: ", "))}"
        }
    }
}
