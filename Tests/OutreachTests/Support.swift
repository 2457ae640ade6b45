import Channels
import Desk
import Foundation
import Outreach
import OutreachModel
import PolicyKit
import Storage
import Synchronization
import TestSupport

/// The repository and what the tests read from it, found relative to this file.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // OutreachTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // the repository
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    private static let loaded: Result<KnowledgeBase, KnowledgeBaseError> = {
        do throws(KnowledgeBaseError) {
            return .success(
                try KnowledgeBaseLoader(
                    intents: root.appendingPathComponent("Intents"), templates: root.appendingPathComponent("Templates")
                ).load())
        } catch {
            return .failure(error)
        }
    }()

    /// The shipped knowledge base, loaded once.
    static func knowledge() throws -> KnowledgeBase { try loaded.get() }

    /// The bytes of a fixture file.
    static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: fixtures.appendingPathComponent(name))
    }
}

/// Builds roster CSV text for tests, with valid fake credit codes.
struct RosterBuilder {
    /// The header row.
    var columns: [String]
    /// The data rows.
    var rows: [[String: String]] = []

    init(_ columns: [String]) {
        self.columns = columns
    }

    /// A valid fake credit code: 东胜区's division code and a serial, with its check character.
    static func code(_ serial: Int) -> String {
        let alphabet = Array(CreditCode.alphabet)
        var digits = ""
        var n = serial
        for _ in 0..<7 {
            digits = String(alphabet[n % 31]) + digits
            n /= 31
        }
        return CreditCode.completing("91150602MA" + digits)
    }

    /// Adds a row.
    mutating func add(_ row: [String: String]) {
        rows.append(row)
    }

    /// The CSV text.
    var text: String {
        ([columns.joined(separator: ",")]
            + rows.map { row in columns.map { Self.quoted(row[$0] ?? "") }.joined(separator: ",") })
            .joined(separator: "\n") + "\n"
    }

    /// The CSV bytes in UTF-8.
    var data: Data { Data(text.utf8) }

    private static func quoted(_ value: String) -> String {
        value.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }
}

/// A roster of one enterprise per row, parsed; fails the test on any roster problem.
func roster(_ builder: RosterBuilder) throws -> Roster {
    try Roster.parse(builder.data)
}

extension FakePlatform.Request {
    /// The enterprise named in the message's first line (`### 政策敲门：NAME` or `【政策敲门】NAME：…`).
    var enterprise: String? {
        guard let first = text?.split(separator: "\n").first else { return nil }
        if let range = first.range(of: "政策敲门：") { return String(first[range.upperBound...]) }
        if let range = first.range(of: "【政策敲门】"),
            let colon = first.range(of: "：", range: range.upperBound..<first.endIndex)
        {
            return String(first[range.upperBound..<colon.lowerBound])
        }
        return nil
    }
}

extension FakePlatform.Options {
    /// The fake as the campaign tests use it: any robot not named `bad…`, its limits and quiet
    /// periods judged by `clock` (the runner's own), optionally answering after `latency` ms.
    static func campaign(_ clock: ManualClock? = nil, latency: ClosedRange<Int> = 0...0) -> Self {
        FakePlatform.Options(
            robots: .derived, latencyMilliseconds: latency, now: { clock?.now() ?? Date() })
    }
}

/// The lanes of one campaign run: one per robot with pending deliveries. A lane sleeps on the
/// clock until its robot may send again, and ends once its last delivery reaches a final state.
final class Lanes: Sendable {
    private let robotOf: [Int64: String]
    private let remaining: Mutex<[String: Int]>

    /// The lanes a run of `pending` deliveries will have.
    init(_ pending: [DeliveryRecord]) {
        robotOf = Dictionary(uniqueKeysWithValues: pending.map { ($0.id, $0.robotKey) })
        remaining = Mutex(pending.reduce(into: [:]) { $0[$1.robotKey, default: 0] += 1 })
    }

    /// How many lanes the run has.
    var count: Int { remaining.withLock { $0.count } }

    /// Whether `event` settled the last delivery of its robot: its lane will not sleep again.
    func ends(with event: CampaignRunner.Event) -> Bool {
        guard [.delivered, .failed, .uncertain, .skipped].contains(event.kind), let id = event.deliveryID,
            let robot = robotOf[id]
        else { return false }
        return remaining.withLock {
            $0[robot, default: 0] -= 1
            return $0[robot] == 0
        }
    }
}

/// Runs a campaign with `runner(onEvent)` on `clock`, which moves by itself to the next deadline
/// once every lane of the run is asleep on it, and stands still while any lane works: each send
/// reaches the fake at the moment the runner chose for it.
func run(
    _ campaignID: Int64, in store: SQLiteStorage, on clock: ManualClock,
    _ runner: (@escaping @Sendable (CampaignRunner.Event) -> Void) -> CampaignRunner
) async throws -> CampaignRunner.Summary {
    let lanes = Lanes(try await store.deliveries(campaignID: campaignID).filter(\.state.isPending))
    clock.participants = lanes.count
    defer { clock.participants = nil }
    return try await runner { event in
        if lanes.ends(with: event) { clock.participantFinished() }
    }.run(campaignID: campaignID)
}

/// Plans and stores a campaign of `builder`'s roster for `items`; returns its id.
func storeCampaign(
    _ builder: RosterBuilder, items: [String], in store: any CampaignStore, windowDays: Int = 30, now: Date = Date(),
    format: MessageFormat = .markdown
) async throws -> Int64 {
    let parsed = try Roster.parse(builder.data)
    let planner = CampaignPlanner(knowledge: try Repository.knowledge(), format: format)
    let recent = try await store.recentSends(
        itemIDs: Set(items), since: now.addingTimeInterval(-Double(windowDays) * 86_400))
    let plan = try planner.plan(roster: parsed, itemIDs: items, recentSends: recent, windowDays: windowDays, now: now)
    return try await store.createCampaign(
        plan.campaign(
            rosterName: "test.csv", template: "outreach", format: format, windowDays: windowDays,
            notes: [], now: now))
}
