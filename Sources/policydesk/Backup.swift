import ArgumentParser
import Foundation
import PostgresStorage
import Server
import Storage

/// `policydesk backup FILE`: an online copy of the database, safe while the server runs.
struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the SQLite database to FILE while the server keeps running, and check the copy.",
        discussion: """
            Uses SQLite's online backup API: the copy is the database as of one moment, with every transaction \
            committed before it started, and passes PRAGMA integrity_check before it is kept. The copy is one \
            file (no -wal beside it). To restore: stop the server, copy the file over the database, remove the \
            database's stale -wal and -shm files, start the server.
            """)

    @Argument(help: "Where to write the copy.")
    var file: String

    @Flag(name: .long, help: "Replace FILE if it exists.")
    var force = false

    @Option(
        name: .long, help: "The database (default: $POLICYDESK_DB, or the one --config names, or policydesk.sqlite).")
    var db: String?

    @Option(name: .long, help: "The server's configuration file, to find its database.")
    var config: String?

    func run() throws {
        let source: String
        if let db {
            source = db
        } else if let config {
            do {
                source = try ServerConfiguration.load(file: config, environment: ProcessInfo.processInfo.environment)
                    .databasePath
            } catch {
                throw CommandFailure(description: error.description)
            }
        } else {
            source = ProcessInfo.processInfo.environment["POLICYDESK_DB"] ?? "policydesk.sqlite"
        }
        // A PostgreSQL URL may hold a password: it is never echoed, and pg_dump is the tool.
        if PostgresAddress.isPostgresURL(source) {
            throw CommandFailure(
                description: "The database is PostgreSQL; back it up with pg_dump (see docs/operations.md, "
                    + "\"PostgreSQL (several instances)\"). policydesk backup copies SQLite files only.")
        }
        let report: SQLiteBackup.Report
        do {
            report = try SQLiteBackup.copy(from: source, to: file, force: force)
        } catch {
            throw CommandFailure(description: "\(error)")
        }
        let milliseconds = report.elapsed / .milliseconds(1)
        let rows = report.rows.sorted { $0.key < $1.key }.filter { $0.key != "grdb_migrations" }
            .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        emit(
            "backed up \(source) to \(report.destination): \(report.pages) pages, \(report.bytes) bytes, "
                + "integrity ok, \(String(format: "%.0f", milliseconds)) ms")
        emit("rows: \(rows)")
    }
}
