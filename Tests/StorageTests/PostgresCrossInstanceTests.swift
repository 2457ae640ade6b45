import Foundation
import Logging
import PostgresStorage
import Storage
import Synchronization
import Testing

/// What several instances sharing one PostgreSQL database rely on, each instance played by a
/// store of its own (its own pool) on the same schema.
@Suite("PostgreSQL across instances", .enabled(if: TestPostgres.url != nil, TestPostgres.skipNote))
struct PostgresCrossInstanceTests {
    /// Runs `body` with two stores on one fresh, migrated schema.
    private func withTwoInstances(
        replyWait: Duration = .zero, _ body: (PostgresStorage, PostgresStorage) async throws -> Void
    ) async throws {
        let address = try TestPostgres.freshAddress()
        try await TestPostgres.withStorage(address: address, replyWait: replyWait) { first in
            let second = PostgresStorage(
                address: address, maximumConnections: 4, replyWait: replyWait,
                logger: TestPostgres.logger("test.postgres.b"))
            try await second.withRunning { try await body(first, second) }
        }
    }

    @Test("two instances migrating at once: one applies the migrations, the other waits and finds nothing to do")
    func concurrentMigration() async throws {
        let address = try TestPostgres.freshAddress()
        let stores = (0..<2).map { index in
            PostgresStorage(
                address: address, maximumConnections: 2, logger: TestPostgres.logger("test.postgres.\(index)"))
        }
        try await stores[0].withRunning {
            try await stores[1].withRunning {
                async let a = stores[0].migrate()
                async let b = stores[1].migrate()
                let applied = try await [a, b].sorted { $0.count < $1.count }
                #expect(applied[0] == [])
                #expect(applied[1] == ["v1", "v2-staff-accounts", "v3-campaigns"])
                #expect(try await stores[0].appliedMigrations() == ["v1", "v2-staff-accounts", "v3-campaigns"])
                try await stores[0].dropSchema()
            }
        }
    }

    @Test("a database migrated by a newer version is refused, naming the unknown migration")
    func newerSchemaRefused() async throws {
        let address = try TestPostgres.freshAddress()
        try await TestPostgres.withStorage(address: address) { store in
            try await store.execute("INSERT INTO schema_migration (name, applied_at) VALUES ('v99-later', 0)")
            await #expect(throws: StorageError.newerSchema(path: address.description, unknownMigrations: ["v99-later"]))
            {
                try await store.migrate()
            }
        }
    }

    @Test("of many concurrent claims of one message id over two instances exactly one is new")
    func oneClaimWinsAcrossInstances() async throws {
        try await withTwoInstances { first, second in
            let outcomes = try await withThrowingTaskGroup(of: DedupeClaim.self) { group in
                for index in 0..<16 {
                    let store = index.isMultiple(of: 2) ? first : second
                    group.addTask { try await store.claim(key: "wecom:msg:42", now: epoch, ttl: .seconds(60)) }
                }
                return try await group.reduce(into: [DedupeClaim]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .new }.count == 1)
            #expect(outcomes.filter { $0 == .duplicate(storedReply: nil) }.count == 15)
        }
    }

    @Test("a delivery that loses the claim on the other instance waits for the winner's reply instead of computing one")
    func loserWaitsForWinnersReply() async throws {
        try await withTwoInstances(replyWait: .seconds(3)) { first, second in
            #expect(try await first.claim(key: "dingtalk:msg:7", now: epoch, ttl: .seconds(60)) == .new)
            async let retry = second.claim(key: "dingtalk:msg:7", now: epoch + 1, ttl: .seconds(60))
            try await Task.sleep(for: .milliseconds(200))
            try await first.recordReply(key: "dingtalk:msg:7", reply: "高企认定奖励20万元。")
            #expect(try await retry == .duplicate(storedReply: "高企认定奖励20万元。"))
        }
    }

    @Test(
        "a claim whose instance died before replying is taken over by a retry after 4 s, never sooner, and a replied one never"
    )
    func abandonedClaimTakenOver() async throws {
        try await withTwoInstances { first, second in
            let t0 = Date(timeIntervalSince1970: 1_765_000_000)
            let ttl = Duration.seconds(600)
            // The first instance claims and dies before it records a reply.
            #expect(try await first.claim(key: "wecom:msg:dead", now: t0, ttl: ttl) == .new)
            #expect(
                try await second.claim(key: "wecom:msg:dead", now: t0.addingTimeInterval(1), ttl: ttl)
                    == .duplicate(storedReply: nil), "a second after, the first may still be answering")
            #expect(
                try await second.claim(key: "wecom:msg:dead", now: t0.addingTimeInterval(5), ttl: ttl) == .new,
                "the platform's retry 5 s later is answered")
            #expect(
                try await first.claim(key: "wecom:msg:dead", now: t0.addingTimeInterval(6), ttl: ttl)
                    == .duplicate(storedReply: nil), "the new claim is fresh again")

            #expect(try await first.claim(key: "wecom:msg:answered", now: t0, ttl: ttl) == .new)
            try await first.recordReply(key: "wecom:msg:answered", reply: "20万元")
            #expect(
                try await second.claim(key: "wecom:msg:answered", now: t0.addingTimeInterval(30), ttl: ttl)
                    == .duplicate(storedReply: "20万元"), "an answered message is never answered again")
        }
    }

    @Test("a conversation saved through one instance is loaded by the other, and deleted for both")
    func conversationAcrossInstances() async throws {
        try await withTwoInstances { first, second in
            let value = Data(#"{"pending":"gaoqi-award"}"#.utf8)
            try await first.save(key: "wecom|chat|u1", value: value, expiresAt: epoch + 600)
            #expect(try await second.load(key: "wecom|chat|u1", now: epoch + 1) == value)
            try await second.delete(key: "wecom|chat|u1")
            #expect(try await first.load(key: "wecom|chat|u1", now: epoch + 2) == nil)
        }
    }

    @Test("an Intents edit published through one instance is announced to the other and read back whole")
    func intentsEditAnnounced() async throws {
        try await withTwoInstances { first, second in
            let announced = Tally()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await second.watchIntents { announced.add() } }
                // LISTEN is in place once an edit made after it is heard; publish until one is.
                var heard = false
                var basedOn: Int64?
                for attempt in 0..<20 where !heard {
                    let entry = AuditEntry(
                        who: "editor", at: epoch, action: "set text", target: "item:a/text", after: "\(attempt)")
                    let published = try await first.publishIntentsEdit(
                        file: "clauses/01.yaml", text: "text \(attempt)", basedOn: basedOn, audit: entry)
                    basedOn = published.revision
                    for _ in 0..<25 where !heard {
                        try await Task.sleep(for: .milliseconds(20))
                        heard = announced.count > 0
                    }
                }
                group.cancelAll()
                #expect(heard)
                let overrides = try await second.intentsOverrides()
                #expect(overrides.revision == basedOn)
                #expect(overrides.files["clauses/01.yaml"]?.hasPrefix("text ") == true)
                #expect(try await second.intentsRevision() == basedOn)
            }
        }
    }

    @Test("an edit based on a revision another instance has replaced is refused and changes nothing")
    func staleIntentsEditRefused() async throws {
        try await withTwoInstances { first, second in
            let entry = AuditEntry(who: "editor", at: epoch, action: "set text", target: "item:a/text")
            let published = try await first.publishIntentsEdit(
                file: "clauses/01.yaml", text: "A", basedOn: nil, audit: entry)
            await #expect(throws: IntentsEditConflict(file: "clauses/01.yaml")) {
                try await second.publishIntentsEdit(file: "clauses/01.yaml", text: "B", basedOn: nil, audit: entry)
            }
            #expect(try await second.intentsOverrides().files == ["clauses/01.yaml": "A"])
            #expect(try await second.list(limit: 10, offset: 0).map(\.id) == [published.auditID])
        }
    }
}

/// A visible line in the test report when the PostgreSQL cases do not run.
@Suite("PostgreSQL cases")
struct PostgresSkipNote {
    @Test(
        "run only when POLICYDESK_TEST_POSTGRES_URL names a test database",
        .disabled(if: TestPostgres.url == nil, TestPostgres.skipNote))
    func enabled() {
        #expect(TestPostgres.url != nil)
    }
}

/// A count that concurrent callbacks raise.
final class Tally: Sendable {
    private let value = Mutex(0)
    var count: Int { value.withLock { $0 } }
    func add() { value.withLock { $0 += 1 } }
}

/// How a `postgres://` URL is read; needs no database.
@Suite("PostgreSQL address")
struct PostgresAddressTests {
    @Test("the address hides the password in everything it prints")
    func passwordHidden() throws {
        let address = try PostgresAddress(url: "postgres://desk:s3cret-pw@db.example:6543/policy?sslmode=disable")
        #expect(address.description == "postgres://desk:***@db.example:6543/policy")
        #expect(address.password == "s3cret-pw")
        #expect(address.port == 6543)
        #expect(throws: PostgresStorageError.self) {
            try PostgresAddress(url: "postgres://desk:pw@db.example:99999/policy")
        }
        do {
            _ = try PostgresAddress(url: "postgres://desk:s3cret-pw@db.example:0/policy")
        } catch {
            #expect(!error.description.contains("s3cret-pw"))
        }
    }

    @Test("a unix socket folder and a schema are read from the query, and a bad schema name is refused")
    func socketAndSchema() throws {
        let address = try PostgresAddress(url: "postgres://desk@/policy?host=/run/postgresql&schema=district_a")
        #expect(address.host == "/run/postgresql")
        #expect(address.schema == "district_a")
        #expect(address.description == "postgres://desk@/policy?host=/run/postgresql&schema=district_a")
        #expect(throws: PostgresStorageError.self) {
            try PostgresAddress(url: "postgres://desk@db/policy?schema=a;drop")
        }
        #expect(throws: PostgresStorageError.self) { try PostgresAddress(url: "postgres://desk@db/") }
        #expect(!PostgresAddress.isPostgresURL("/var/lib/policydesk/policydesk.sqlite"))
    }
}
