import ArgumentParser
import CMalloc
import Channels
import Desk
import Foundation
import Hummingbird
import Logging
import OutreachModel
import PolicyKit
import PostgresStorage
import Server
import Storage

/// `policydesk serve`: the webhook and JSON API server.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the HTTP server (webhooks, /v1/ask, /metrics, admin API).")

    @Option(name: .long, help: "A YAML configuration file; the environment wins over it.")
    var config: String?

    @Option(name: .long, help: "Address to listen on (default $POLICYDESK_HOST or 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port to listen on (default $POLICYDESK_PORT or 8080).")
    var port: Int?

    @Flag(
        name: .long,
        help: "Serve a draft knowledge base (rules still marked review: true); every answer says it is a draft.")
    var allowDraft = false

    func run() async throws {
        Self.keepMemoryFlat()
        LoggingSystem.bootstrap { label in LineLogHandler(label: label) }
        var configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.load(file: config, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw CommandFailure(description: error.description)
        }
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        if allowDraft { configuration.allowDraft = true }
        var logger = Logger(label: "policydesk")
        logger.logLevel = configuration.logLevel
        // Before the database is opened: a second server on the same files stops here.
        let pidFile: PidFile
        do {
            pidFile = try PidFile.claim(path: configuration.pidFilePath)
        } catch {
            throw CommandFailure(description: error.description)
        }
        defer { pidFile.remove() }
        if let limit = DescriptorLimit.raiseToHard() {
            // Keep room for the database, the log and outbound calls beside the connections.
            let usable = Int(min(limit.soft, UInt64(Int.max))) - 64
            if usable < configuration.maxConnections {
                configuration.maxConnections = max(usable, 16)
            }
            logger.notice(
                "descriptor limit",
                metadata: [
                    "nofile.soft": "\(limit.soft)", "nofile.hard": "\(limit.hard)",
                    "max_connections": "\(configuration.maxConnections)",
                ])
        }
        if configuration.usesPostgres {
            try await Self.serveOnPostgres(configuration: configuration, pidFile: pidFile, logger: logger)
        } else {
            try await Self.serveOnSQLite(configuration: configuration, pidFile: pidFile, logger: logger)
        }
    }

    /// One process on an SQLite file: the default for one district.
    private static func serveOnSQLite(configuration: ServerConfiguration, pidFile: PidFile, logger: Logger) async throws
    {
        // A second server on the same file stops here, whatever pid file it was given.
        let lock: DatabaseLock
        do {
            lock = try DatabaseLock.acquire(databasePath: configuration.databasePath)
        } catch {
            throw CommandFailure(description: error.description)
        }
        defer { lock.release() }
        let store: SQLiteStorage
        do {
            store = try SQLiteStorage(path: configuration.databasePath, missLimits: configuration.missLimits)
            try await store.checkAtStart()
        } catch {
            throw CommandFailure(description: "\(error)")
        }
        store.reportQueuedWriteFailures { [logger] error in
            logger.error("could not store a question for review", metadata: ["error": "\(error)"])
        }
        var dependencies = ServerDependencies(store: store, transport: CurlTransport(), campaigns: store)
        // The staff page sends campaigns under the same run lock as `policydesk campaign run`.
        let databasePath = configuration.databasePath
        dependencies.takeCampaignRunLock = { () throws(CampaignRunLockError) in
            try FileCampaignRunLock.acquire(databasePath: databasePath)
        }
        let built = try Self.build(configuration: configuration, dependencies: dependencies, logger: logger)
        logStart(
            configuration: configuration, database: configuration.databasePath, pidFile: pidFile,
            knowledge: built.parts.desks.desk.knowledge, logger: logger)
        try await built.application.runService()
        try? store.close()
    }

    /// Several instances behind one address on one PostgreSQL database (see the README).
    private static func serveOnPostgres(configuration: ServerConfiguration, pidFile: PidFile, logger: Logger)
        async throws
    {
        let address: PostgresAddress
        do {
            address = try PostgresAddress(url: configuration.databasePath)
        } catch {
            throw CommandFailure(description: error.description)
        }
        var storeLogger = Logger(label: "policydesk.postgres")
        storeLogger.logLevel = max(configuration.logLevel, .notice)
        let store = PostgresStorage(address: address, missLimits: configuration.missLimits, logger: storeLogger)
        try await store.withRunning {
            let started = ContinuousClock.now
            do {
                try await store.checkAtStart()
            } catch {
                throw CommandFailure(description: "\(error)")
            }
            let elapsed = ContinuousClock.now - started
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            logger.notice(
                "database ready",
                metadata: [
                    "db": "\(address)", "check_ms": "\(Int(milliseconds.rounded()))",
                ])
            var dependencies = ServerDependencies(store: store, transport: CurlTransport(), campaigns: store)
            dependencies.sharedIntents = store
            // One campaign sends at a time across every instance and the command line.
            dependencies.takeCampaignRunLock = { [storeLogger] () async throws(CampaignRunLockError) in
                try await PostgresCampaignRunLock.acquire(address: address, logger: storeLogger)
            }
            let built = try Self.build(configuration: configuration, dependencies: dependencies, logger: logger)
            logStart(
                configuration: configuration, database: address.description, pidFile: pidFile,
                knowledge: built.parts.desks.desk.knowledge, logger: logger)
            try await built.application.runService()
        }
    }

    private static func logStart(
        configuration: ServerConfiguration, database: String, pidFile: PidFile, knowledge: KnowledgeBase, logger: Logger
    ) {
        let platforms = [
            configuration.wecom != nil ? "wecom" : nil, configuration.dingTalkAppSecret != nil ? "dingtalk" : nil,
            configuration.feishu != nil ? "feishu" : nil,
        ].compactMap { $0 }
        logger.notice(
            "starting",
            metadata: [
                "address": "\(configuration.host):\(configuration.port)", "db": "\(database)",
                "platforms": "\(platforms.isEmpty ? "none" : platforms.joined(separator: ","))",
                "pid": "\(pidFile.pid)", "pid_file": "\(pidFile.path)", "items": "\(knowledge.policy.items.count)",
                "draft": "\(knowledge.isDraft)",
            ])
    }

    /// Under load the server's memory climbed in 4 MB steps for as long as it ran, though every
    /// table it keeps is bounded. Two glibc habits: it raises its mmap threshold whenever a large
    /// block is freed, after which blocks of that size come from heaps seldom given back (the
    /// bounded tables drop and regrow their storage now and then); and it gives each busy thread
    /// an arena of its own, up to eight per core, each keeping its free memory. A fixed threshold
    /// sends large blocks back to the system when freed, and two arenas are enough for a
    /// server whose threads are two event loops, two for tasks and the database's writer.
    private static func keepMemoryFlat() {
        #if os(Linux)
            _ = mallopt(M_MMAP_THRESHOLD, 128 * 1024)
            _ = mallopt(M_ARENA_MAX, 2)
        #endif
    }

    private static func build(
        configuration: ServerConfiguration, dependencies: ServerDependencies, logger: Logger
    ) throws -> (application: some ApplicationProtocol, parts: ServerParts) {
        do {
            return try buildApplication(configuration: configuration, dependencies: dependencies, logger: logger)
        } catch {
            throw CommandFailure(description: "\(error)")
        }
    }
}
