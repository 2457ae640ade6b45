import Channels
import Desk
import Dispatch
import Foundation
import Outreach
import PolicyKit
import Storage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The repository and what the tests read from it, found relative to this file.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // OutreachTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // the repository
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let fakePlatform = root.appendingPathComponent("scripts/fake_robot_platform.py")

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
        value.contains(",") || value.contains("\"") || value.contains("\n")
            ? "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : value
    }
}

/// A roster of one enterprise per row, parsed; fails the test on any roster problem.
func roster(_ builder: RosterBuilder) throws -> Roster {
    try Roster.parse(builder.data)
}

/// The secrets the fake platform expects (it derives them from the robot's key); treated as
/// secrets by the assertions that nothing prints them.
enum FakeSecrets {
    /// DingTalk's signing secret for access token `token`.
    static func dingTalk(_ token: String) -> String { "SEC" + token }
    /// Feishu's signing secret for hook `hook`.
    static func feishu(_ hook: String) -> String { "fs-" + hook }
}

/// One request as the fake platform logged it.
struct FakeRequest: Decodable, Sendable {
    let seq: Int
    /// Real arrival time.
    let t: Double
    /// Arrival time on the fake's (possibly sped-up) clock.
    let vt: Double
    let platform: String
    /// `platform:key`.
    let robot: String
    let status: Int
    let code: Int?
    let accepted: Bool
    /// Whether the request crossed the robot's documented limit.
    let violation: Bool
    let signed: Bool
    /// Whether a Feishu request arrived in the first 30 s after :00 or :30.
    let quiet: Bool
    let text: String?

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

/// The Python fake platform (scripts/fake_robot_platform.py) on 127.0.0.1 for the duration of a test.
struct FakeRobotPlatform: Sendable {
    /// `http://127.0.0.1:PORT`.
    let baseURL: String
    private let log: URL

    /// Runs `body` with a fresh fake and stops the fake afterwards, even on failure.
    static func with<T>(
        scale: Double = 1, latency: ClosedRange<Int> = 0...0, chaos5xx: Double = 0,
        _ body: (FakeRobotPlatform) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fake-robots-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("requests.jsonl")
        try Data().write(to: log)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-u", Repository.fakePlatform.path, log.path, "--scale", "\(scale)", "--latency-ms",
            "\(latency.lowerBound)-\(latency.upperBound)", "--chaos-5xx", "\(chaos5xx)", "--seed", "7",
        ]
        let output = Pipe()
        // The fake exits when this pipe closes, so it cannot outlive a crashed test run.
        let lifeline = Pipe()
        process.standardInput = lifeline
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        let outcome: Result<T, any Error>
        do {
            let port = try await readLine(output.fileHandleForReading)
            guard let port = Int(port) else { throw FakePlatformError.didNotStart(port) }
            outcome = .success(try await body(FakeRobotPlatform(baseURL: "http://127.0.0.1:\(port)", log: log)))
        } catch {
            outcome = .failure(error)
        }
        try? lifeline.fileHandleForWriting.close()
        kill(process.processIdentifier, SIGKILL)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume()
            }
        }
        return try outcome.get()
    }

    private static func readLine(_ handle: FileHandle) async throws -> String {
        await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            DispatchQueue.global().async {
                var collected = Data()
                while !collected.contains(UInt8(ascii: "\n")) {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    collected.append(chunk)
                }
                continuation.resume(
                    returning: String(decoding: collected, as: UTF8.self).trimmingCharacters(
                        in: .whitespacesAndNewlines))
            }
        }
    }

    /// A WeCom robot's webhook on the fake.
    func weCom(_ key: String) -> String { "\(baseURL)/cgi-bin/webhook/send?key=\(key)" }
    /// A DingTalk robot's webhook on the fake.
    func dingTalk(_ token: String) -> String { "\(baseURL)/robot/send?access_token=\(token)" }
    /// A Feishu robot's webhook on the fake.
    func feishu(_ hook: String) -> String { "\(baseURL)/open-apis/bot/v2/hook/\(hook)" }

    /// Every request so far, in arrival order.
    func requests() throws -> [FakeRequest] {
        let text = try String(contentsOf: log, encoding: .utf8)
        let decoder = JSONDecoder()
        return try text.split(separator: "\n").map { try decoder.decode(FakeRequest.self, from: Data($0.utf8)) }
            .sorted { $0.seq < $1.seq }
    }

    /// Makes the robot's next requests get these answers (`status`, `body`, `delay_ms`).
    func script(robot: String, _ responses: [[String: any Sendable]]) async throws {
        let body = try JSONSerialization.data(withJSONObject: ["robot": robot, "responses": responses])
        let response = try await CurlTransport().send(.postJSON(url: baseURL + "/__control/script", body: body))
        guard response.status == 200 else { throw FakePlatformError.controlFailed(response.status) }
    }
}

/// Failures of the fake itself, as opposed to the code under test.
enum FakePlatformError: Error, CustomStringConvertible {
    case didNotStart(String)
    case controlFailed(Int)

    var description: String {
        switch self {
        case .didNotStart(let output): "the fake platform (python3) did not start: \(output)"
        case .controlFailed(let status): "the fake platform's control endpoint answered HTTP \(status)"
        }
    }
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
func closedPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
        }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Plans and stores a campaign of `builder`'s roster for `items`; returns its id.
func storeCampaign(
    _ builder: RosterBuilder, items: [String], in store: SQLiteStorage, windowDays: Int = 30, now: Date = Date(),
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
