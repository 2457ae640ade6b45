public import Foundation

/// Keeps outreach campaigns and the journal of every message they send.
///
/// The journal is what makes a campaign safe to kill: a delivery is marked ``DeliveryState/sending``
/// and committed before its HTTP call, and its outcome is committed after, so a restarted run knows
/// exactly which messages went out, which did not, and which were in flight when the process died.
public protocol CampaignStore: Sendable {
    /// Stores a planned campaign with its robots, deliveries and skips in one transaction; returns its id.
    func createCampaign(_ campaign: NewCampaign) async throws -> Int64

    /// The campaign with this id, or nil.
    func campaign(id: Int64) async throws -> CampaignRecord?

    /// Every campaign, newest first, with its deliveries counted by state.
    func campaigns() async throws -> [CampaignListing]

    /// The robots a campaign sends to, secrets included: only the sender may read them.
    func robots(campaignID: Int64) async throws -> [CampaignRobot]

    /// Every delivery of a campaign, in plan order.
    func deliveries(campaignID: Int64) async throws -> [DeliveryRecord]

    /// The enterprise–item pairs the plan left out because they were sent recently.
    func skips(campaignID: Int64) async throws -> [CampaignSkip]

    /// Every send attempt of a campaign, oldest first.
    func attempts(campaignID: Int64) async throws -> [DeliveryAttempt]

    /// Items sent, being sent or possibly sent (uncertain) to any enterprise since `since`, by any campaign,
    /// for the items in `itemIDs`: what the no-repeat window is checked against when planning.
    func recentSends(itemIDs: Set<String>, since: Date) async throws -> [RecentSend]

    /// Turns every delivery still marked ``DeliveryState/sending`` into ``DeliveryState/uncertain``.
    ///
    /// Call it only while holding the run lock: then no other process can be sending, and such a row
    /// is a send that a stopped process left in flight. Returns the ids of the deliveries changed.
    func recoverInterruptedSends(at: Date) async throws -> [Int64]

    /// Marks a pending delivery ``DeliveryState/sending`` and opens an attempt, in one transaction that
    /// first checks the no-repeat window again (another campaign may have sent an item since the plan).
    func claimSend(deliveryID: Int64, at: Date, noRepeatSince: Date) async throws -> SendClaim

    /// Records the outcome of the attempt opened by ``claimSend(deliveryID:at:noRepeatSince:)``.
    func finishSend(deliveryID: Int64, attemptID: Int64, outcome: SendOutcome, at: Date) async throws

    /// Applies claims and outcomes in order, in one transaction: what a busy run uses so that many
    /// sends share one commit. Each write means exactly what its single-write method means.
    func writeJournal(_ writes: [JournalWrite]) async throws -> [JournalResult]

    /// Attempts made to these robots since `since`, by any campaign, oldest first: what the rate
    /// limiter of a restarted run must still count.
    func recentAttempts(robotKeys: Set<String>, since: Date) async throws -> [DeliveryAttempt]

    /// Records a person's decision about an uncertain delivery; false when it is not uncertain.
    func resolveUncertain(deliveryID: Int64, as decision: UncertainDecision, at: Date) async throws -> Bool
}

/// Where one outreach message stands.
public enum DeliveryState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Planned and not yet tried.
    case planned
    /// Committed as being sent: the HTTP call is under way (or the process died during it).
    case sending
    /// The platform accepted it.
    case delivered
    /// Refused for a reason that may pass (network, 5xx, rate limit); tried again at `nextAttemptAt`.
    case retrying
    /// Refused for good, or given up after too many tries; `lastError` holds the platform's text.
    case failed
    /// It may or may not have arrived (the process died mid-send, or the platform did not answer in
    /// time); never resent automatically: a person decides.
    case uncertain
    /// Not sent: an item of it reached the enterprise through another campaign within the window.
    case skipped

    /// Whether a run still has to send it.
    public var isPending: Bool { self == .planned || self == .retrying }
}

/// A robot a campaign posts to, with its credentials.
///
/// `description` and reflection show only the platform and the key, never the URL or the secret.
public struct CampaignRobot: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
    /// A stable, non-secret id of the robot: a digest of its platform and address.
    public var key: String
    /// `wecom`, `dingtalk` or `feishu`.
    public var platform: String
    /// The webhook address (secret-bearing).
    public var url: String
    /// The signing secret, if the robot has one (secret).
    public var secret: String?

    /// Creates a robot.
    public init(key: String, platform: String, url: String, secret: String?) {
        self.key = key
        self.platform = platform
        self.url = url
        self.secret = secret
    }

    /// The platform and the key only.
    public var description: String { "\(platform) robot \(key)" }

    /// A mirror without the URL and the secret, so that `dump` cannot reveal them.
    public var customMirror: Mirror {
        Mirror(self, children: ["key": key, "platform": platform])
    }
}

/// One item of a delivery: what the message tells the enterprise about it.
public struct DeliveryItem: Sendable, Hashable, Codable {
    /// The item id, such as `12.2`.
    public var itemID: String
    /// The item's title.
    public var title: String
    /// The exact estimate, when the facts determine it.
    public var yuan: Int64?
    /// The ceiling, when only a ceiling is known.
    public var maxYuan: Int64?
    /// Whether the amount is per year.
    public var perYear: Bool
    /// The arithmetic in words.
    public var formula: String
    /// Why the enterprise qualifies, in words.
    public var reason: String

    /// Creates an item line.
    public init(
        itemID: String, title: String, yuan: Int64?, maxYuan: Int64?, perYear: Bool, formula: String, reason: String
    ) {
        self.itemID = itemID
        self.title = title
        self.yuan = yuan
        self.maxYuan = maxYuan
        self.perYear = perYear
        self.formula = formula
        self.reason = reason
    }
}

/// A delivery as planned, before it has an id.
public struct NewDelivery: Sendable {
    /// The position in the plan, from 1.
    public var seq: Int
    /// 企业名称.
    public var enterpriseName: String
    /// 统一社会信用代码.
    public var creditCode: String
    /// The robot's ``CampaignRobot/key``.
    public var robotKey: String
    /// The message title (Markdown messages and Feishu cards show it).
    public var title: String
    /// The rendered message.
    public var body: String
    /// The items the message announces.
    public var items: [DeliveryItem]

    /// Creates a planned delivery.
    public init(
        seq: Int, enterpriseName: String, creditCode: String, robotKey: String, title: String, body: String,
        items: [DeliveryItem]
    ) {
        self.seq = seq
        self.enterpriseName = enterpriseName
        self.creditCode = creditCode
        self.robotKey = robotKey
        self.title = title
        self.body = body
        self.items = items
    }
}

/// An enterprise–item pair a plan left out, and why.
public struct CampaignSkip: Sendable, Hashable {
    /// 企业名称.
    public var enterpriseName: String
    /// 统一社会信用代码.
    public var creditCode: String
    /// The item left out.
    public var itemID: String
    /// Why, in words.
    public var reason: String
    /// The campaign that already sent it, when that is the reason.
    public var previousCampaignID: Int64?
    /// When it was sent, when that is the reason.
    public var previousAt: Date?

    /// Creates a skip.
    public init(
        enterpriseName: String, creditCode: String, itemID: String, reason: String, previousCampaignID: Int64? = nil,
        previousAt: Date? = nil
    ) {
        self.enterpriseName = enterpriseName
        self.creditCode = creditCode
        self.itemID = itemID
        self.reason = reason
        self.previousCampaignID = previousCampaignID
        self.previousAt = previousAt
    }
}

/// A campaign as planned, before it has an id.
public struct NewCampaign: Sendable {
    /// When it was planned.
    public var createdAt: Date
    /// The roster's file name (no folder), for people reading the report.
    public var rosterName: String
    /// The items the campaign announces, in the order given.
    public var itemIDs: [String]
    /// Their titles, in the same order.
    public var itemTitles: [String]
    /// The template's name, such as `outreach`.
    public var template: String
    /// `markdown` or `text`.
    public var format: String
    /// The no-repeat window in days.
    public var windowDays: Int
    /// How many enterprises the roster listed (after skipped bad lines).
    public var enterpriseCount: Int
    /// Notes about the roster: bad lines skipped, columns ignored.
    public var notes: [String]
    /// The robots the deliveries post to.
    public var robots: [CampaignRobot]
    /// The messages, in plan order.
    public var deliveries: [NewDelivery]
    /// The pairs left out.
    public var skips: [CampaignSkip]

    /// Creates a campaign to store.
    public init(
        createdAt: Date, rosterName: String, itemIDs: [String], itemTitles: [String], template: String, format: String,
        windowDays: Int, enterpriseCount: Int, notes: [String], robots: [CampaignRobot], deliveries: [NewDelivery],
        skips: [CampaignSkip]
    ) {
        self.createdAt = createdAt
        self.rosterName = rosterName
        self.itemIDs = itemIDs
        self.itemTitles = itemTitles
        self.template = template
        self.format = format
        self.windowDays = windowDays
        self.enterpriseCount = enterpriseCount
        self.notes = notes
        self.robots = robots
        self.deliveries = deliveries
        self.skips = skips
    }
}

/// A stored campaign.
public struct CampaignRecord: Sendable, Hashable {
    /// The campaign's id.
    public var id: Int64
    /// When it was planned.
    public var createdAt: Date
    /// The roster's file name.
    public var rosterName: String
    /// The items it announces.
    public var itemIDs: [String]
    /// Their titles, in the same order.
    public var itemTitles: [String]
    /// The template's name.
    public var template: String
    /// `markdown` or `text`.
    public var format: String
    /// The no-repeat window in days.
    public var windowDays: Int
    /// How many enterprises the roster listed.
    public var enterpriseCount: Int
    /// Notes about the roster.
    public var notes: [String]
}

/// A campaign in a list, with its deliveries counted by state.
public struct CampaignListing: Sendable, Hashable {
    /// The campaign.
    public var campaign: CampaignRecord
    /// How many deliveries are in each state.
    public var counts: [DeliveryState: Int]
}

/// A stored delivery.
public struct DeliveryRecord: Sendable, Hashable {
    /// The delivery's id, unique across campaigns.
    public var id: Int64
    /// The campaign it belongs to.
    public var campaignID: Int64
    /// Its position in the plan.
    public var seq: Int
    /// 企业名称.
    public var enterpriseName: String
    /// 统一社会信用代码.
    public var creditCode: String
    /// The robot's key.
    public var robotKey: String
    /// The robot's platform.
    public var platform: String
    /// The message title.
    public var title: String
    /// The rendered message.
    public var body: String
    /// The items the message announces.
    public var items: [DeliveryItem]
    /// Where it stands.
    public var state: DeliveryState
    /// How many times it was tried.
    public var attempts: Int
    /// How many of those tries the platform refused as too frequent.
    public var rateLimited: Int
    /// When it may be tried again, for ``DeliveryState/retrying``.
    public var nextAttemptAt: Date?
    /// When the latest try started.
    public var sentAt: Date?
    /// When it reached its final state.
    public var finishedAt: Date?
    /// The platform's error code, for ``DeliveryState/failed``.
    public var errorCode: Int?
    /// The latest error or note, in words (never a secret).
    public var lastError: String?
}

/// One try of a delivery.
public struct DeliveryAttempt: Sendable, Hashable {
    /// The attempt's id.
    public var id: Int64
    /// The delivery tried.
    public var deliveryID: Int64
    /// The robot posted to.
    public var robotKey: String
    /// When the try started (committed before the HTTP call).
    public var startedAt: Date
    /// When its outcome was recorded; nil while in flight.
    public var finishedAt: Date?
    /// `delivered`, `retry`, `rateLimited`, `failed` or `uncertain`; nil while in flight.
    public var outcome: String?
    /// The platform's code, if it gave one.
    public var code: Int?
    /// What happened, in words.
    public var detail: String?
}

/// An item that reached (or may have reached) an enterprise.
public struct RecentSend: Sendable, Hashable {
    /// 统一社会信用代码.
    public var creditCode: String
    /// The item.
    public var itemID: String
    /// The campaign that sent it.
    public var campaignID: Int64
    /// The delivery that carried it.
    public var deliveryID: Int64
    /// `delivered`, `sending` or `uncertain`.
    public var state: DeliveryState
    /// When the send started.
    public var at: Date

    /// Creates a record of a send.
    public init(
        creditCode: String, itemID: String, campaignID: Int64, deliveryID: Int64, state: DeliveryState, at: Date
    ) {
        self.creditCode = creditCode
        self.itemID = itemID
        self.campaignID = campaignID
        self.deliveryID = deliveryID
        self.state = state
        self.at = at
    }
}

/// The answer to ``CampaignStore/claimSend(deliveryID:at:noRepeatSince:)``.
public enum SendClaim: Sendable, Hashable {
    /// Marked sending; send now, then record the outcome for this attempt.
    case claimed(attemptID: Int64, attempt: Int)
    /// Marked skipped: an item of it reached the enterprise through another campaign in the window.
    case skipped(because: RecentSend)
    /// Not pending any more (another state was recorded); leave it alone.
    case notPending(DeliveryState)
}

/// What one attempt came to.
public enum SendOutcome: Sendable, Hashable {
    /// The platform accepted the message.
    case delivered
    /// Try again at `at`; `rateLimited` when the platform said the robot sends too often.
    case retry(at: Date, rateLimited: Bool, code: Int?, detail: String)
    /// Refused for good.
    case failed(code: Int?, detail: String)
    /// It may or may not have arrived; a person decides.
    case uncertain(detail: String)
}

/// One write to the delivery journal.
public enum JournalWrite: Sendable, Hashable {
    /// ``CampaignStore/claimSend(deliveryID:at:noRepeatSince:)``.
    case claim(deliveryID: Int64, at: Date, noRepeatSince: Date)
    /// ``CampaignStore/finishSend(deliveryID:attemptID:outcome:at:)``.
    case finish(deliveryID: Int64, attemptID: Int64, outcome: SendOutcome, at: Date)
}

/// What one journal write came to.
public enum JournalResult: Sendable, Hashable {
    /// The answer to a claim.
    case claimed(SendClaim)
    /// An outcome was recorded.
    case finished
}

/// A person's decision about an uncertain delivery.
public enum UncertainDecision: String, Sendable, Hashable {
    /// The message is in the group chat: record it as delivered.
    case delivered
    /// The message is not in the group chat: send it on the next run.
    case resend
}
