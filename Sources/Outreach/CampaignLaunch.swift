public import Channels
public import Desk
public import Foundation
public import OutreachModel

/// Planning a campaign and sending it, wired once: `policydesk campaign plan` / `campaign run`
/// and the staff page's 开始发送 call these, so the page can never plan or send by other rules
/// than the command line.
public enum CampaignLaunch {
    /// What to plan: a roster already read, the items to announce and how.
    public struct Request: Sendable {
        /// The roster as read (UTF-8 or GB18030).
        public var roster: Roster
        /// The roster's file name, recorded with the campaign.
        public var rosterName: String
        /// The items to announce, such as `["12.2", "9.3"]`.
        public var itemIDs: [String]
        /// The template in Templates/ without its ending.
        public var template: String
        /// Markdown or plain text.
        public var format: MessageFormat
        /// Do not tell an enterprise about the same item again within this many days.
        public var windowDays: Int

        /// Creates a request with the command line's defaults.
        public init(
            roster: Roster, rosterName: String, itemIDs: [String], template: String = "outreach",
            format: MessageFormat = .markdown, windowDays: Int = 30
        ) {
            self.roster = roster
            self.rosterName = rosterName
            self.itemIDs = itemIDs
            self.template = template
            self.format = format
            self.windowDays = windowDays
        }
    }

    /// A plan, and the campaign it was stored as (nil for a dry run or when nobody qualifies).
    public struct Planned: Sendable {
        /// Who gets which message.
        public var plan: CampaignPlan
        /// The stored campaign's id.
        public var campaignID: Int64?
        /// The notes stored with the campaign: lines skipped, columns ignored.
        public var notes: [String]
    }

    /// The item ids of a comma-separated list (`12.2,9.3`, also with `，` or spaces).
    public static func itemIDs(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == "，" || $0 == " " || $0 == "、" })
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The notes a campaign keeps about its roster: each skipped line and the ignored columns.
    public static func notes(for roster: Roster, rosterName: String) -> [String] {
        var notes = roster.skippedLines.map { "skipped \(rosterName):\($0.line): \($0.reason)" }
        if !roster.ignoredHeaders.isEmpty {
            notes.append(
                "ignored columns (not a roster column; check the spelling): "
                    + roster.ignoredHeaders.joined(separator: ", "))
        }
        return notes
    }

    /// Plans `request` against the knowledge base, leaving out whom `store` says was told of an
    /// item within the window, and stores the campaign unless `dryRun` or nobody qualifies (or
    /// there is no store: a preview on a server that keeps no campaigns).
    public static func plan(
        _ request: Request, knowledge: KnowledgeBase, store: (any CampaignStore)?, dryRun: Bool, now: Date
    ) async throws -> Planned {
        let planner = CampaignPlanner(knowledge: knowledge, template: request.template, format: request.format)
        let recent =
            try await store?.recentSends(
                itemIDs: Set(request.itemIDs), since: now.addingTimeInterval(-Double(request.windowDays) * 86_400))
            ?? []
        let plan = try planner.plan(
            roster: request.roster, itemIDs: request.itemIDs, recentSends: recent, windowDays: request.windowDays,
            now: now)
        let notes = notes(for: request.roster, rosterName: request.rosterName)
        guard !dryRun, let store, !plan.messages.isEmpty else {
            return Planned(plan: plan, campaignID: nil, notes: notes)
        }
        let campaign = plan.campaign(
            rosterName: request.rosterName, template: request.template, format: request.format,
            windowDays: request.windowDays, notes: notes, now: now)
        return Planned(plan: plan, campaignID: try await store.createCampaign(campaign), notes: notes)
    }

    /// How a run sends: calls in flight, how long to wait for an answer, and the clock's speed
    /// (faster only in tests of the rate limits).
    public struct RunSettings: Sendable {
        /// HTTP calls in flight at once, across all robots.
        public var maxInFlight: Int
        /// Seconds to wait for a platform's answer; after that the message is uncertain.
        public var timeout: Double
        /// The campaign clock's speed.
        public var timeScale: Double

        /// The command line's defaults: 16 calls in flight, 10 seconds, real time.
        public init(maxInFlight: Int = 16, timeout: Double = 10, timeScale: Double = 1) {
            self.maxInFlight = max(1, maxInFlight)
            self.timeout = timeout
            self.timeScale = timeScale
        }
    }

    /// The runner of a campaign: the robots' limits (``RobotLimits``), the no-nagging window and the
    /// crash-safe ledger are all in ``CampaignRunner``; call it only while holding ``CampaignRunLock``.
    public static func runner(
        store: any CampaignStore, transport: any HTTPTransport, settings: RunSettings,
        onEvent: @escaping @Sendable (CampaignRunner.Event) -> Void
    ) -> CampaignRunner {
        CampaignRunner(
            store: store, transport: transport, clock: SystemCampaignClock(scale: settings.timeScale),
            configuration: .init(
                maxInFlight: settings.maxInFlight, requestTimeout: .milliseconds(Int64(settings.timeout * 1_000))),
            onEvent: onEvent)
    }
}
