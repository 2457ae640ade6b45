public import Desk
public import Foundation
public import Logging
import PolicyKit
public import Storage

/// Why an admin write was refused.
public enum AdminError: Error, Sendable, CustomStringConvertible {
    case notFound(String)
    case invalid(String)
    case rejected([Problem])
    case unchanged(String)
    /// The edit could not be written so that the file reads back as it was plus the change.
    case unsafe(String)
    /// An undo would also take back a later edit of the same field.
    case superseded(String)
    case storage(String)

    public var description: String {
        switch self {
        case .notFound(let what): "\(what) not found"
        case .invalid(let why): why
        case .rejected(let problems):
            "the edit was refused, nothing was changed: " + problems.map(\.description).joined(separator: "; ")
        case .unchanged(let why): why
        case .unsafe(let why): why
        case .superseded(let why): why
        case .storage(let why): why
        }
    }
}

/// Makes staff edits to `Intents/` safely: one at a time, each checked exactly as `lint`
/// checks, written atomically (a temporary file, then a rename), served at once from a new
/// snapshot, and recorded in the audit log with what it was before and after.
public actor IntentsAdmin {
    private let desks: DeskHolder
    private let audit: any AuditLog
    private let logger: Logger
    private let now: @Sendable () -> Date
    /// With several instances: where edits are kept for all of them; nil with one instance,
    /// whose edits are written to its `Intents/` files.
    private let shared: SharedKnowledge?

    /// An editor whose audit entries are stamped by `now`, the server's one clock.
    public init(
        desks: DeskHolder, audit: any AuditLog, logger: Logger, now: @escaping @Sendable () -> Date,
        shared: SharedKnowledge? = nil
    ) {
        self.desks = desks
        self.audit = audit
        self.logger = logger
        self.now = now
        self.shared = shared
    }

    /// With several instances, serves the newest shared edits first, so that an edit or an undo
    /// starts from what another instance may have changed a moment ago.
    private func catchUp() async throws(AdminError) {
        guard let shared else { return }
        do {
            try await shared.refresh(logger: logger)
        } catch {
            throw .storage("could not read the shared Intents edits: \(error)")
        }
    }

    /// Applies `edit` for `who` and returns the audit entry.
    public func apply(_ edit: IntentEdit, who: String, action: String? = nil) async throws(AdminError) -> AuditEntry {
        try await apply(edit, who: who, action: action, restoring: nil)
    }

    /// Applies `edit`; an undo gives `restoring`, the value as it was before the edit it undoes
    /// (the audit entry's "before"), and the edit is refused unless it gives exactly that back.
    private func apply(_ edit: IntentEdit, who: String, action: String?, restoring: String?) async throws(AdminError)
        -> AuditEntry
    {
        try await catchUp()
        let knowledge = desks.desk.knowledge
        let loader = desks.source
        let basedOnRevision = desks.sharedRevision
        let (file, before, target) = try locate(edit, in: knowledge)
        let url = loader.intents.appendingPathComponent(file)
        guard
            let text = loader.overrides[file]
                ?? FileManager.default.contents(atPath: url.path).flatMap({ String(data: $0, encoding: .utf8) })
        else {
            throw .notFound("Intents/\(file)")
        }
        let edited: String
        do {
            edited = try IntentFileEditor.apply(edit, to: text)
        } catch {
            switch error {
            case .notFound(let what): throw .notFound(what)
            case .unchanged(let why): throw .unchanged(why)
            case .invalid(let why): throw .invalid(why)
            case .refusedCharacter: throw .invalid(error.description)
            case .unsafe(let why): throw .unsafe("the edit was refused, nothing was changed in Intents/\(file): \(why)")
            }
        }
        var checking = loader
        checking.overrides[file] = edited
        let next: KnowledgeBase
        do {
            next = try checking.load()
        } catch {
            throw .rejected(error.problems)
        }
        let after = Self.value(of: edit, in: next)
        guard after != before else { throw .unchanged("the edit changes nothing") }
        if let restoring, after != restoring {
            throw .unsafe(
                "the undo was refused, nothing was changed in Intents/\(file): \(target) would read \(after), not \(restoring) as before"
            )
        }
        if let shared {
            return try await publish(
                file: file, edited: edited, next: next, overrides: checking.overrides, basedOn: basedOnRevision,
                entry: AuditEntry(
                    who: who, at: now(), action: action ?? Self.action(of: edit), target: target, before: before,
                    after: after),
                through: shared)
        }
        do {
            try Self.writeAtomically(edited, to: url)
        } catch {
            throw .storage("could not write Intents/\(file): \(error.localizedDescription)")
        }
        desks.install(next)
        let entry = AuditEntry(
            who: who, at: now(), action: action ?? Self.action(of: edit), target: target, before: before, after: after)
        do {
            let id = try await audit.append(entry)
            var stored = entry
            stored.id = id
            logger.notice(
                "intents edited",
                metadata: ["admin.who": "\(who)", "admin.target": "\(target)", "admin.audit_id": "\(id)"])
            return stored
        } catch {
            throw .storage("the edit was made but could not be recorded in the audit log: \(error)")
        }
    }

    /// Stores the edit and its audit entry in the shared store in one transaction, then serves it
    /// here at once; the other instances load it when the store announces it.
    private func publish(
        file: String, edited: String, next: KnowledgeBase, overrides: [String: String], basedOn: Int64,
        entry: AuditEntry, through shared: SharedKnowledge
    ) async throws(AdminError) -> AuditEntry {
        let current: IntentsOverrides
        let published: (auditID: Int64, revision: Int64)
        do {
            current = try await shared.store.intentsOverrides()
            // Another instance's edit since this one caught up: refuse rather than build on
            // a snapshot that lacks it.
            guard current.revision == basedOn else {
                throw AdminError.superseded(
                    "Intents were edited through another instance a moment ago; nothing was changed, try again")
            }
            published = try await shared.store.publishIntentsEdit(
                file: file, text: edited, basedOn: current.fileRevisions[file], audit: entry)
        } catch let error as AdminError {
            throw error
        } catch let conflict as IntentsEditConflict {
            throw .superseded(conflict.description)
        } catch {
            throw .storage("the edit could not be stored, nothing was changed: \(error)")
        }
        desks.install(next, overrides: overrides, revision: published.revision)
        var stored = entry
        stored.id = published.auditID
        logger.notice(
            "intents edited",
            metadata: [
                "admin.who": "\(entry.who)", "admin.target": "\(entry.target)",
                "admin.audit_id": "\(published.auditID)",
                "intents.revision": "\(published.revision)",
            ])
        return stored
    }

    /// Undoes the edit recorded as `id`, itself as an audited, validated edit.
    public func undo(_ id: Int64, who: String) async throws(AdminError) -> AuditEntry {
        try await catchUp()
        let entry: AuditEntry?
        do {
            entry = try await audit.entry(id: id)
        } catch {
            throw .storage("\(error)")
        }
        guard let entry else { throw .notFound("audit entry \(id)") }
        guard let before = entry.before else { throw .invalid("audit entry \(id) has no earlier state to go back to") }
        let edit = try Self.restoring(target: entry.target, to: before)
        // The field is restored whole, so undoing an edit that a later one built on would take the
        // later one back too. Only an edit whose result still stands is undone.
        let current = Self.value(of: edit, in: desks.desk.knowledge)
        if current != entry.after {
            let later: AuditEntry?
            do {
                later = try await audit.latestChange(of: entry.target, after: id)
            } catch {
                throw .storage("\(error)")
            }
            let which = later.flatMap(\.id).map { "a later edit #\($0)" } ?? "a change made outside the admin API"
            throw .superseded(
                "\(which) changed \(entry.target) after #\(id); undo it first (the newest first), nothing was changed")
        }
        return try await apply(edit, who: who, action: "undo \(id)", restoring: before)
    }

    // MARK: - What an edit touches

    static func action(of edit: IntentEdit) -> String {
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

    private func locate(_ edit: IntentEdit, in knowledge: KnowledgeBase) throws(AdminError) -> (
        file: String, before: String, target: String
    ) {
        let unitTarget: (unit: String, prefix: String)? =
            switch edit {
            case .setContact(let unit, _): (unit, "contact")
            case .setAliases(let unit, _): (unit, "aliases")
            default: nil
            }
        if let (unit, prefix) = unitTarget {
            guard knowledge.contacts[unit] != nil else { throw .notFound("unit 「\(unit)」 in contacts.yaml") }
            return ("contacts.yaml", Self.value(of: edit, in: knowledge), "\(prefix):\(unit)")
        }
        guard let id = edit.item, let item = knowledge.policy.item(id) else {
            throw .notFound("item \(edit.item ?? "")")
        }
        let file = String(format: "clauses/%02d.yaml", item.clause)
        let field: String
        switch edit {
        case .setText: field = "text"
        case .setChecklist: field = "checklist"
        default: field = "examples"
        }
        return (file, Self.value(of: edit, in: knowledge), "item:\(id)/\(field)")
    }

    /// The value the edit changes, as JSON: the state before or after.
    static func value(of edit: IntentEdit, in knowledge: KnowledgeBase) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func json(_ v: some Encodable) -> String {
            (try? encoder.encode(v)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
        }
        switch edit {
        case .setContact(let unit, _):
            let c = knowledge.contacts[unit]
            return json([
                "phone": c?.phone ?? "", "address": c?.address ?? "", "person": c?.person ?? "",
                "hours": c?.hours ?? "",
            ])
        case .setAliases(let unit, _):
            return json(knowledge.contacts[unit]?.aliases ?? [])
        case .setText(let id, _):
            return json(knowledge.policy.item(id)?.text ?? "")
        case .setChecklist(let id, _):
            return json(knowledge.policy.item(id)?.checklist ?? [])
        case .addExample(let id, _), .removeExample(let id, _), .setExamples(let id, _):
            return json(knowledge.policy.item(id)?.examples ?? [])
        }
    }

    static func restoring(target: String, to before: String) throws(AdminError) -> IntentEdit {
        let data = Data(before.utf8)
        let decoder = JSONDecoder()
        if target.hasPrefix("contact:") {
            guard let fields = try? decoder.decode([String: String].self, from: data) else {
                throw .invalid("cannot read the earlier contact")
            }
            return .setContact(unit: String(target.dropFirst("contact:".count)), fields: fields)
        }
        if target.hasPrefix("aliases:") {
            guard let aliases = try? decoder.decode([String].self, from: data) else {
                throw .invalid("cannot read the earlier aliases")
            }
            return .setAliases(unit: String(target.dropFirst("aliases:".count)), aliases: aliases)
        }
        guard target.hasPrefix("item:"), let slash = target.lastIndex(of: "/") else {
            throw .invalid("cannot undo an edit of 「\(target)」")
        }
        let id = String(target[target.index(target.startIndex, offsetBy: 5)..<slash])
        switch target[target.index(after: slash)...] {
        case "text":
            guard let text = try? decoder.decode(String.self, from: data) else {
                throw .invalid("cannot read the earlier text")
            }
            return .setText(item: id, text: text)
        case "checklist":
            guard let list = try? decoder.decode([String].self, from: data) else {
                throw .invalid("cannot read the earlier checklist")
            }
            return .setChecklist(item: id, checklist: list)
        default:
            guard let list = try? decoder.decode([String].self, from: data) else {
                throw .invalid("cannot read the earlier examples")
            }
            return .setExamples(item: id, examples: list)
        }
    }

    /// Writes next to the file and renames over it, so that a reader (or a crash) sees the
    /// old file or the new one, never half of one.
    static func writeAtomically(_ text: String, to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        try Data(text.utf8).write(to: temporary)
        if rename(temporary.path, url.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: reason])
        }
    }
}
