import Channels
import Desk
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PolicyKit
import Storage

/// `/admin/…`: the staff API. Every route needs `Authorization: Bearer <POLICYDESK_ADMIN_TOKEN>`
/// (compared in constant time), a staff account's credentials or a staff session (see
/// ``StaffGate``); the routes do not exist when no token is configured.
struct AdminController<Context: RequestContext>: Sendable {
    let gate: StaffGate
    let desks: DeskHolder
    let editor: IntentsAdmin
    let audit: any AuditLog
    let misses: any MissLog
    let metrics: ServerMetrics
    let bodyLimit: Int

    func addRoutes(to router: Router<Context>) {
        let admin = router.group("admin").add(middleware: AdminAuthMiddleware<Context>(gate: gate))
        admin.get("clauses") { _, _ in clauses() }
        admin.get("clauses/:number") { _, context in try clause(context) }
        admin.get("items/:id") { _, context in try item(context) }
        admin.post("items/:id/examples") { request, context in try await addExample(request, context) }
        admin.delete("items/:id/examples") { request, context in try await removeExample(request, context) }
        admin.put("items/:id/text") { request, context in try await setText(request, context) }
        admin.put("items/:id/checklist") { request, context in try await setChecklist(request, context) }
        admin.get("contacts") { _, _ in contacts() }
        admin.put("contacts/:unit") { request, context in try await setContact(request, context) }
        admin.put("contacts/:unit/aliases") { request, context in try await setAliases(request, context) }
        admin.get("audit") { request, _ in try await auditLog(request) }
        admin.post("audit/:id/undo") { request, context in try await undo(request, context) }
        admin.post("reload") { _, context in reload(context) }
        admin.get("misses") { request, _ in try await listMisses(request) }
        admin.post("misses/:id/answer") { request, context in try await promote(request, context) }
        admin.post("misses/:id/dismiss") { request, context in try await dismiss(request, context) }
    }

    // MARK: - Reading

    struct ItemSummary: Encodable {
        var id: String
        var title: String
        var examples: Int
    }

    struct ClauseSummary: Encodable {
        var clause: Int
        var title: String
        var leadUnit: String?
        var items: [ItemSummary]
    }

    struct ItemDetail: Encodable {
        var id: String
        var clause: Int
        var title: String
        var text: String
        var checklist: [String]
        var conditions: [String]
        var exclusions: [String]
        var examples: [String]
        var amount: String?
    }

    func clauses() -> Response {
        let policy = desks.desk.knowledge.policy
        return Response.json(
            policy.clauses.map { clause in
                ClauseSummary(
                    clause: clause.number, title: clause.title, leadUnit: clause.leadUnit,
                    items: clause.items.map { ItemSummary(id: $0.id, title: $0.title, examples: $0.examples.count) })
            })
    }

    func clause(_ context: Context) throws -> Response {
        guard let number = context.parameters.get("number", as: Int.self),
            let clause = desks.desk.knowledge.policy.clause(number)
        else {
            throw APIError(.notFound, "no such clause; clauses are numbered 0 to 31")
        }
        return Response.json(
            ClauseDetail(
                clause: clause.number, title: clause.title, leader: clause.leader, leadUnit: clause.leadUnit,
                units: clause.units, text: clause.text, items: clause.items.map(detail)))
    }

    struct ClauseDetail: Encodable {
        var clause: Int
        var title: String
        var leader: String?
        var leadUnit: String?
        var units: [String]
        var text: String
        var items: [ItemDetail]
    }

    func item(_ context: Context) throws -> Response {
        Response.json(detail(try lookup(context)))
    }

    func detail(_ item: Item) -> ItemDetail {
        ItemDetail(
            id: item.id, clause: item.clause, title: item.title, text: item.text, checklist: item.checklist,
            conditions: item.conditions, exclusions: item.exclusions, examples: item.examples,
            amount: Calculator.evaluate(item, facts: Facts())?.formula)
    }

    func lookup(_ context: Context) throws -> Item {
        guard let id = context.parameters.get("id"), let item = desks.desk.knowledge.policy.item(id) else {
            throw APIError(.notFound, "no such item; GET /admin/clauses lists the items")
        }
        return item
    }

    /// A unit's contact fields, and the other names a question may call it by.
    struct ContactView: Encodable {
        var unit, phone, address, person, hours: String
        var aliases: [String]
    }

    func contacts() -> Response {
        let contacts = desks.desk.knowledge.contacts.values.sorted { $0.unit < $1.unit }
        return Response.json(
            contacts.map {
                ContactView(
                    unit: $0.unit, phone: $0.phone, address: $0.address, person: $0.person, hours: $0.hours,
                    aliases: $0.aliases)
            })
    }

    // MARK: - Writing

    struct TextBody: Decodable { var text: String? }
    struct ListBody: Decodable { var checklist: [String]? }
    struct AliasesBody: Decodable { var aliases: [String]? }

    /// Who the audit log records, as the gate established it.
    func who(_ request: Request) -> String {
        StaffIdentity.who ?? StaffSession.adminTokenName
    }

    /// The body as `T`; an empty body is `empty` when one is given (a body that is all optional).
    func decode<T: Decodable>(_ type: T.Type, _ request: Request, example: String, empty: T? = nil) async throws -> T {
        var request = request
        let data = try await request.body(upTo: bodyLimit)
        if let empty, data.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) { return empty }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw APIError(.badRequest, "the body must be JSON like \(example)")
        }
    }

    /// Makes `edit` and answers with its audit entry. The values are checked by the editor, not
    /// here: it refuses the characters a field may not hold, naming them, and reads every
    /// write back before it replaces the file.
    func edit(_ edit: IntentEdit, _ request: Request, _ context: Context) async throws -> Response {
        do {
            let entry = try await editor.apply(edit, who: who(request))
            return Response.json(AuditView(entry))
        } catch {
            throw error.apiError(logger: context.logger)
        }
    }

    func addExample(_ request: Request, _ context: Context) async throws -> Response {
        let item = try lookup(context)
        let body = try await decode(TextBody.self, request, example: #"{"text": "一种新的问法"}"#)
        guard let text = body.text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
            throw APIError(.badRequest, "missing `text`: the way of asking to add")
        }
        return try await edit(.addExample(item: item.id, text: text), request, context)
    }

    func removeExample(_ request: Request, _ context: Context) async throws -> Response {
        let item = try lookup(context)
        let body = try await decode(TextBody.self, request, example: #"{"text": "要删除的问法"}"#)
        guard let text = body.text, !text.isEmpty else {
            throw APIError(.badRequest, "missing `text`: the example to remove")
        }
        return try await edit(.removeExample(item: item.id, text: text), request, context)
    }

    func setText(_ request: Request, _ context: Context) async throws -> Response {
        let item = try lookup(context)
        let body = try await decode(TextBody.self, request, example: #"{"text": "回复中引用的原文"}"#)
        guard let text = body.text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
            throw APIError(.badRequest, "missing `text`: an item's text cannot be empty")
        }
        return try await edit(.setText(item: item.id, text: text), request, context)
    }

    func setChecklist(_ request: Request, _ context: Context) async throws -> Response {
        let item = try lookup(context)
        let body = try await decode(ListBody.self, request, example: #"{"checklist": ["营业执照", "认定证书"]}"#)
        guard let list = body.checklist else { throw APIError(.badRequest, "missing `checklist`: a list of documents") }
        let cleaned = list.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard !cleaned.contains(where: \.isEmpty) else {
            throw APIError(.badRequest, "each checklist entry is one non-empty line")
        }
        return try await edit(.setChecklist(item: item.id, checklist: cleaned), request, context)
    }

    /// The unit named in the path, percent-decoded.
    func unitParameter(_ context: Context) throws -> String {
        guard let unit = context.parameters.get("unit")?.removingPercentEncoding ?? context.parameters.get("unit")
        else {
            throw APIError(.notFound, "no such unit")
        }
        return unit
    }

    func setContact(_ request: Request, _ context: Context) async throws -> Response {
        let unit = try unitParameter(context)
        let body = try await decode([String: String].self, request, example: #"{"phone": "0477-…", "address": "…"}"#)
        let unknown = body.keys.filter { !IntentFileEditor.contactFields.contains($0) }
        guard unknown.isEmpty else {
            throw APIError(
                .badRequest,
                "unknown contact field \(unknown.sorted().joined(separator: ", ")); use \(IntentFileEditor.contactFields.joined(separator: ", "))"
            )
        }
        return try await edit(.setContact(unit: unit, fields: body), request, context)
    }

    func setAliases(_ request: Request, _ context: Context) async throws -> Response {
        let unit = try unitParameter(context)
        let body = try await decode(AliasesBody.self, request, example: #"{"aliases": ["发改委", "发改局"]}"#)
        guard let aliases = body.aliases else {
            throw APIError(.badRequest, "missing `aliases`: a list of the unit's other names, [] for none")
        }
        return try await edit(.setAliases(unit: unit, aliases: aliases), request, context)
    }

    // MARK: - Audit and reload

    struct AuditView: Encodable {
        var id: Int64?
        var who: String
        var at: String
        var action: String
        var target: String
        var before: String?
        var after: String?

        init(_ e: AuditEntry) {
            id = e.id
            who = e.who
            at = ISO8601DateFormatter().string(from: e.at)
            action = e.action
            target = e.target
            before = e.before
            after = e.after
        }
    }

    func auditLog(_ request: Request) async throws -> Response {
        let limit = request.uri.queryParameters.get("limit", as: Int.self) ?? 50
        let offset = request.uri.queryParameters.get("offset", as: Int.self) ?? 0
        let entries = try await audit.list(limit: min(max(limit, 1), 500), offset: max(offset, 0))
        return Response.json(entries.map(AuditView.init))
    }

    func undo(_ request: Request, _ context: Context) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self) else {
            throw APIError(.badRequest, "the audit id is a number")
        }
        do {
            return Response.json(AuditView(try await editor.undo(id, who: who(request))))
        } catch {
            throw error.apiError(logger: context.logger)
        }
    }

    func reload(_ context: Context) -> Response {
        let start = ContinuousClock.now
        switch desks.reload() {
        case .success(let knowledge):
            metrics.reload(ok: true)
            let ms = (ContinuousClock.now - start) / .milliseconds(1)
            return Response.json(
                ReloadView(ok: true, items: knowledge.policy.items.count, milliseconds: ms, problems: []))
        case .failure(let error):
            metrics.reload(ok: false)
            context.logger.error(
                "reload refused; the previous knowledge base keeps serving",
                metadata: ["problems": "\(error.description)"])
            return Response.json(
                ReloadView(
                    ok: false, items: desks.desk.knowledge.policy.items.count, milliseconds: nil,
                    problems: error.problems.map(\.description)), status: .unprocessableContent)
        }
    }

    struct ReloadView: Encodable {
        var ok: Bool
        var items: Int
        var milliseconds: Double?
        var problems: [String]
    }

    // MARK: - Unanswered questions

    struct MissView: Encodable {
        var id: Int64
        var text: String
        var normalized: String
        var count: Int
        var firstSeen: String
        var lastSeen: String
        var bestGuess: String?
        var bestGuessTitle: String?
        var confidence: Double
    }

    func listMisses(_ request: Request) async throws -> Response {
        let limit = request.uri.queryParameters.get("limit", as: Int.self) ?? 100
        let groups = try await misses.list(limit: min(max(limit, 1), 1000))
        let policy = desks.desk.knowledge.policy
        let f = ISO8601DateFormatter()
        return Response.json(
            groups.map {
                MissView(
                    id: $0.id, text: $0.latestText, normalized: $0.normalizedText, count: $0.count,
                    firstSeen: f.string(from: $0.firstSeen),
                    lastSeen: f.string(from: $0.lastSeen), bestGuess: $0.bestGuessItem,
                    bestGuessTitle: $0.bestGuessItem.flatMap { policy.item($0)?.title },
                    confidence: ($0.maxConfidence * 1000).rounded() / 1000)
            })
    }

    func group(_ context: Context) async throws -> MissGroup {
        guard let id = context.parameters.get("id", as: Int64.self),
            let group = try await misses.group(id: id), !group.isResolved
        else { throw APIError(.notFound, "no open miss with that id; GET /admin/misses lists them") }
        return group
    }

    struct PromoteBody: Decodable { var item: String? = nil }

    /// Turns a miss into an example question of an item (its best guess unless told), so the
    /// same question is answered from now on.
    func promote(_ request: Request, _ context: Context) async throws -> Response {
        let group = try await group(context)
        let body = try await decode(PromoteBody.self, request, example: #"{"item": "12.2"}"#, empty: PromoteBody())
        guard let itemID = body.item ?? group.bestGuessItem else {
            throw APIError(.badRequest, "missing `item`: which item answers this question")
        }
        guard desks.desk.knowledge.policy.item(itemID) != nil else { throw APIError(.notFound, "no item \(itemID)") }
        let response = try await edit(.addExample(item: itemID, text: group.latestText), request, context)
        try await misses.resolve(groupID: group.id, as: "example:\(itemID)")
        return response
    }

    func dismiss(_ request: Request, _ context: Context) async throws -> Response {
        let group = try await group(context)
        try await misses.resolve(groupID: group.id, as: "dismissed")
        return Response.json(["dismissed": group.id])
    }
}

extension AdminError {
    /// The answer to the client. A storage failure is the server's, not the client's: its
    /// cause (file names, database errors) goes to the log, and the client gets a reference
    /// to find it there.
    func apiError(logger: Logger) -> APIError {
        switch self {
        case .notFound(let what): APIError(.notFound, "\(what)")
        case .invalid(let why): APIError(.badRequest, why)
        case .rejected: APIError(.unprocessableContent, description)
        case .unchanged(let why): APIError(.conflict, why)
        case .unsafe(let why): APIError(.unprocessableContent, why)
        case .superseded(let why): APIError(.conflict, why)
        case .storage(let why):
            {
                let reference = String(UInt32.random(in: .min ... .max), radix: 16)
                logger.error(
                    "admin edit not stored", metadata: ["admin.failure": "\(why)", "admin.reference": "\(reference)"])
                return APIError(
                    .internalServerError,
                    "the change could not be stored; the server log has the cause under reference \(reference)")
            }()
        }
    }
}
