import Foundation
import Logging
import PostgresNIO
public import Storage

extension PostgresStorage: SharedIntentsStore {
    /// Serializes edits of `Intents/` across instances for the length of one transaction.
    static let intentsLockKey: Int64 = 0x506F_6C44_6573_6B03

    /// The channel edits are announced on; one per schema, so deployments sharing a database
    /// hear only their own.
    var intentsChannel: String { "policydesk_intents" + (address.schema.map { "_\($0)" } ?? "") }

    public func intentsOverrides() async throws -> IntentsOverrides {
        var overrides = IntentsOverrides()
        for row in try await rows("read the edited Intents files", "SELECT name, text, revision FROM intents_file") {
            let (name, text, revision) = try row.decode((String, String, Int64).self)
            overrides.files[name] = text
            overrides.fileRevisions[name] = revision
            overrides.revision = max(overrides.revision, revision)
        }
        return overrides
    }

    public func intentsRevision() async throws -> Int64 {
        try await rows("read the Intents revision", "SELECT COALESCE(max(revision), 0)::bigint FROM intents_file")
            .first.map { try $0.decode(Int64.self) } ?? 0
    }

    public func publishIntentsEdit(file name: String, text: String, basedOn: Int64?, audit: AuditEntry) async throws
        -> (auditID: Int64, revision: Int64)
    {
        let logger = logger
        let channel = intentsChannel
        return try await withTransaction("store the edit of Intents/\(name)") { connection in
            func one<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type) async throws -> T? {
                try await connection.query(query, logger: logger).collect().first.map { try $0.decode(T.self) }
            }
            _ = try await connection.query("SELECT pg_advisory_xact_lock(\(Self.intentsLockKey))", logger: logger)
                .collect()
            let current = try await one("SELECT revision FROM intents_file WHERE name = \(name)", as: Int64.self)
            guard current == basedOn else { throw IntentsEditConflict(file: name) }
            guard let revision = try await one("SELECT nextval('intents_revision')", as: Int64.self) else {
                throw IntentsEditConflict(file: name)
            }
            _ = try await connection.query(
                """
                INSERT INTO intents_file (name, text, revision) VALUES (\(name), \(text), \(revision))
                ON CONFLICT (name) DO UPDATE SET text = excluded.text, revision = excluded.revision
                """, logger: logger
            ).collect()
            let auditID = try await Self.append(audit, on: connection, logger: logger)
            // Delivered to every listener when the transaction commits, and only then.
            _ = try await connection.query("SELECT pg_notify(\(channel), \(String(revision)))", logger: logger)
                .collect()
            return (auditID, revision)
        }
    }

    public func watchIntents(_ changed: @escaping @Sendable () async -> Void) async throws {
        let logger = logger
        let channel = intentsChannel
        let address = address
        do {
            // A connection of the pool's own, held for as long as the watch lasts.
            try await client.withConnection { connection in
                try await connection.listen(on: channel) { notifications in
                    for try await _ in notifications {
                        await changed()
                    }
                }
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            logger.debug("stopped listening for Intents edits", metadata: ["error": "\(Self.reason(error))"])
            throw StorageError.operationFailed(
                path: address.description, operation: "listen for Intents edits", reason: Self.reason(error))
        }
    }
}
