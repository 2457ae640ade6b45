public import Channels
import Desk
public import Foundation
public import Hummingbird
import HummingbirdCore
public import Logging
import Matching
import NIOCore
public import Outreach
public import OutreachModel
import PolicyKit
import ServiceLifecycle
public import Storage

/// What the server runs with besides its configuration: where state is kept, how it calls
/// the platforms, and the clock. Tests pass in-memory storage and a fake transport.
public struct ServerDependencies: Sendable {
    public var store: any DedupeStore & ConversationStore & MissLog & AuditLog
    public var transport: any HTTPTransport
    public var now: @Sendable () -> Date
    /// Where campaigns are kept, for their reports under /admin; nil leaves those routes out.
    public var campaigns: (any CampaignStore)?
    /// Takes the run lock of the database `campaigns` lives in (the lock `policydesk campaign run`
    /// takes). Set, the staff page can start sending; nil leaves that to the command line.
    public var takeCampaignRunLock: (@Sendable () async throws(CampaignRunLockError) -> any CampaignRunLock)?
    /// How a campaign started from the page sends (the command line's defaults).
    public var campaignRunSettings = CampaignLaunch.RunSettings()
    /// A small write that tells whether the store takes writes again after a failure.
    public var probe: (@Sendable () async throws -> Void)?
    /// Set when several instances share the store (PostgreSQL): staff edits are kept there and
    /// served by every instance, and nothing read from the store is cached in this process.
    public var sharedIntents: (any SharedIntentsStore)?
    /// How often each instance checks the shared store for edits it was not told of.
    public var sharedIntentsInterval: Duration = .seconds(2)
    /// The staff accounts that may sign in (the store itself when it keeps them); nil leaves only
    /// the admin token.
    public var staff: (any StaffStore)?

    public init(
        store: any DedupeStore & ConversationStore & MissLog & AuditLog, transport: any HTTPTransport,
        now: @escaping @Sendable () -> Date = { Date() }, campaigns: (any CampaignStore)? = nil
    ) {
        self.campaigns = campaigns
        self.store = store
        self.transport = transport
        self.now = now
        self.staff = store as? any StaffStore
        if let probe = store as? any StoreProbe {
            self.probe = { try await probe.probeWrite() }
        } else {
            self.probe = nil
        }
    }
}

/// Why the server could not start.
public struct StartupError: Error, CustomStringConvertible {
    public var description: String
}

/// The parts of a running server that tests and commands reach into.
public struct ServerParts: Sendable {
    public let desks: DeskHolder
    public let answers: AnswerService
    public let metrics: ServerMetrics
    public let feishuReplies: FeishuReplyService
    public let storeHealth: StoreHealth
    /// The shared staff edits, when several instances share the store.
    public let sharedKnowledge: SharedKnowledge?
    /// Sends the campaigns started from the staff page, when the page may start them.
    public let campaignSender: CampaignSender?
}

/// Builds the whole application: the one composition root of the server.
public func buildApplication(
    configuration: ServerConfiguration, dependencies: ServerDependencies, logger: Logger
) throws -> (application: some ApplicationProtocol, parts: ServerParts) {
    var loader = KnowledgeBaseLoader(
        intents: URL(fileURLWithPath: configuration.intents), templates: URL(fileURLWithPath: configuration.templates))
    loader.allowDraft = configuration.allowDraft
    let knowledge: KnowledgeBase
    do {
        knowledge = try loader.load()
    } catch {
        throw StartupError(description: "the knowledge base does not load:\n\(error.description)")
    }
    let desks = DeskHolder(desk: Desk(knowledge: knowledge), loader: loader)
    let metrics = ServerMetrics()
    let storeHealth = StoreHealth(probe: dependencies.probe, now: dependencies.now)
    let shared = dependencies.sharedIntents.map { SharedKnowledge(store: $0, desks: desks) }
    var service = AnswerService(
        desks: desks, conversations: dependencies.store, misses: dependencies.store,
        limiter: RateLimiter(perMinute: configuration.questionsPerMinute), metrics: metrics,
        reviewBelowConfidence: configuration.reviewBelowConfidence, sharedStore: shared != nil)
    service.health = storeHealth
    let answers = service
    let feishuClient = configuration.feishu.map {
        FeishuClient(
            apiBase: configuration.feishuAPIBase, appID: $0.appID, appSecret: $0.appSecret,
            transport: dependencies.transport)
    }
    let feishuReplies = FeishuReplyService(client: feishuClient, metrics: metrics, logger: logger)
    var campaignSender: CampaignSender?
    if configuration.adminToken != nil, let campaigns = dependencies.campaigns,
        let takeRunLock = dependencies.takeCampaignRunLock
    {
        campaignSender = CampaignSender(
            store: campaigns, takeRunLock: takeRunLock, transport: dependencies.transport,
            settings: dependencies.campaignRunSettings, logger: logger)
    }
    let parts = ServerParts(
        desks: desks, answers: answers, metrics: metrics, feishuReplies: feishuReplies, storeHealth: storeHealth,
        sharedKnowledge: shared, campaignSender: campaignSender)
    let router = try buildRouter(configuration: configuration, dependencies: dependencies, parts: parts)
    let bodyTimeout = TimeAmount(configuration.bodyTimeout)
    let idleTimeout = TimeAmount(configuration.idleTimeout)
    var application = Application(
        router: router,
        server: .http1(
            configuration: .init(
                additionalChannelHandlers: [BodyDeadlineHandler(timeout: bodyTimeout)], idleTimeout: idleTimeout)),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "PolicyDesk",
            availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections)),
        logger: logger)
    application.addServices(
        feishuReplies, HangupReloadService(desks: desks, metrics: metrics, logger: logger),
        HousekeepingService(
            dedupe: dependencies.store, conversations: dependencies.store, misses: dependencies.store,
            missRetention: configuration.missLimits.retention, interval: configuration.sweepInterval,
            now: dependencies.now, logger: logger,
            afterSweep: { now in await answers.reloadOpenConversations(now: now, logger: logger) }))
    if let campaignSender {
        application.addServices(CampaignSendingService(sender: campaignSender))
    }
    if let shared, let store = dependencies.sharedIntents {
        application.addServices(
            SharedKnowledgeService(
                knowledge: shared, store: store, interval: dependencies.sharedIntentsInterval, logger: logger))
    }
    return (application, parts)
}

/// Adds every route: health, metrics, the JSON API and the webhooks of configured platforms.
func buildRouter(
    configuration: ServerConfiguration, dependencies: ServerDependencies, parts: ServerParts
) throws -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.middlewares.add(MetricsMiddleware(metrics: parts.metrics))
    router.get("/healthz") { _, context in
        if let problem = await parts.storeHealth.check(logger: context.logger) {
            return Response.text("store failing: \(problem)\n", status: .serviceUnavailable)
        }
        return Response.text("ok")
    }
    router.get("/metrics") { _, _ in
        Response.text(parts.metrics.render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
    AskController(answers: parts.answers, bodyLimit: configuration.bodyLimit, now: dependencies.now).addRoutes(
        to: router)
    let window = configuration.dedupeWindow
    let dedupe = HealthCheckedDedupe(
        base: dependencies.store, health: parts.storeHealth, logger: Logger(label: "policydesk.store"))
    if let wecom = configuration.wecom {
        let callback: WeComCallback
        do {
            callback = try WeComCallback(token: wecom.token, encodingAESKey: wecom.aesKey, receiveID: wecom.corpID)
        } catch {
            throw StartupError(description: "WeCom is misconfigured: \(error)")
        }
        WeComController(
            callback: callback, answers: parts.answers, dedupe: dedupe, bodyLimit: configuration.bodyLimit,
            dedupeWindow: window, now: dependencies.now
        )
        .addRoutes(to: router)
    }
    if let secret = configuration.dingTalkAppSecret {
        DingTalkController(
            verifier: DingTalkVerifier(appSecret: secret), answers: parts.answers, dedupe: dedupe,
            bodyLimit: configuration.bodyLimit, dedupeWindow: window, now: dependencies.now
        )
        .addRoutes(to: router)
    }
    if let token = configuration.adminToken {
        let editor = IntentsAdmin(
            desks: parts.desks, audit: dependencies.store, logger: Logger(label: "policydesk.admin"),
            now: dependencies.now,
            shared: parts.sharedKnowledge)
        let gate = StaffGate(
            adminToken: token, sessionKey: configuration.sessionKey, staff: dependencies.staff, metrics: parts.metrics,
            sessionLifetime: configuration.sessionLifetime, now: dependencies.now)
        AdminController(
            gate: gate, desks: parts.desks, editor: editor, audit: dependencies.store, misses: dependencies.store,
            metrics: parts.metrics, bodyLimit: configuration.bodyLimit
        )
        .addRoutes(to: router)
        if let pages = try StaffPages.load(templates: URL(fileURLWithPath: configuration.templates)) {
            StaffPagesController(
                gate: gate, pages: pages, desks: parts.desks, editor: editor, audit: dependencies.store,
                misses: dependencies.store, campaigns: dependencies.campaigns, sender: parts.campaignSender,
                bodyLimit: configuration.bodyLimit, uploadLimit: configuration.uploadLimit, now: dependencies.now
            ).addRoutes(to: router)
        }
        if let campaigns = dependencies.campaigns {
            CampaignReportController(gate: gate, campaigns: campaigns, now: dependencies.now).addRoutes(to: router)
        }
    }
    if let feishu = configuration.feishu {
        FeishuController(
            decoder: FeishuEventDecoder(verificationToken: feishu.verificationToken, encryptKey: feishu.encryptKey),
            answers: parts.answers, dedupe: dedupe, replies: parts.feishuReplies,
            bodyLimit: configuration.bodyLimit, dedupeWindow: window, now: dependencies.now
        )
        .addRoutes(to: router)
    }
    return router
}
