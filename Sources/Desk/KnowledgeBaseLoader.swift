public import Foundation
public import Matching
import Mustache
import PolicyKit
import Yams

/// Loads `Intents/` and `Templates/` into one checked `KnowledgeBase`, or reports every
/// problem found as `FILE:LINE: message`.
public struct KnowledgeBaseLoader: Sendable {
    /// The folder with `policy.yaml`, `clauses/`, `lexicon.yaml` …
    public var intents: URL
    /// The folder with the `.mustache` reply templates.
    public var templates: URL
    /// Matcher thresholds.
    public var tuning: MatcherTuning
    /// File contents to use instead of what is on disk, by path relative to `intents`
    /// (`clauses/12.yaml`): how an edit is checked before it is written.
    public var overrides: [String: String] = [:]
    /// Whether rules still marked `review: true` (a draft from `policydesk import`) may be
    /// loaded; the knowledge base then says it is a draft in every answer. Off, each such rule
    /// is a problem and nothing loads.
    public var allowDraft = false

    /// The templates every reply needs, by name (without `.mustache`); the outreach ones are the
    /// campaign messages (`policydesk campaign plan`).
    public static let requiredTemplates = [
        "answer.txt", "answer.md", "refusal.txt", "refusal.md", "clarify.txt", "clarify.md",
        "smalltalk.txt", "smalltalk.md", "unit.txt", "unit.md", "outreach.txt", "outreach.md",
    ]

    public init(intents: URL, templates: URL, tuning: MatcherTuning = MatcherTuning()) {
        self.intents = intents
        self.templates = templates
        self.tuning = tuning
    }

    /// Loads and checks everything.
    public func load() throws(KnowledgeBaseError) -> KnowledgeBase {
        var problems: [Problem] = []
        let clauseFiles = Self.files(
            in: intents.appendingPathComponent("clauses"), ext: "yaml", problems: &problems, label: "clauses")
        var clauses: [Clause] = []
        var seenClause: [Int: String] = [:]
        var clauseTexts: [Int: String] = [:]
        var seenItem: [String: String] = [:]
        var seenExample: [String: String] = [:]
        // Where each example question is written, for conflicts found once the out-of-scope list is read.
        var examplePlaces: [(example: String, itemID: String, file: String, text: String)] = []
        // Files that could not be read or parsed are reported once, not again as a missing clause.
        var unreadable: Set<String> = []
        var unreviewed: [Problem] = []
        for file in clauseFiles {
            let name = "clauses/\(file.lastPathComponent)"
            guard let text = overrides[name] ?? Self.read(file, name: name, problems: &problems),
                let doc = YAMLDocument.parse(text, file: name, problems: &problems)
            else {
                unreadable.insert(name)
                continue
            }
            guard let clause = PolicyLoader.clause(doc, problems: &problems) else { continue }
            unreviewed += PolicyLoader.unreviewedRules(doc)
            if let other = seenClause[clause.number] {
                problems.append(
                    Problem(file: name, line: 1, message: "clause \(clause.number) is also defined in \(other)"))
                continue
            }
            seenClause[clause.number] = name
            clauseTexts[clause.number] = text
            for item in clause.items {
                if let other = seenItem[item.id] {
                    problems.append(
                        Problem(
                            file: name, line: Self.lineOf("\"\(item.id)\"", in: text),
                            message: "item id \(item.id) is also used in \(other)"))
                }
                seenItem[item.id] = name
                for example in item.examples {
                    if let other = seenExample[example], other != item.id {
                        problems.append(
                            Problem(
                                file: name, line: Self.lineOf(example, in: text),
                                message:
                                    "example 「\(example)」 is given for both \(other) and \(item.id); keep it under one item"
                            ))
                    }
                    seenExample[example] = item.id
                    examplePlaces.append((example, item.id, name, text))
                }
            }
            clauses.append(clause)
        }
        if clauseFiles.isEmpty == false {
            for number in PolicyLoader.clauseNumbers where seenClause[number] == nil {
                guard !unreadable.contains(String(format: "clauses/%02d.yaml", number)) else { continue }
                problems.append(
                    Problem(
                        file: "clauses", line: 0,
                        message:
                            "clause \(number) has no file (expected clauses/\(String(format: "%02d", number)).yaml)"))
            }
        }

        let policyMeta = loadPolicyMeta(problems: &problems)
        let lexicon = loadLexicon(problems: &problems)
        clauses = clauses.map { clause in
            let (withLevels, unknown) = LevelConditions.adding(to: clause, levels: lexicon.levels)
            for miss in unknown {
                let known = lexicon.levels.map(\.name).joined(separator: ", ")
                problems.append(
                    Problem(
                        file: seenClause[clause.number] ?? "clauses",
                        line: Self.lineOf(miss.level, in: clauseTexts[clause.number] ?? ""),
                        message:
                            "item \(miss.itemID): level 「\(miss.level)」 is not in lexicon.yaml `levels` (known: \(known.isEmpty ? "none" : known))"
                    ))
            }
            return withLevels
        }
        let (outOfScope, nearMisses, smalltalk, generic) = loadOutOfScope(problems: &problems)
        problems += Self.conflicts(examplePlaces, outOfScope: outOfScope, lexicon: lexicon)
        let (contacts, unitAsks) = loadContacts(problems: &problems)
        let factCues = loadFactCues(problems: &problems)
        let library = loadTemplates(smalltalkKinds: Array(smalltalk.keys), problems: &problems)

        if !allowDraft { problems += unreviewed }
        guard problems.isEmpty else { throw .invalid(problems) }
        let policy = Policy(
            title: policyMeta.title, sections: policyMeta.sections, clauses: clauses,
            checklistNote: policyMeta.checklistNote, notes: policyMeta.notes)
        return KnowledgeBase(
            policy: policy, lexicon: lexicon, smalltalk: smalltalk, outOfScope: outOfScope,
            nearMisses: nearMisses, genericWords: generic, contacts: contacts, unitAsks: unitAsks, templates: library,
            tuning: tuning,
            factCues: factCues, unreviewedRules: unreviewed.count)
    }

    // MARK: - Files

    static func files(in folder: URL, ext: String, problems: inout [Problem], label: String) -> [URL] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else {
            problems.append(
                Problem(
                    file: label, line: 0,
                    message:
                        "folder \(folder.path) not found or not readable; run from the folder that holds Intents/ and Templates/, or pass --intents and --templates"
                ))
            return []
        }
        return names.filter { $0.hasSuffix("." + ext) }.sorted().map { folder.appendingPathComponent($0) }
    }

    static func read(_ url: URL, name: String, problems: inout [Problem]) -> String? {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            problems.append(Problem(file: name, line: 0, message: "file not found or not readable"))
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            problems.append(Problem(file: name, line: 0, message: "not UTF-8 text; save the file as UTF-8"))
            return nil
        }
        return text
    }

    static func lineOf(_ needle: String, in text: String) -> Int {
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.contains(needle) {
            return i + 1
        }
        return 0
    }

    func document(_ name: String, problems: inout [Problem]) -> YAMLDocument? {
        guard
            let text = overrides[name]
                ?? Self.read(intents.appendingPathComponent(name), name: name, problems: &problems)
        else { return nil }
        return YAMLDocument.parse(text, file: name, problems: &problems)
    }

    // MARK: - The other files

    private struct PolicyMeta {
        var title = ""
        var sections: [Int: String] = [:]
        var checklistNote = "以牵头单位通知为准"
        var notes: [String] = []
    }

    private func loadPolicyMeta(problems: inout [Problem]) -> PolicyMeta {
        var meta = PolicyMeta()
        guard let doc = document("policy.yaml", problems: &problems) else { return meta }
        var r = NodeReader(file: doc.file)
        defer { problems += r.problems }
        guard let map = r.mapping(doc.root, "policy.yaml") else { return meta }
        meta.title = r.string(map, "title", in: doc.root) ?? ""
        meta.checklistNote = r.string(map, "checklistNote", in: doc.root, required: false) ?? meta.checklistNote
        meta.notes = r.strings(map, "notes", in: doc.root)
        for node in r.sequence(map, "sections", in: doc.root) {
            let m = r.mapping(node, "a section")
            if let n = r.int(m, "number", in: node), let t = r.string(m, "title", in: node) { meta.sections[n] = t }
        }
        return meta
    }

    private func loadLexicon(problems: inout [Problem]) -> Lexicon {
        guard let doc = document("lexicon.yaml", problems: &problems) else { return .empty }
        var r = NodeReader(file: doc.file)
        defer { problems += r.problems }
        guard let map = r.mapping(doc.root, "lexicon.yaml") else { return .empty }
        var replacements: [String: String] = [:]
        for key in ["synonyms", "miswritings", "abbreviations", "english"] {
            guard let node = map[key] else { continue }
            guard case .mapping(let m) = node else {
                r.problem(node, "`\(key)` must map each canonical term to a list of variants")
                continue
            }
            for (canonical, variants) in m {
                guard let c = canonical.string, !c.isEmpty else { continue }
                let list: [Node]
                switch variants {
                case .sequence(let s): list = Array(s)
                case .scalar: list = [variants]
                default:
                    r.problem(variants, "variants of 「\(c)」 must be a list")
                    continue
                }
                for v in list {
                    guard let s = v.string, !s.isEmpty else { continue }
                    if let other = replacements[s], other != c {
                        r.problem(v, "「\(s)」 is a variant of both 「\(other)」 and 「\(c)」; keep it under one")
                    }
                    replacements[s] = c
                }
            }
        }
        var characters: [Character: Character] = [:]
        if let node = map["traditional"] {
            if case .mapping(let m) = node {
                for (k, v) in m {
                    guard let ks = k.string, let vs = v.string, ks.count == 1, vs.count == 1, let kc = ks.first,
                        let vc = vs.first
                    else {
                        r.problem(k, "each entry of `traditional` maps one character to one character")
                        continue
                    }
                    characters[kc] = vc
                }
            } else if let s = node.string {
                // Also accepted: pairs written as 「國国 業业 …」.
                for pair in s.split(whereSeparator: { $0 == " " || $0 == "\n" }) where pair.count == 2 {
                    characters[pair.first!] = pair.last!
                }
            }
        }
        var levels: [LevelWords] = []
        if let node = map["levels"] {
            if case .mapping(let m) = node {
                for (name, words) in m {
                    guard let level = name.string, !level.isEmpty else { continue }
                    var list: [String] = []
                    if case .sequence(let seq) = words { list = seq.compactMap(\.string).filter { !$0.isEmpty } }
                    if list.isEmpty { r.problem(words, "the level 「\(level)」 needs at least one word that names it") }
                    levels.append(LevelWords(name: level, words: list))
                }
            } else {
                r.problem(node, "`levels` must map each level (国家级, 自治区级, 市级 …) to the words that name it")
            }
        }
        return Lexicon(replacements: replacements, characters: characters, levels: levels)
    }

    private func loadOutOfScope(problems: inout [Problem]) -> ([String], [String], [String: [String]], [String]) {
        guard let doc = document("out_of_scope.yaml", problems: &problems) else { return ([], [], [:], []) }
        var r = NodeReader(file: doc.file)
        defer { problems += r.problems }
        guard let map = r.mapping(doc.root, "out_of_scope.yaml") else { return ([], [], [:], []) }
        let examples = r.strings(map, "examples", in: doc.root, required: true)
        let nearMisses = r.strings(map, "nearMisses", in: doc.root)
        let generic = r.strings(map, "generic", in: doc.root)
        var smalltalk: [String: [String]] = [:]
        if let node = map["smalltalk"], case .mapping(let m) = node {
            for (k, _) in m {
                guard let kind = k.string else { continue }
                smalltalk[kind] = r.strings(m, kind, in: node)
            }
        }
        return (examples, nearMisses, smalltalk, generic)
    }

    private func loadContacts(problems: inout [Problem]) -> ([String: Contact], UnitAskWords) {
        guard let doc = document("contacts.yaml", problems: &problems) else { return ([:], UnitAskWords()) }
        var r = NodeReader(file: doc.file)
        defer { problems += r.problems }
        guard let map = r.mapping(doc.root, "contacts.yaml") else { return ([:], UnitAskWords()) }
        var contacts: [String: Contact] = [:]
        var aliasOwner: [String: String] = [:]
        for node in r.sequence(map, "units", in: doc.root) {
            let m = r.mapping(node, "a unit")
            guard let name = r.string(m, "name", in: node) else { continue }
            func field(_ key: String) -> String {
                guard let v = m?[key] else { return "" }
                return v.string ?? ""
            }
            let aliases = r.strings(m, "aliases", in: node).filter { !$0.isEmpty }
            for alias in aliases {
                if let other = aliasOwner[alias], other != name {
                    r.problem(
                        m?["aliases"] ?? node,
                        "「\(alias)」 is given as another name of both \(other) and \(name); a question naming it could mean either, so keep it under one"
                    )
                }
                aliasOwner[alias] = name
            }
            contacts[name] = Contact(
                unit: name, phone: field("phone"), address: field("address"), person: field("person"),
                hours: field("hours"), aliases: aliases)
        }
        for (alias, owner) in aliasOwner.sorted(by: { $0.key < $1.key }) where contacts[alias] != nil && alias != owner
        {
            r.problem(
                map["units"],
                "「\(alias)」 is another name of \(owner) and also a unit of its own; remove it from the aliases")
        }
        var asks = UnitAskWords()
        if let node = map["asks"] {
            let m = r.mapping(node, "`asks`")
            asks.contact = r.strings(m, "contact", in: node).filter { !$0.isEmpty }
            asks.duties = r.strings(m, "duties", in: node).filter { !$0.isEmpty }
            if m != nil, asks.contact.isEmpty, asks.duties.isEmpty {
                r.problem(node, "`asks` needs at least one word under `contact` or `duties`")
            }
        }
        return (contacts, asks)
    }

    /// The innermost section a template opens and never closes, with the line it opens on;
    /// the parser itself only notices at the end of the file.
    static func unclosedSection(in text: String) -> (name: String, line: Int)? {
        var stack: [(String, Int)] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var rest = Substring(line)
            while let open = rest.range(of: "{{") {
                guard let close = rest.range(of: "}}", range: open.upperBound..<rest.endIndex) else { break }
                let tag = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
                if let first = tag.first, first == "#" || first == "^" {
                    stack.append((tag.dropFirst().trimmingCharacters(in: .whitespaces), index + 1))
                } else if tag.first == "/" {
                    let name = tag.dropFirst().trimmingCharacters(in: .whitespaces)
                    if let last = stack.last, last.0 == name { stack.removeLast() } else { return nil }
                }
                rest = rest[close.upperBound...]
            }
        }
        return stack.last.map { (name: $0.0, line: $0.1) }
    }

    /// An example question that `out_of_scope.yaml` also lists can never be answered: the matcher
    /// refuses what reads the same as an out-of-scope example, so staff who add it would believe
    /// they fixed a question that the bot still refuses. Compared as the matcher reads them.
    static func conflicts(
        _ examples: [(example: String, itemID: String, file: String, text: String)], outOfScope: [String],
        lexicon: Lexicon
    ) -> [Problem] {
        let normalizer = Normalizer(lexicon: lexicon)
        func read(_ text: String) -> String { KnowledgeBase.stripped(normalizer.normalize(text)) }
        var refused: [String: String] = [:]
        for question in outOfScope { refused[read(question)] = question }
        return examples.compactMap { place in
            guard let listed = refused[read(place.example)] else { return nil }
            // Found only for a conflict: searching every file for every example would cost more than the load.
            return Problem(
                file: place.file, line: Self.lineOf(place.example, in: place.text),
                message: "example 「\(place.example)」 of item \(place.itemID) is also an out-of-scope example "
                    + "(「\(listed)」 in out_of_scope.yaml), so the bot would still refuse it; "
                    + "remove it from out_of_scope.yaml first, or do not add it")
        }
    }

    private func loadTemplates(smalltalkKinds: [String], problems: inout [Problem]) -> MustacheLibrary {
        var library = MustacheLibrary()
        let files = Self.files(in: templates, ext: "mustache", problems: &problems, label: "Templates")
        var found = Set<String>()
        for file in files {
            let name = String(file.lastPathComponent.dropLast(".mustache".count))
            let label = "Templates/\(file.lastPathComponent)"
            guard let text = Self.read(file, name: label, problems: &problems) else { continue }
            do {
                library.register(try MustacheTemplate(string: text), named: name)
                found.insert(name)
                let vocabulary = TemplateVocabulary.forTemplate(named: name, smalltalkKinds: smalltalkKinds)
                for unknown in vocabulary.unknownNames(in: text) {
                    let hint = unknown.suggestion.map { "; did you mean `\($0)`?" } ?? "; it would always render empty"
                    problems.append(
                        Problem(
                            file: label, line: unknown.line,
                            message: "`\(unknown.name)` is not a value the \(name) template is given\(hint)"))
                }
            } catch let error as MustacheTemplate.ParserError {
                if let open = Self.unclosedSection(in: text) {
                    problems.append(
                        Problem(
                            file: label, line: open.line,
                            message:
                                "template does not compile: section `\(open.name)` is opened here and never closed; add {{/\(open.name)}}"
                        ))
                } else {
                    problems.append(
                        Problem(
                            file: label, line: error.context.lineNumber,
                            message:
                                "template does not compile: \(error.error) near 「\(error.context.line.trimmingCharacters(in: .whitespaces))」"
                        ))
                }
            } catch {
                problems.append(Problem(file: label, line: 0, message: "template does not compile: \(error)"))
            }
        }
        if !files.isEmpty {
            for name in Self.requiredTemplates
            where !found.contains(name) && !problems.contains(where: { $0.file == "Templates/\(name).mustache" }) {
                problems.append(
                    Problem(
                        file: "Templates/\(name).mustache", line: 0,
                        message: "missing: every reply kind needs a template"))
            }
        }
        return library
    }
}
