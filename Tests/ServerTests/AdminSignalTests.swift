import Channels
import Foundation
import TestSupport
import Testing

@testable import Server

/// SIGHUP makes a running `policydesk serve` reload its files: tried on a real process, since a
/// signal sent to the test process would reach every application the other tests are running.
@Suite("Admin: SIGHUP reloads a running server")
struct AdminSignalTests {
    /// The command the tests start: `POLICYDESK_BIN` when set (scripts/sanitize.sh names the
    /// sanitized build), else the one built beside the test bundle (whatever the build folder),
    /// else the default debug build. `swift build --build-tests`, which the test script runs,
    /// builds it.
    static var binary: URL? {
        let named = ProcessInfo.processInfo.environment["POLICYDESK_BIN"].flatMap {
            $0.isEmpty ? nil : URL(fileURLWithPath: $0)
        }
        let besideTests = Bundle.main.executableURL?.deletingLastPathComponent().appendingPathComponent("policydesk")
        let candidates = [named, besideTests, Repository.root.appendingPathComponent(".build/debug/policydesk")]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// The command, or a failed test that says how to build it: never a silent skip.
    static func requireBinary() throws -> URL {
        try #require(binary, "policydesk is not built beside the tests: run `swift build --build-tests` first")
    }

    /// A `policydesk serve` process on a copy of the knowledge base.
    struct ServeProcess: Sendable {
        let process: Process
        let port: Int
        let log: URL
        let transport = CurlTransport()

        /// Starts the server on a free-looking port and waits until `/healthz` answers.
        static func start(_ copy: KnowledgeCopy) async throws -> ServeProcess {
            let binary = try AdminSignalTests.requireBinary()
            for _ in 0..<5 {
                let port = Int.random(in: 20_000...60_000)
                let log = copy.root.appendingPathComponent("server-\(port).log")
                _ = FileManager.default.createFile(atPath: log.path, contents: nil)
                let handle = try FileHandle(forWritingTo: log)
                let process = Process()
                process.executableURL = binary
                process.arguments = ["serve"]
                process.currentDirectoryURL = copy.root
                process.environment = environment(copy, port: port)
                process.standardOutput = handle
                process.standardError = handle
                try process.run()
                let server = ServeProcess(process: process, port: port, log: log)
                let up = await eventually(timeout: .seconds(30)) {
                    guard process.isRunning else { return true }
                    return (try? await server.get("/healthz").status) == 200
                }
                if up && process.isRunning { return server }
                server.stop()
            }
            Issue.record("policydesk serve did not start")
            throw CancellationError()
        }

        /// The environment the server runs with; `reload` and a second `serve` use the same.
        static func environment(_ copy: KnowledgeCopy, port: Int) -> [String: String] {
            let inherited = ProcessInfo.processInfo.environment
            var environment = [
                "PATH": inherited["PATH"] ?? "/usr/bin:/bin",
                "POLICYDESK_HOST": "127.0.0.1", "POLICYDESK_PORT": String(port),
                "POLICYDESK_INTENTS": copy.intents.path, "POLICYDESK_TEMPLATES": copy.templates.path,
                "POLICYDESK_DB": copy.root.appendingPathComponent("policydesk.sqlite").path,
                "POLICYDESK_ADMIN_TOKEN": AdminTest.token,
            ]
            // A sanitized build reports into the files its options name (scripts/sanitize.sh).
            for name in ["ASAN_OPTIONS", "TSAN_OPTIONS", "UBSAN_OPTIONS"] {
                environment[name] = inherited[name]
            }
            return environment
        }

        func get(_ path: String) async throws -> OutboundResponse {
            try await transport.send(
                OutboundRequest(method: .get, url: "http://127.0.0.1:\(port)\(path)", timeout: .seconds(5)))
        }

        /// `POST /v1/ask` as JSON.
        func ask(_ text: String) async throws -> [String: Any] {
            let body = try JSONSerialization.data(withJSONObject: ["text": text])
            let response = try await transport.send(.postJSON(url: "http://127.0.0.1:\(port)/v1/ask", body: body))
            #expect(response.status == 200)
            return (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
        }

        /// Sends the process SIGHUP.
        func hangUp() { kill(process.processIdentifier, SIGHUP) }

        /// Stops the process (SIGTERM, then waits for it).
        func stop() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }

        var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
    }

    @Test(
        .timeLimit(TestTime.minutes(2)))
    func hangupReloadsAndABrokenFileKeepsTheOldSnapshot() async throws {
        let copy = try KnowledgeCopy()
        defer { copy.remove() }
        let server = try await ServeProcess.start(copy)
        defer { server.stop() }

        let question = "刚拿到高企证书能领多少"
        #expect(try await server.ask(question)["confidence"] as? Double != 1)

        // Edited by hand, saved atomically as an editor would; picked up on SIGHUP.
        let original = try copy.text("clauses/12.yaml")
        let edited = original.replacingOccurrences(
            of: "      - 首次认定高企奖补找哪个局\n", with: "      - 首次认定高企奖补找哪个局\n      - \(question)\n")
        try IntentsAdmin.writeAtomically(edited, to: copy.url("clauses/12.yaml"))
        server.hangUp()
        let reloaded = await eventually(timeout: .seconds(15)) {
            let answer = try? await server.ask(question)
            return answer?["item"] as? String == "12.2" && answer?["confidence"] as? Double == 1
        }
        #expect(reloaded, "SIGHUP did not reload: \(server.logText)")

        // A broken file: SIGHUP is refused, logged with the problem, and the old snapshot serves.
        try IntentsAdmin.writeAtomically(
            edited.replacingOccurrences(of: "  - id: \"12.2\"\n", with: "  - id: \"12.2\n"),
            to: copy.url("clauses/12.yaml"))
        server.hangUp()
        let logged = await eventually(timeout: .seconds(15)) { server.logText.contains("reload refused") }
        #expect(logged, "\(server.logText)")
        #expect(server.logText.contains("clauses/12.yaml:"))
        #expect(server.process.isRunning)
        let answer = try await server.ask(question)
        #expect(answer["item"] as? String == "12.2")
        #expect(answer["confidence"] as? Double == 1)
    }

    /// Runs the command to its end with `environment`; returns its exit status and output.
    static func command(_ arguments: [String], environment: [String: String], in directory: URL) throws -> (
        Int32, String
    ) {
        let process = Process()
        process.executableURL = try Self.requireBinary()
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The pid file: written at start, refusing a second server on the same database, read by
    /// `policydesk reload` (which signals that process only), and removed on a graceful stop.
    @Test(
        .timeLimit(TestTime.minutes(2)))
    func pidFileAndReloadCommand() async throws {
        let copy = try KnowledgeCopy()
        defer { copy.remove() }
        let server = try await ServeProcess.start(copy)
        defer { server.stop() }
        let environment = ServeProcess.environment(copy, port: server.port)
        let pidFile = copy.root.appendingPathComponent("policydesk.pid")
        #expect(try String(contentsOf: pidFile, encoding: .utf8) == "\(server.process.processIdentifier)\n")

        // A second server on the same database stops before opening it.
        var second = environment
        second["POLICYDESK_PORT"] = String(server.port == 60_999 ? 60_998 : server.port + 1)
        let (refused, refusal) = try Self.command(["serve"], environment: second, in: copy.root)
        #expect(refused != 0)
        #expect(refusal.contains("another policydesk server (pid \(server.process.processIdentifier))"), "\(refusal)")
        #expect(server.process.isRunning)

        // `policydesk reload` makes this server reload.
        let question = "刚拿到高企证书能领多少"
        let original = try copy.text("clauses/12.yaml")
        try IntentsAdmin.writeAtomically(
            original.replacingOccurrences(
                of: "      - 首次认定高企奖补找哪个局\n", with: "      - 首次认定高企奖补找哪个局\n      - \(question)\n"),
            to: copy.url("clauses/12.yaml"))
        let (status, said) = try Self.command(["reload"], environment: environment, in: copy.root)
        #expect(status == 0, "\(said)")
        #expect(said.contains("sent SIGHUP to policydesk (pid \(server.process.processIdentifier))"))
        let reloaded = await eventually(timeout: .seconds(15)) {
            let answer = try? await server.ask(question)
            return answer?["item"] as? String == "12.2" && answer?["confidence"] as? Double == 1
        }
        #expect(reloaded, "policydesk reload did not reload: \(server.logText)")

        // A graceful stop removes the file; reload then says there is no server.
        server.stop()
        #expect(!FileManager.default.fileExists(atPath: pidFile.path))
        let (failed, message) = try Self.command(["reload"], environment: environment, in: copy.root)
        #expect(failed != 0)
        #expect(message.contains("no pid file at \(pidFile.path)"), "\(message)")
    }
}
