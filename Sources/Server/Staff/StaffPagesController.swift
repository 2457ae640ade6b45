import Desk
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Outreach
import OutreachModel
import PolicyKit
import Storage

/// The staff pages under `/admin/`: sign-in, the knowledge base with its edit forms, trying a
/// question, the review of unanswered questions and the history with undo. Plain HTML forms,
/// rendered on the server; every change goes through the same ``IntentsAdmin`` as the JSON API.
struct StaffPagesController<Context: RequestContext>: Sendable {
    let gate: StaffGate
    let pages: StaffPages
    let desks: DeskHolder
    let editor: IntentsAdmin
    let audit: any AuditLog
    let misses: any MissLog
    /// Where campaigns are kept: what was sent recently is left out of a preview.
    let campaigns: (any CampaignStore)?
    /// Sends the campaigns started here; nil when only the command line may send.
    let sender: CampaignSender?
    let bodyLimit: Int
    /// The largest roster accepted as an upload (`POLICYDESK_UPLOAD_LIMIT`).
    let uploadLimit: Int
    let now: @Sendable () -> Date

    func addRoutes(to router: Router<Context>) {
        router.get("admin/login") { request, _ in loginPage(request) }
        router.post("admin/login") { request, context in try await login(request, logger: context.logger) }
        router.get("admin/assets/staff.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=300"],
                body: .init(byteBuffer: .init(string: pages.stylesheet)))
        }
        let staff = router.group("admin").add(
            middleware: StaffPageMiddleware<Context>(
                gate: gate, pages: pages, bodyLimit: bodyLimit, uploadLimit: uploadLimit))
        staff.get("/") { _, _ in try await home() }
        staff.post("logout") { request, _ in
            StaffPages.redirect("/admin/login?out=1", cookie: gate.clearCookie(for: request))
        }
        staff.get("kb") { _, _ in knowledgeBase() }
        staff.get("kb/:id") { request, context in
            try itemPage(context, notice: request.uri.queryParameters.get("saved").map { "已保存（历史记录 #\($0)）" })
        }
        staff.post("kb/:id/examples/add") { _, context in try await addExample(context) }
        staff.post("kb/:id/examples/remove") { _, context in try await removeExample(context) }
        staff.post("kb/:id/text") { _, context in try await setText(context) }
        staff.post("kb/:id/checklist") { _, context in try await setChecklist(context) }
        staff.get("units") { request, _ in
            unitsPage(notice: request.uri.queryParameters.get("saved").map { "已保存（历史记录 #\($0)）" })
        }
        staff.post("units/:unit") { _, context in try await setUnitContact(context) }
        staff.post("units/:unit/aliases") { _, context in try await setUnitAliases(context) }
        staff.get("try") { request, _ in tryQuestion(request) }
        staff.get("review") { request, _ in
            try await review(notice: request.uri.queryParameters.get("done").map { String($0) })
        }
        staff.post("review/:id/promote") { _, context in try await promote(context) }
        staff.post("review/:id/dismiss") { _, context in try await dismiss(context) }
        staff.get("history") { request, _ in
            try await history(
                offset: request.uri.queryParameters.get("offset", as: Int.self) ?? 0,
                notice: request.uri.queryParameters.get("undone").map { "已撤销，撤销本身记为 #\($0)" })
        }
        staff.post("history/:id/undo") { _, context in try await undo(context) }
        staff.get("campaigns") { _, _ in
            pages.render(
                "campaigns", ["title": "政策敲门", "items": "12.2,9.3,7.3", "stored": try await storedCampaigns()])
        }
        staff.post("campaigns/preview") { _, _ in try await campaignPreview() }
        staff.post("campaigns/start") { _, _ in try await campaignStart() }
        staff.get("campaigns/:id") { request, context in
            try await campaignProgress(
                context,
                notice: request.uri.queryParameters.get("started").map { _ in
                    "已开始发送。发送在服务器上进行，关掉这个页面也不会停；本页每 3 秒刷新一次。"
                })
        }
        staff.post("campaigns/:id/run") { _, context in try await campaignContinue(context) }
    }

    // MARK: - Signing in

    /// The sign-in form, with a fresh pre-session cookie and its token (every time it is shown, so
    /// a form shown after a refusal carries a valid one).
    func loginPage(_ request: Request, error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let form = gate.loginForm(for: request)
        var values: [String: Any] = ["title": "登录", "loginCSRF": form.token]
        if let error { values["error"] = error }
        if request.uri.queryParameters.get("out") != nil { values["notice"] = "已退出登录。" }
        return pages.render("login", values, status: status, cookie: form.cookie)
    }

    func login(_ request: Request, logger: Logger) async throws -> Response {
        var request = request
        let form: FormFields
        do {
            form = FormFields(try await request.body(upTo: bodyLimit))
        } catch let error as APIError where error.status == .contentTooLarge {
            return loginPage(request, error: "登录表单超过 \(bodyLimit) 字节，没有处理。", status: .contentTooLarge)
        }
        guard gate.acceptsLoginForm(request, token: form["csrf"]) else {
            gate.metrics.adminRefused(reason: "csrf")
            return loginPage(
                request, error: "登录表单已过期或缺少校验令牌（CSRF），没有登录。请在本页重新输入后再试。", status: .forbidden)
        }
        let name = (form["name"] ?? "").trimmingCharacters(in: .whitespaces)
        let address = StaffGate.clientAddress(of: request)
        switch await gate.signIn(name: name, password: form["password"] ?? "", from: address) {
        case .signedIn(let session):
            logger.notice("staff signed in", metadata: ["staff.name": "\(session.name)"])
            return StaffPages.redirect("/admin/", cookie: gate.setCookie(session, for: request))
        case .refused:
            // The name typed is not logged: a password typed into the name field would land in the log.
            logger.notice("staff sign-in refused", metadata: ["staff.with": "\(name.isEmpty ? "token" : "password")"])
            return loginPage(request, error: name.isEmpty ? "管理令牌不正确。" : "用户名或密码不正确。", status: .unauthorized)
        case .throttled:
            return loginPage(request, error: "登录尝试过于频繁，请一分钟后再试。", status: .tooManyRequests)
        }
    }

    // MARK: - Home

    func home() async throws -> Response {
        let knowledge = desks.desk.knowledge
        let open = try await misses.list(limit: 1000).count
        let formatter = Self.timeFormatter
        let recent = try await audit.list(limit: 5, offset: 0).map { Self.entryValues($0, formatter: formatter) }
        return pages.render(
            "home",
            [
                "title": "首页", "clauses": knowledge.policy.clauses.count, "items": knowledge.policy.items.count,
                "misses": open, "recent": recent, "hasRecent": !recent.isEmpty,
            ])
    }

    // MARK: - Knowledge base

    func knowledgeBase() -> Response {
        let clauses = desks.desk.knowledge.policy.clauses.map { clause -> [String: Any] in
            [
                "number": clause.number, "title": clause.title, "leadUnit": clause.leadUnit ?? "",
                "items": clause.items.map { item -> [String: Any] in
                    [
                        "id": item.id, "title": item.title, "examples": item.examples.count,
                        "amount": Calculator.evaluate(item, facts: Facts())?.formula ?? "",
                    ]
                },
            ]
        }
        return pages.render("kb", ["title": "知识库", "clauses": clauses])
    }

    func lookup(_ context: Context) throws -> Item {
        guard let id = context.parameters.get("id"), let item = desks.desk.knowledge.policy.item(id) else {
            throw HTTPError(.notFound, message: "没有这个事项：请从知识库页面选择。")
        }
        return item
    }

    /// The item page, with a notice after a change or a refusal shown beside the form it came from
    /// (`field`), keeping what was typed (`typed`).
    func itemPage(
        _ context: Context, notice: String? = nil, error: String? = nil, field: String? = nil, typed: String? = nil,
        status: HTTPResponse.Status = .ok
    ) throws -> Response {
        let item = try lookup(context)
        let policy = desks.desk.knowledge.policy
        let clause = policy.clause(item.clause)
        var values: [String: Any] = [
            "title": "\(item.id) \(item.title)", "id": item.id, "itemTitle": item.title, "clause": item.clause,
            "clauseTitle": clause?.title ?? "", "leader": clause?.leader ?? "", "leadUnit": clause?.leadUnit ?? "",
            "units": clause?.units.joined(separator: "、") ?? "", "text": item.text,
            "amount": Calculator.evaluate(item, facts: Facts())?.formula ?? "",
            "conditions": item.conditions, "hasConditions": !item.conditions.isEmpty,
            "exclusions": item.exclusions, "hasExclusions": !item.exclusions.isEmpty,
            "checklist": item.checklist, "checklistText": item.checklist.joined(separator: "\n"),
            "examples": item.examples, "exampleCount": item.examples.count,
        ]
        if let notice { values["notice"] = notice }
        if let error, let field {
            values["error_" + field] = error
            if field == "text" { values["text"] = typed ?? item.text }
            if field == "checklist" { values["checklistText"] = typed ?? "" }
            if field == "add" { values["typedExample"] = typed ?? "" }
        }
        return pages.render("item", values, status: status)
    }

    /// Applies an edit from a form: back to the item page with the audit id, or the page again with
    /// the refusal beside the form and nothing written.
    func apply(_ edit: IntentEdit, _ context: Context, field: String, typed: String?) async throws -> Response {
        let item = try lookup(context)
        do {
            let entry = try await editor.apply(edit, who: StaffIdentity.who ?? StaffSession.adminTokenName)
            return StaffPages.redirect("/admin/kb/\(Self.segment(item.id))?saved=\(entry.id ?? 0)")
        } catch {
            return try itemPage(
                context, error: Self.refusal(error, of: edit), field: field, typed: typed, status: Self.status(error))
        }
    }

    func addExample(_ context: Context) async throws -> Response {
        let item = try lookup(context)
        let text = (StaffIdentity.form["text"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else {
            return try itemPage(context, error: "请填写要添加的问法。", field: "add", typed: "", status: .badRequest)
        }
        return try await apply(.addExample(item: item.id, text: text), context, field: "add", typed: text)
    }

    func removeExample(_ context: Context) async throws -> Response {
        let item = try lookup(context)
        let text = StaffIdentity.form["text"] ?? ""
        guard !text.isEmpty else {
            return try itemPage(context, error: "没有指明要删除的问法。", field: "examples", status: .badRequest)
        }
        return try await apply(.removeExample(item: item.id, text: text), context, field: "examples", typed: nil)
    }

    func setText(_ context: Context) async throws -> Response {
        let item = try lookup(context)
        let typed = StaffIdentity.form["text"] ?? ""
        let text = typed.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else {
            return try itemPage(context, error: "原文不能为空。", field: "text", typed: typed, status: .badRequest)
        }
        return try await apply(.setText(item: item.id, text: text), context, field: "text", typed: typed)
    }

    func setChecklist(_ context: Context) async throws -> Response {
        let item = try lookup(context)
        let typed = StaffIdentity.form["checklist"] ?? ""
        // One document per line; blank lines between them are only spacing.
        let list = typed.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return try await apply(.setChecklist(item: item.id, checklist: list), context, field: "checklist", typed: typed)
    }

    // MARK: - Trying a question

    func tryQuestion(_ request: Request) -> Response {
        let question =
            request.uri.queryParameters.get("q").map { String($0) }?.trimmingCharacters(in: .whitespacesAndNewlines)
            ?? ""
        var values: [String: Any] = ["title": "试问", "question": question]
        if !question.isEmpty {
            let desk = desks.desk
            let plain = desk.answer(question, flavour: .plain).answer
            values["asked"] = true
            values["plain"] = plain.reply
            values["markdown"] = desk.answer(question, flavour: .markdown).answer.reply
            values["kind"] = Self.kindName(plain.kind)
            values["item"] = plain.item.map { "\($0) \(plain.title ?? "")" } ?? "—"
            values["confidence"] = String(format: "%.3f", plain.confidence)
            values["explain"] = desk.explain(question).joined(separator: "\n")
        }
        return pages.render("try", values)
    }

    static func kindName(_ kind: Answer.Kind) -> String {
        switch kind {
        case .answer: "回答"
        case .clarification: "追问"
        case .refusal: "拒答（不在范围内）"
        case .smalltalk: "寒暄"
        case .empty: "空消息"
        case .unit: "单位咨询"
        }
    }

    // MARK: - Unanswered questions

    func review(notice: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response
    {
        let policy = desks.desk.knowledge.policy
        let formatter = Self.timeFormatter
        let groups = try await misses.list(limit: 500).sorted { ($0.lastSeen, $0.id) > ($1.lastSeen, $1.id) }
        let rows = groups.map { group -> [String: Any] in
            [
                "id": group.id, "text": group.latestText, "count": group.count,
                "firstSeen": formatter.string(from: group.firstSeen),
                "lastSeen": formatter.string(from: group.lastSeen),
                "guess": group.bestGuessItem.map { "\($0) \(policy.item($0)?.title ?? "")" } ?? "—",
                "confidence": String(format: "%.2f", group.maxConfidence),
                "options": policy.items.map { item -> [String: Any] in
                    ["id": item.id, "label": "\(item.id) \(item.title)", "selected": item.id == group.bestGuessItem]
                },
            ]
        }
        var values: [String: Any] = ["title": "待处理问题", "groups": rows, "hasGroups": !rows.isEmpty]
        if let notice { values["notice"] = notice }
        if let error { values["error"] = error }
        return pages.render("review", values, status: status)
    }

    func openGroup(_ context: Context) async throws -> MissGroup? {
        guard let id = context.parameters.get("id", as: Int64.self), let group = try await misses.group(id: id),
            !group.isResolved
        else { return nil }
        return group
    }

    func promote(_ context: Context) async throws -> Response {
        guard let group = try await openGroup(context) else {
            return try await review(error: "这个问题已经处理过或不存在。", status: .notFound)
        }
        let itemID = StaffIdentity.form["item"] ?? ""
        guard desks.desk.knowledge.policy.item(itemID) != nil else {
            return try await review(error: "请选择一个事项（没有事项 「\(itemID)」）。", status: .badRequest)
        }
        do {
            let entry = try await editor.apply(
                .addExample(item: itemID, text: group.latestText), who: StaffIdentity.who ?? StaffSession.adminTokenName
            )
            try await misses.resolve(groupID: group.id, as: "example:\(itemID)")
            return StaffPages.redirect(
                "/admin/review?done=" + Self.query("「\(group.latestText)」已加为 \(itemID) 的问法（历史记录 #\(entry.id ?? 0)）"))
        } catch let error as AdminError {
            return try await review(
                error: Self.refusal(error, of: .addExample(item: itemID, text: group.latestText)),
                status: Self.status(error))
        }
    }

    func dismiss(_ context: Context) async throws -> Response {
        guard let group = try await openGroup(context) else {
            return try await review(error: "这个问题已经处理过或不存在。", status: .notFound)
        }
        try await misses.resolve(groupID: group.id, as: "dismissed")
        return StaffPages.redirect("/admin/review?done=" + Self.query("已忽略「\(group.latestText)」"))
    }

    // MARK: - History

    func history(offset: Int, notice: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok)
        async throws -> Response
    {
        let page = 50
        let offset = max(0, offset)
        let entries = try await audit.list(limit: page + 1, offset: offset)
        let formatter = Self.timeFormatter
        var values: [String: Any] = [
            "title": "修改历史", "entries": entries.prefix(page).map { Self.entryValues($0, formatter: formatter) },
            "hasEntries": !entries.isEmpty,
        ]
        if entries.count > page { values["older"] = offset + page }
        if offset > 0 { values["newer"] = max(0, offset - page) }
        if let notice { values["notice"] = notice }
        if let error { values["error"] = error }
        return pages.render("history", values, status: status)
    }

    func undo(_ context: Context) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self) else {
            return try await history(offset: 0, error: "历史记录编号应为数字。", status: .badRequest)
        }
        do {
            let entry = try await editor.undo(id, who: StaffIdentity.who ?? StaffSession.adminTokenName)
            return StaffPages.redirect("/admin/history?undone=\(entry.id ?? 0)")
        } catch {
            return try await history(
                offset: 0, error: "没有撤销 #\(id)：" + (try await undoRefusal(error, of: id)), status: Self.status(error))
        }
    }

    static func entryValues(_ entry: AuditEntry, formatter: DateFormatter) -> [String: Any] {
        var values: [String: Any] = [
            "id": entry.id ?? 0, "who": entry.who, "at": formatter.string(from: entry.at), "action": entry.action,
            "target": entry.target, "canUndo": entry.before != nil,
        ]
        if let before = entry.before { values["before"] = before }
        if let after = entry.after { values["after"] = after }
        return values
    }

    // MARK: - Campaigns

    /// The campaigns stored (from this page or `policydesk campaign plan`), newest first, with their progress.
    func storedCampaigns() async throws -> [[String: Any]] {
        guard let campaigns else { return [] }
        let formatter = Self.timeFormatter
        return try await campaigns.campaigns().sorted { $0.campaign.id > $1.campaign.id }.map { listing in
            let total = listing.counts.values.reduce(0, +)
            let delivered = listing.counts[.delivered] ?? 0
            return [
                "id": listing.campaign.id, "at": formatter.string(from: listing.campaign.createdAt),
                "roster": listing.campaign.rosterName, "items": listing.campaign.itemIDs.joined(separator: "、"),
                "progress": "已送达 \(delivered) / \(total)",
            ]
        }
    }

    /// The campaigns page again with `error` shown and nothing stored or sent.
    func campaignsRefused(_ error: String, items: String, status: HTTPResponse.Status) async throws -> Response {
        pages.render(
            "campaigns",
            ["title": "政策敲门", "items": items, "stored": try await storedCampaigns(), "error": error],
            status: status)
    }

    /// The roster of a campaign form (the uploaded file of the preview, or the start form's copy
    /// of it), read as the command line reads it with `--skip-bad-lines`; or the page to show instead.
    func rosterOfForm(_ data: Data?) -> Result<Roster, CampaignFormRefusal> {
        guard let data, !data.isEmpty else {
            return .failure(.init(message: "请选择名单文件（CSV，UTF-8 或 GB18030）。", status: .badRequest))
        }
        guard data.count <= uploadLimit else {
            return .failure(
                .init(
                    message: "名单文件有 \(data.count) 字节，超过上传上限 \(uploadLimit) 字节（POLICYDESK_UPLOAD_LIMIT）；"
                        + "没有保存任何内容。请拆成几个文件分别上传。",
                    status: .contentTooLarge))
        }
        do {
            return .success(try Roster.parse(data, skipBadLines: true))
        } catch {
            return .failure(
                .init(
                    message: "名单无法导入：\n" + error.problems.map(\.description).joined(separator: "\n"),
                    status: .unprocessableContent))
        }
    }

    /// Why a campaign form was refused, in the words shown on the page.
    struct CampaignFormRefusal: Error {
        var message: String
        var status: HTTPResponse.Status
    }

    /// A dry run of a campaign: the roster read (UTF-8 or GB18030) with its refused lines and why,
    /// who qualifies for which item and how much, and the first messages, by the same planner as
    /// `policydesk campaign plan --dry-run`. Nothing is stored or sent; the 开始发送 form below it
    /// carries the roster back, so what is started is what was previewed.
    func campaignPreview() async throws -> Response {
        let form = StaffIdentity.form
        let itemText = form["items"] ?? ""
        let data = form.files["roster"]
        let roster: Roster
        switch rosterOfForm(data) {
        case .failure(let refusal):
            return try await campaignsRefused(refusal.message, items: itemText, status: refusal.status)
        case .success(let read): roster = read
        }
        let rosterName = Self.rosterName(form.fileNames["roster"])
        let planned: CampaignLaunch.Planned
        do {
            planned = try await CampaignLaunch.plan(
                .init(roster: roster, rosterName: rosterName, itemIDs: CampaignLaunch.itemIDs(itemText)),
                knowledge: desks.desk.knowledge, store: campaigns, dryRun: true, now: now())
        } catch let error as OutreachError {
            return try await campaignsRefused(
                "无法生成预览：\(Self.words(error))", items: itemText, status: .unprocessableContent)
        }
        let plan = planned.plan
        var values: [String: Any] = ["title": "政策敲门", "items": itemText, "stored": try await storedCampaigns()]
        values["preview"] = true
        values["encoding"] = roster.encoding.rawValue
        values["enterprises"] = roster.enterprises.count
        values["refused"] = roster.skippedLines.map(\.description)
        values["refusedCount"] = roster.skippedLines.count
        values["hasRefused"] = !roster.skippedLines.isEmpty
        values["messageCount"] = plan.messages.count
        values["ineligible"] = plan.ineligibleCount
        values["totalYuan"] = plan.estimatedYuan
        values["totalWords"] = Money.words(plan.estimatedYuan)
        values["totals"] = plan.totals.map { total -> [String: Any] in
            [
                "item": "\(total.itemID) \(total.title)", "enterprises": total.enterprises,
                "exactYuan": total.exactYuan,
                // A mustache section shows for any number, 0 included: the flag decides.
                "skipped": total.skipped, "hasSkipped": total.skipped > 0,
            ]
        }
        values["messages"] = plan.messages.prefix(5).map {
            ["title": $0.title, "body": $0.body, "yuan": $0.estimatedYuan]
        }
        if sender != nil, !plan.messages.isEmpty, let data {
            values["canStart"] = true
            values["rosterData"] = data.base64EncodedString()
            values["rosterName"] = rosterName
        } else if sender == nil {
            values["sendHint"] = "这台服务器没有开启网页发送（活动库不是本机的 SQLite 文件）；请用 policydesk campaign run 发送。"
        }
        return pages.render("campaigns", values)
    }

    /// 开始发送: plans the previewed roster again and stores it exactly as `policydesk campaign plan`
    /// does, then sends it in the background as `policydesk campaign run` does, under the same run
    /// lock (taken first: while another run sends, nothing is stored). The audit log records who.
    func campaignStart() async throws -> Response {
        let form = StaffIdentity.form
        let itemText = form["items"] ?? ""
        guard let sender, let campaigns else {
            return try await campaignsRefused(
                "这台服务器没有开启网页发送；请用 policydesk campaign run 发送。",
                items: itemText, status: .conflict)
        }
        guard let encoded = form["roster"], let data = Data(base64Encoded: encoded) else {
            return try await campaignsRefused(
                "缺少名单数据：请先上传名单并预览，再在预览下方点“开始发送”。", items: itemText, status: .badRequest)
        }
        let roster: Roster
        switch rosterOfForm(data) {
        case .failure(let refusal):
            return try await campaignsRefused(refusal.message, items: itemText, status: refusal.status)
        case .success(let read): roster = read
        }
        let lock: any CampaignRunLock
        do {
            lock = try await sender.claim()
        } catch {
            if case .held = error {
                return try await campaignsRefused(
                    "已有一个活动正在发送（从网页或用 policydesk campaign run 开始的）。活动一次只发一个，"
                        + "以免共用的机器人超过频率限制；请等它发完再开始。这次没有保存新的活动。",
                    items: itemText, status: .conflict)
            }
            return try await campaignsRefused(
                "无法开始发送：\(Self.words(error))", items: itemText, status: .serviceUnavailable)
        }
        let rosterName = Self.rosterName(form["rosterName"])
        let itemIDs = CampaignLaunch.itemIDs(itemText)
        let planned: CampaignLaunch.Planned
        do {
            planned = try await CampaignLaunch.plan(
                .init(roster: roster, rosterName: rosterName, itemIDs: itemIDs),
                knowledge: desks.desk.knowledge, store: campaigns, dryRun: false, now: now())
        } catch let error as OutreachError {
            return try await campaignsRefused(
                "无法生成活动：\(Self.words(error))", items: itemText, status: .unprocessableContent)
        }
        guard let id = planned.campaignID else {
            return try await campaignsRefused(
                "没有要发送的消息：名单里没有企业符合所选措施，或都在 30 天内通知过；没有保存活动。",
                items: itemText, status: .unprocessableContent)
        }
        let who = StaffIdentity.who ?? StaffSession.adminTokenName
        _ = try await audit.append(
            AuditEntry(
                who: who, at: now(), action: "campaign start", target: "campaign \(id)",
                after: "名单 \(rosterName)，措施 \(planned.plan.totals.map(\.itemID).joined(separator: "、"))，"
                    + "\(planned.plan.messages.count) 条消息"))
        sender.send(id, holding: lock, startedBy: who)
        return StaffPages.redirect("/admin/campaigns/\(id)?started=1")
    }

    /// 继续发送: what `policydesk campaign run ID` does for a campaign stopped part-way (a shutdown,
    /// a crash): recovers what was in flight as uncertain, then sends what is still pending.
    func campaignContinue(_ context: Context) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self) else {
            return try await campaignsRefused("活动编号应为数字。", items: "", status: .badRequest)
        }
        guard try await campaigns?.campaign(id: id) != nil else {
            return try await campaignsRefused("没有编号为 \(id) 的活动。", items: "", status: .notFound)
        }
        guard let sender else {
            return try await campaignProgress(
                context, error: "这台服务器没有开启网页发送；请用 policydesk campaign run \(id) 继续。", status: .conflict)
        }
        let lock: any CampaignRunLock
        do {
            lock = try await sender.claim()
        } catch {
            if case .held = error {
                return try await campaignProgress(
                    context,
                    error: "已有一个活动正在发送（从网页或用 policydesk campaign run 开始的）；请等它发完再继续。",
                    status: .conflict)
            }
            return try await campaignProgress(context, error: Self.words(error), status: .serviceUnavailable)
        }
        let who = StaffIdentity.who ?? StaffSession.adminTokenName
        _ = try await audit.append(
            AuditEntry(who: who, at: now(), action: "campaign continue", target: "campaign \(id)"))
        sender.send(id, holding: lock, startedBy: who)
        return StaffPages.redirect("/admin/campaigns/\(id)?started=1")
    }

    /// A campaign's progress: its messages by state, in the report's words; while it sends the page
    /// reloads itself every 3 seconds (a `<meta>` refresh: the pages run no script).
    func campaignProgress(
        _ context: Context, notice: String? = nil, error: String? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self) else {
            return try await campaignsRefused("活动编号应为数字。", items: "", status: .badRequest)
        }
        guard let campaigns, let report = try? await CampaignReport.load(campaignID: id, from: campaigns) else {
            return try await campaignsRefused("没有编号为 \(id) 的活动。", items: "", status: .notFound)
        }
        let counts = report.counts
        let sending = sender?.isSending(id) == true
        let pending = (counts[.planned] ?? 0) + (counts[.retrying] ?? 0) + (counts[.sending] ?? 0)
        let states = CampaignReport.stateOrder.filter { counts[$0] != nil || Self.alwaysShown.contains($0) }
        let delivered = report.items.reduce(Int64(0)) { $0 + $1.deliveredYuan }
        var values: [String: Any] = [
            "title": "活动 #\(id)", "id": id, "roster": report.campaign.rosterName,
            "items": report.items.map { "\($0.itemID) \($0.title)" }.joined(separator: "、"),
            "at": Self.timeFormatter.string(from: report.campaign.createdAt),
            "total": report.deliveries.count,
            "states": states.map { state -> [String: Any] in
                ["state": state.rawValue, "words": CampaignReport.stateWords(state), "count": counts[state] ?? 0]
            },
            "estimatedYuan": report.estimatedYuan, "deliveredYuan": delivered,
            "estimatedWords": Money.words(report.estimatedYuan), "deliveredWords": Money.words(delivered),
            "sending": sending, "done": !sending && pending == 0,
            "canContinue": !sending && pending > 0 && sender != nil,
            "hasUncertain": (counts[.uncertain] ?? 0) > 0,
        ]
        values["phase"] =
            sending ? "发送中" : pending == 0 ? "已结束" : "已暂停（还有 \(pending) 条未发）"
        if sending { values["refresh"] = 3 }
        if let notice, sending { values["notice"] = notice }
        if let error { values["error"] = error }
        return pages.render("campaign", values, status: status)
    }

    /// The states every progress page lists, even at zero.
    static var alwaysShown: Set<DeliveryState> { [.planned, .delivered, .failed, .skipped, .uncertain] }

    /// The roster's file name as recorded with the campaign: its last path component, at most 100 characters.
    static func rosterName(_ name: String?) -> String {
        let last = (name ?? "").split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let trimmed = String(last.trimmingCharacters(in: .whitespacesAndNewlines).prefix(100))
        return trimmed.isEmpty ? "名单.csv" : trimmed
    }

    /// A campaign refusal in the words staff read on the page (the command line's are English).
    static func words(_ error: OutreachError) -> String {
        switch error {
        case .noItems:
            "请填写要通知的措施（事项编号，用逗号分隔），可选：" + CampaignItemRule.itemIDs.joined(separator: "、") + "。"
        case .unknownItem(let id, let campaignable):
            "政策里没有事项「\(id)」。可以通知的事项：\(campaignable.joined(separator: "、"))。"
        case .itemNotCampaignable(let id, let title, let campaignable):
            "事项 \(id)（\(title)）不能用于政策敲门：名单里没有哪一列能说明哪些企业符合。可以通知的事项："
                + "\(campaignable.joined(separator: "、"))。"
        case .rosterLacksColumn(let item, let column):
            "事项 \(item) 需要名单里有「\(column)」这一列，这份名单没有；请加上这一列（见 Examples/roster-sample.csv）或不选这个事项。"
        case .templateMissing(let name):
            "Templates/ 里没有消息模板 \(name)；请管理员补上。"
        case .messageTooLong(let enterprise, let line, let bytes, let limit, let platform):
            "发给 \(enterprise)（名单第\(line)行）的消息有 \(bytes) 字节，\(platform) 最多接受 \(limit) 字节；请少选几个措施。"
        case .campaignNotFound(let id):
            "没有编号为 \(id) 的活动。"
        case .notUncertain(let delivery, let campaign):
            "活动 \(campaign) 的第 \(delivery) 条消息不是“结果不确定”状态。"
        }
    }

    // MARK: - Helpers

    /// Why the run lock could not be taken, in the words staff read on the page.
    static func words(_ error: CampaignRunLockError) -> String {
        switch error {
        case .held:
            "已有一个活动正在发送（从网页或用 policydesk campaign run 开始的）；请等它发完再开始。"
        case .unavailable(_, let reason):
            "无法取得发送锁（\(reason)）；请管理员检查数据库是否在运行、所在目录是否可写。"
        }
    }

    /// What a refused edit says on the page, in Chinese: what was wrong, and that nothing was
    /// written. The checks of the knowledge base (`policydesk lint`) speak English; their lines are
    /// quoted as they are, after a Chinese sentence that says what they are.
    static func refusal(_ error: AdminError, of edit: IntentEdit?) -> String {
        switch (error, edit) {
        case (.storage, _): "无法保存，服务器日志中有原因；文件未修改。"
        case (.unchanged, .addExample(let item, let text)?): "「\(text)」已经是 \(item) 的问法，没有重复添加。"
        case (.unchanged, _): "内容和原来一样，没有保存。"
        case (.notFound, .removeExample(let item, let text)?): "\(item) 没有问法「\(text)」（可能已被删除），文件未修改。"
        case (.notFound, _): "找不到要修改的内容（可能已被删除或改名），文件未修改。"
        case (.rejected(let problems), _):
            "修改后的知识库没有通过检查，文件未修改。检查结果（policydesk lint 的原文）：\n"
                + problems.map(\.description).joined(separator: "\n")
        case (.invalid, _): "内容不符合要求，文件未修改：\(error.description)"
        case (.unsafe, _): "无法保证只改动这一处，为安全起见没有写入，文件未修改。"
        case (.superseded, _): "刚才另一个实例也改了知识库，这次没有做任何修改；请刷新页面后再试。"
        }
    }

    /// Why undoing `id` was refused, in Chinese; for an undo a later edit stands in the way of, which
    /// one (it is to be undone first).
    func undoRefusal(_ error: AdminError, of id: Int64) async throws -> String {
        guard case .superseded = error else {
            if case .invalid = error { return "这条记录没有可以恢复的原内容（不是对知识库的修改）。" }
            return Self.refusal(error, of: nil)
        }
        guard let entry = try await audit.entry(id: id) else { return Self.refusal(error, of: nil) }
        if let later = try await audit.latestChange(of: entry.target, after: id), let laterID = later.id {
            return "之后的修改 #\(laterID) 也改了这一处；请先撤销它（从最新的开始）。没有做任何修改。"
        }
        return "这一处在 #\(id) 之后被别处（不是员工页或管理接口）改过；没有做任何修改。"
    }

    static func status(_ error: AdminError) -> HTTPResponse.Status {
        switch error {
        case .notFound: .notFound
        case .invalid: .badRequest
        case .rejected, .unsafe: .unprocessableContent
        case .unchanged, .superseded: .conflict
        case .storage: .internalServerError
        }
    }

    /// A formatter of times as staff read them: Beijing time, to the second. Made per page, since
    /// a `DateFormatter` may not be shared between tasks.
    static var timeFormatter: DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Shanghai")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter
    }

    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/")))
            ?? text
    }

    static func query(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}

/// The staff pages' gate: a page without a valid session goes to the sign-in page; a form without
/// its session's CSRF token is refused (403) with nothing changed.
struct StaffPageMiddleware<Context: RequestContext>: RouterMiddleware {
    let gate: StaffGate
    let pages: StaffPages
    let bodyLimit: Int
    /// The largest roster upload; the forms that carry one may be this much larger than `bodyLimit`.
    let uploadLimit: Int

    /// The forms that carry a roster: the preview's upload and the start form's base64 copy of it.
    static var rosterForms: Set<String> { ["/admin/campaigns/preview", "/admin/campaigns/start"] }

    /// The body limit of a form: a roster form holds the roster (base64 on the start form, a
    /// third larger) besides a few fields.
    func limit(of request: Request) -> Int {
        guard Self.rosterForms.contains(request.uri.path) else { return bodyLimit }
        return uploadLimit / 3 * 4 + 4 + bodyLimit
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let session: StaffSession
        switch await gate.session(of: request) {
        case .none:
            return StaffPages.redirect("/admin/login")
        case .failure?:
            gate.metrics.adminRefused(reason: "session")
            return StaffPages.redirect("/admin/login", cookie: gate.clearCookie(for: request))
        case .success(let valid)?:
            session = valid
        }
        var request = request
        var form = FormFields(Data())
        let csrf = gate.signer.csrfToken(for: session)
        if request.method == .post {
            let body: Data
            do {
                body = try await request.body(upTo: limit(of: request))
            } catch let error as APIError where error.status == .contentTooLarge {
                return StaffIdentity.$session.withValue(session) {
                    StaffIdentity.$csrf.withValue(csrf) {
                        pages.render(
                            "message",
                            [
                                "title": "内容过大",
                                "message": Self.rosterForms.contains(request.uri.path)
                                    ? "上传的名单超过上限 \(uploadLimit) 字节（POLICYDESK_UPLOAD_LIMIT），没有保存任何内容。"
                                        + "请拆成几个文件分别上传。"
                                    : "提交的表单超过上限 \(bodyLimit) 字节（POLICYDESK_BODY_LIMIT），没有做任何修改。",
                            ],
                            status: .contentTooLarge)
                    }
                }
            }
            form = FormFields(body, contentType: request.headers[.contentType])
            guard gate.signer.acceptsCSRF(form["csrf"], for: session) else {
                gate.metrics.adminRefused(reason: "csrf")
                return StaffIdentity.$session.withValue(session) {
                    StaffIdentity.$csrf.withValue(csrf) {
                        pages.render(
                            "message",
                            [
                                "title": "请求被拒绝",
                                "message": "表单校验失败（缺少或错误的 CSRF 令牌），没有做任何修改。请回到页面刷新后重试。",
                            ],
                            status: .forbidden)
                    }
                }
            }
        }
        let fields = form
        return try await StaffIdentity.$who.withValue(session.name) {
            try await StaffIdentity.$session.withValue(session) {
                try await StaffIdentity.$csrf.withValue(csrf) {
                    try await StaffIdentity.$form.withValue(fields) {
                        do {
                            return try await next(request, context)
                        } catch let error as HTTPError where (400..<500).contains(error.status.code) {
                            // A client's mistake on a page (an item that does not exist) is a page in
                            // Chinese with a way back, not the JSON body the API answers with.
                            return pages.render(
                                "message", ["title": "无法打开", "message": error.body ?? "请求有误。"],
                                status: error.status)
                        }
                    }
                }
            }
        }
    }
}
