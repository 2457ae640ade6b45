import Foundation
import GRDB
import OutreachModel

/// The outreach tables' rows as GRDB records, and their conversion to the store's values.
///
/// Columns are read by name through `Decodable` (snake_case in SQL, camelCase here): a missing
/// column, a NULL where a value is required or a state no version wrote is an error that names
/// the table and the row, never a silent default and never a trap.
protocol CampaignTableRow: Decodable, FetchableRecord {}

extension CampaignTableRow {
    static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
}

/// A row that cannot be read as what its table holds.
struct UnreadableRow: Error, CustomStringConvertible {
    let table: String
    let id: String
    let problem: String

    var description: String { "\(table) row \(id): \(problem)" }

    /// Decodes `Record` from `row`, naming `table` and the row's id when it cannot.
    static func decode<Record: CampaignTableRow>(_: Record.Type, _ row: Row, table: String, id: String) throws -> Record
    {
        do {
            return try Record(row: row)
        } catch {
            let value: DatabaseValue = row[id]
            throw UnreadableRow(table: table, id: value.isNull ? "?" : "\(value)", problem: "\(error)")
        }
    }

    /// The state named in a row, or an error naming the row.
    static func state(_ raw: String, table: String, id: Int64) throws -> DeliveryState {
        guard let state = DeliveryState(rawValue: raw) else {
            throw UnreadableRow(
                table: table, id: "\(id)",
                problem:
                    "unknown state \"\(raw)\" (one of \(DeliveryState.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        return state
    }
}

/// `campaign`.
struct CampaignRow: CampaignTableRow {
    var id: Int64
    var createdAt: Double
    var rosterName: String
    var itemIds: String
    var itemTitles: String
    var template: String
    var format: String
    var windowDays: Int
    var enterpriseCount: Int
    var notes: String

    static func fetch(_ row: Row) throws -> CampaignRecord {
        try UnreadableRow.decode(Self.self, row, table: "campaign", id: "id").record
    }

    var record: CampaignRecord {
        CampaignRecord(
            id: id, createdAt: Date(timeIntervalSince1970: createdAt), rosterName: rosterName,
            itemIDs: itemIds.split(separator: ",").map(String.init), itemTitles: StoredLines.decode(itemTitles),
            template: template, format: format, windowDays: windowDays, enterpriseCount: enterpriseCount,
            notes: StoredLines.decode(notes))
    }
}

/// `campaign_robot`.
struct CampaignRobotRow: CampaignTableRow {
    var robotKey: String
    var platform: String
    var url: String
    var secret: String?

    static func fetch(_ row: Row) throws -> CampaignRobot {
        let r = try UnreadableRow.decode(Self.self, row, table: "campaign_robot", id: "robot_key")
        return CampaignRobot(key: r.robotKey, platform: r.platform, url: r.url, secret: r.secret)
    }
}

/// `campaign_delivery_item`.
struct DeliveryItemRow: CampaignTableRow {
    var deliveryId: Int64
    var itemId: String
    var title: String
    var yuan: Int64?
    var maxYuan: Int64?
    var perYear: Bool
    var formula: String
    var reason: String

    static func fetch(_ row: Row) throws -> Self {
        try UnreadableRow.decode(Self.self, row, table: "campaign_delivery_item", id: "delivery_id")
    }

    var item: DeliveryItem {
        DeliveryItem(
            itemID: itemId, title: title, yuan: yuan, maxYuan: maxYuan, perYear: perYear, formula: formula,
            reason: reason)
    }
}

/// `campaign_delivery` joined with its robot's platform.
struct DeliveryRow: CampaignTableRow {
    var id: Int64
    var campaignId: Int64
    var seq: Int
    var enterpriseName: String
    var creditCode: String
    var robotKey: String
    var platform: String
    var title: String
    var body: String
    var state: String
    var attempts: Int
    var rateLimited: Int
    var nextAttemptAt: Double?
    var sentAt: Double?
    var finishedAt: Double?
    var errorCode: Int?
    var lastError: String?

    static func fetch(_ row: Row, items: [Int64: [DeliveryItem]]) throws -> DeliveryRecord {
        let d = try UnreadableRow.decode(Self.self, row, table: "campaign_delivery", id: "id")
        return DeliveryRecord(
            id: d.id, campaignID: d.campaignId, seq: d.seq, enterpriseName: d.enterpriseName,
            creditCode: d.creditCode, robotKey: d.robotKey, platform: d.platform, title: d.title, body: d.body,
            items: items[d.id] ?? [], state: try UnreadableRow.state(d.state, table: "campaign_delivery", id: d.id),
            attempts: d.attempts, rateLimited: d.rateLimited, nextAttemptAt: StoredTime.date(d.nextAttemptAt),
            sentAt: StoredTime.date(d.sentAt), finishedAt: StoredTime.date(d.finishedAt), errorCode: d.errorCode,
            lastError: d.lastError)
    }
}

/// `campaign_skip`.
struct CampaignSkipRow: CampaignTableRow {
    var id: Int64
    var enterpriseName: String
    var creditCode: String
    var itemId: String
    var reason: String
    var previousCampaignId: Int64?
    var previousAt: Double?

    static func fetch(_ row: Row) throws -> CampaignSkip {
        let s = try UnreadableRow.decode(Self.self, row, table: "campaign_skip", id: "id")
        return CampaignSkip(
            enterpriseName: s.enterpriseName, creditCode: s.creditCode, itemID: s.itemId, reason: s.reason,
            previousCampaignID: s.previousCampaignId, previousAt: StoredTime.date(s.previousAt))
    }
}

/// `campaign_attempt`.
struct AttemptRow: CampaignTableRow {
    var id: Int64
    var deliveryId: Int64
    var robotKey: String
    var startedAt: Double
    var finishedAt: Double?
    var outcome: String?
    var code: Int?
    var detail: String?

    static func fetch(_ row: Row) throws -> DeliveryAttempt {
        let a = try UnreadableRow.decode(Self.self, row, table: "campaign_attempt", id: "id")
        return DeliveryAttempt(
            id: a.id, deliveryID: a.deliveryId, robotKey: a.robotKey,
            startedAt: Date(timeIntervalSince1970: a.startedAt),
            finishedAt: StoredTime.date(a.finishedAt), outcome: a.outcome, code: a.code, detail: a.detail)
    }
}

/// A delivery of an item to an enterprise, as the no-repeat rule reads it.
struct RecentSendRow: CampaignTableRow {
    var creditCode: String
    var itemId: String
    var campaignId: Int64
    var deliveryId: Int64
    var state: String
    var sentAt: Double

    static func fetch(_ row: Row) throws -> RecentSend {
        let r = try UnreadableRow.decode(Self.self, row, table: "campaign_delivery", id: "delivery_id")
        return RecentSend(
            creditCode: r.creditCode, itemID: r.itemId, campaignID: r.campaignId, deliveryID: r.deliveryId,
            state: try UnreadableRow.state(r.state, table: "campaign_delivery", id: r.deliveryId),
            at: Date(timeIntervalSince1970: r.sentAt))
    }
}

/// The delivery columns a claim reads.
struct ClaimRow: CampaignTableRow {
    var state: String
    var creditCode: String
    var robotKey: String
    var attempts: Int
}

/// Times are stored as seconds since 1970.
enum StoredTime {
    static func date(_ seconds: Double?) -> Date? {
        seconds.map { Date(timeIntervalSince1970: $0) }
    }
}

/// Lists of one-line texts (item titles, roster notes) are stored one per line.
enum StoredLines {
    /// A note never holds a line break of its own.
    static func encode(_ lines: [String]) -> String {
        lines.map { $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: "\n")
    }

    static func decode(_ text: String) -> [String] {
        text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
}
