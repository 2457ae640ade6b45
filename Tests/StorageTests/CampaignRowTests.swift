import Foundation
import GRDB
import OutreachModel
import Storage
import Testing

/// A small campaign of two messages, stored; returns its id.
private func storeTwoMessages(in store: SQLiteStorage) async throws -> Int64 {
    let item = DeliveryItem(
        itemID: "12.2", title: "首次认定高企", yuan: 200_000, maxYuan: nil, perYear: false, formula: "", reason: "规上")
    let deliveries = (1...2).map { n in
        NewDelivery(
            seq: n, enterpriseName: "企业\(n)", creditCode: "91150602MA0N00000\(n)", robotKey: "wecom:k", title: "t",
            body: "b",
            items: [item])
    }
    return try await store.createCampaign(
        NewCampaign(
            createdAt: epoch, rosterName: "名单.csv", itemIDs: ["12.2"], itemTitles: ["首次认定高企"], template: "outreach",
            format: "markdown", windowDays: 30, enterpriseCount: 2, notes: ["第3行：代码有误"],
            robots: [
                CampaignRobot(key: "wecom:k", platform: "wecom", url: "https://example.invalid/?key=k", secret: nil)
            ],
            deliveries: deliveries, skips: []))
}

/// Changes the file behind PolicyDesk's back, as a person with sqlite3 could.
private func tamper(_ path: String, _ sql: String) throws {
    let queue = try DatabaseQueue(path: path)
    try queue.write { try $0.execute(sql: sql) }
    try queue.close()
}

@Suite("Campaign rows read back whole, or fail naming the row")
struct CampaignRowTests {
    @Test("a campaign reads back as it was stored")
    func roundTrip() async throws {
        let store = try SQLiteStorage.inMemory()
        let id = try await storeTwoMessages(in: store)
        let campaign = try #require(try await store.campaign(id: id))
        #expect(campaign.notes == ["第3行：代码有误"])
        #expect(campaign.itemIDs == ["12.2"])
        let deliveries = try await store.deliveries(campaignID: id)
        #expect(deliveries.map(\.state) == [.planned, .planned])
        #expect(deliveries.map(\.items.first?.yuan) == [200_000, 200_000])
        #expect(deliveries.map(\.platform) == ["wecom", "wecom"])
    }

    @Test(
        "a state no version wrote, or a time that is not a number, is an error naming the table and the row",
        arguments: [
            (
                "UPDATE campaign_delivery SET state = 'bogus' WHERE seq = 2", "campaign_delivery",
                "unknown state \"bogus\""
            ),
            ("UPDATE campaign SET created_at = 'yesterday'", "campaign", "campaign"),
        ])
    func unreadable(sql: String, table: String, mention: String) async throws {
        try await withDatabasePath { path in
            let store = try SQLiteStorage(path: path)
            let id = try await storeTwoMessages(in: store)
            try store.close()
            try tamper(path, sql)
            let reopened = try SQLiteStorage(path: path)
            defer { try? reopened.close() }
            let error = await #expect(throws: StorageError.self) {
                if table == "campaign" {
                    _ = try await reopened.campaign(id: id)
                } else {
                    _ = try await reopened.deliveries(campaignID: id)
                }
            }
            guard case .unreadableRow(let file, let named, let rowID, let problem) = error else {
                Issue.record("expected an unreadable row, got \(String(describing: error))")
                return
            }
            #expect(file == path)
            #expect(named == table)
            #expect(!rowID.isEmpty && rowID != "?")
            #expect(problem.contains(mention) || named == mention, "\(problem)")
            #expect("\(error!)".contains("restore it from a backup"))
        }
    }

    @Test("a claim on a row with an unknown state is refused with the row named, and nothing is sent")
    func claimOnUnreadableRow() async throws {
        try await withDatabasePath { path in
            let store = try SQLiteStorage(path: path)
            let id = try await storeTwoMessages(in: store)
            let first = try #require(try await store.deliveries(campaignID: id).first)
            try store.close()
            try tamper(path, "UPDATE campaign_delivery SET state = 'sent' WHERE id = \(first.id)")
            let reopened = try SQLiteStorage(path: path)
            defer { try? reopened.close() }
            await #expect(throws: StorageError.self) {
                _ = try await reopened.claimSend(deliveryID: first.id, at: epoch, noRepeatSince: .distantPast)
            }
            let attempts = try await reopened.attempts(campaignID: id)
            #expect(attempts.isEmpty, "no attempt was opened")
        }
    }
}
