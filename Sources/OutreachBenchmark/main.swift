import Channels
import Desk
import Dispatch
import Foundation
import Outreach
import OutreachModel
import PolicyKit
import Storage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Measures the two figures the campaign issue asks for, in a release build:
//   1. planning a campaign of 10,000 enterprises (read the roster, decide eligibility, render
//      every message, store it), which must take under a second;
//   2. sending 10,000 messages over 500 robots to the local fake platform, compared with the
//      least time the robots' limits allow, so that what is left is the runner's own overhead.
// Usage: OutreachBenchmark [REPOSITORY] [ENTERPRISES] [ROBOTS]

let arguments = CommandLine.arguments
let root = URL(fileURLWithPath: arguments.count > 1 ? arguments[1] : ".")
let enterpriseCount = arguments.count > 2 ? Int(arguments[2]) ?? 10_000 : 10_000
let robotCount = arguments.count > 3 ? Int(arguments[3]) ?? 500 : 500

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(1)
}

func seconds(_ duration: Duration) -> Double {
    duration / .seconds(1)
}

/// A roster of `count` enterprises over `robots` robots (WeCom, DingTalk and Feishu in turn), each
/// a first-time 高企 and every third a 小巨人 with patents, so every message has one to three items.
func rosterCSV(count: Int, robots: Int, baseURL: String) -> Data {
    var text = "企业名称,统一社会信用代码,规模,平台,机器人地址,机器人密钥,发明专利件数,产业化专利件数,首次认定高企,小巨人\n"
    text.reserveCapacity(count * 200)
    let alphabet = CreditCode.alphabet
    for i in 0..<count {
        var serial = i + 1
        var digits = ""
        for _ in 0..<7 {
            digits = String(alphabet[serial % 31]) + digits
            serial /= 31
        }
        let code = CreditCode.completing("91150602MA" + digits)
        let robot = i % robots
        let (platform, url, secret): (String, String, String) =
            switch robot % 3 {
            case 0: ("企业微信", "\(baseURL)/cgi-bin/webhook/send?key=wk\(robot)", "")
            case 1: ("钉钉", "\(baseURL)/robot/send?access_token=dt\(robot)", "SECdt\(robot)")
            default: ("飞书", "\(baseURL)/open-apis/bot/v2/hook/fh\(robot)", "fs-fh\(robot)")
            }
        let giant = i % 3 == 0
        text += "基准测试企业\(i),\(code),\(i % 2 == 0 ? "规上" : "规下"),\(platform),\(url),\(secret),"
        text += "\(giant ? "4" : ""),\(giant ? "1" : ""),是,\(giant ? "是" : "否")\n"
    }
    return Data(text.utf8)
}

/// An answer at once, without a network: isolates the runner's and the database's own cost.
struct InstantTransport: HTTPTransport {
    func send(_ request: OutboundRequest) async throws(TransportError) -> OutboundResponse {
        let body =
            request.url.contains("/open-apis/") ? #"{"code":0,"msg":"success"}"# : #"{"errcode":0,"errmsg":"ok"}"#
        return OutboundResponse(status: 200, body: Data(body.utf8))
    }
}

/// The fake platform in a child process; killed when the benchmark ends.
final class FakePlatform {
    let process = Process()
    let lifeline = Pipe()
    let port: Int
    let log: URL

    init(root: URL, directory: URL) {
        log = directory.appendingPathComponent("requests.jsonl")
        _ = FileManager.default.createFile(atPath: log.path, contents: Data())
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-u", root.appendingPathComponent("scripts/fake_robot_platform.py").path, log.path,
        ]
        process.standardInput = lifeline
        process.standardOutput = output
        do { try process.run() } catch { fail("cannot start the fake platform: \(error)") }
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            fail("the fake platform did not start (is python3 installed?)")
        }
        self.port = port
    }

    func stop() {
        try? lifeline.fileHandleForWriting.close()
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// The least time the limits allow: each robot's throttle run with sends that take no time.
func minimumAllowed(_ plan: CampaignPlan, start: Date) -> TimeInterval {
    var queues: [String: (Platform, Int)] = [:]
    for message in plan.messages {
        let robot = message.enterprise.robot
        queues[robot.key, default: (robot.platform, 0)].1 += 1
    }
    var longest: TimeInterval = 0
    for (platform, count) in queues.values {
        var throttle = RobotThrottle(limits: .of(platform))
        var clock = start
        for _ in 0..<count {
            clock = throttle.earliestSend(at: clock)
            throttle.recordSend(at: clock)
        }
        longest = max(longest, clock.timeIntervalSince(start))
    }
    return longest
}

let knowledge: KnowledgeBase
do {
    knowledge = try KnowledgeBaseLoader(
        intents: root.appendingPathComponent("Intents"), templates: root.appendingPathComponent("Templates")
    ).load()
} catch {
    fail(error.description)
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("outreach-benchmark-\(getpid())")
try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let fake = FakePlatform(root: root, directory: directory)
defer { fake.stop() }
let csv = rosterCSV(count: enterpriseCount, robots: robotCount, baseURL: "http://127.0.0.1:\(fake.port)")
let planner = CampaignPlanner(knowledge: knowledge)
let clock = ContinuousClock()

// 1. Planning.
print("Planning \(enterpriseCount) enterprises over \(robotCount) robots (roster \(csv.count / 1024) KB), 5 rounds:")
var rounds: [(parse: Double, plan: Double, store: Double)] = []
var lastPlan: CampaignPlan?
var campaignID: Int64 = 0
var runStore: SQLiteStorage?
for round in 0..<5 {
    let database = directory.appendingPathComponent("plan-\(round).sqlite").path
    let store: SQLiteStorage
    do { store = try SQLiteStorage(path: database) } catch { fail("\(error)") }
    let t0 = clock.now
    let roster: Roster
    do { roster = try Roster.parse(csv) } catch { fail(error.description) }
    let t1 = clock.now
    let plan: CampaignPlan
    do {
        plan = try planner.plan(
            roster: roster, itemIDs: ["12.2", "9.3", "7.3"], recentSends: [], windowDays: 30, now: Date())
    } catch { fail(error.description) }
    let t2 = clock.now
    do {
        campaignID = try await store.createCampaign(
            plan.campaign(
                rosterName: "benchmark.csv", template: "outreach", format: .markdown, windowDays: 30, notes: [],
                now: Date()))
    } catch { fail("\(error)") }
    let t3 = clock.now
    rounds.append((seconds(t1 - t0), seconds(t2 - t1), seconds(t3 - t2)))
    lastPlan = plan
    runStore = store
}
let plan = lastPlan!
let sorted = rounds.sorted { $0.parse + $0.plan + $0.store < $1.parse + $1.plan + $1.store }
let median = sorted[sorted.count / 2]
print(
    String(
        format:
            "  read roster %.0f ms, eligibility + render %.0f ms, store %.0f ms: %.0f ms in all (median of 5; best %.0f ms)",
        median.parse * 1000, median.plan * 1000, median.store * 1000,
        (median.parse + median.plan + median.store) * 1000,
        (sorted[0].parse + sorted[0].plan + sorted[0].store) * 1000))
print("  \(plan.messages.count) messages, \(plan.robotCount) robots, estimated \(plan.estimatedYuan) yuan")

// 2a. Sending with no network: the runner's and the database's own cost.
do {
    let store = try SQLiteStorage(path: directory.appendingPathComponent("instant.sqlite").path)
    let id = try await store.createCampaign(
        plan.campaign(
            rosterName: "benchmark.csv", template: "outreach", format: .markdown, windowDays: 30, notes: [], now: Date()
        ))
    let start = clock.now
    let summary = try await CampaignRunner(
        store: store, transport: InstantTransport(), configuration: .init(maxInFlight: 32)
    )
    .run(campaignID: id)
    let elapsed = seconds(clock.now - start)
    let minimum = minimumAllowed(plan, start: Date())
    print("Sending \(plan.messages.count) messages over \(plan.robotCount) robots without a network (answers at once):")
    print(
        String(
            format: "  %.2f s; the limits allow %.2f s at best; overhead %.2f s = %.0f µs per message",
            elapsed, minimum, max(0, elapsed - minimum), max(0, elapsed - minimum) / Double(summary.attempts) * 1e6))
} catch {
    fail("\(error)")
}

// 2b. Sending to the local fake platform over HTTP, at real time.
do {
    guard let store = runStore else { fail("no plan stored") }
    let transport = CurlTransport(configuration: .init(maxConcurrentTransfers: 32))
    let start = clock.now
    let startDate = Date()
    let summary = try await CampaignRunner(
        store: store, transport: transport, configuration: .init(maxInFlight: 32)
    ).run(campaignID: campaignID)
    let elapsed = seconds(clock.now - start)
    let minimum = minimumAllowed(plan, start: startDate)
    let requests = (try? String(contentsOf: fake.log, encoding: .utf8))?.split(separator: "\n") ?? []
    let crossings = requests.filter { $0.contains(#""violation": true"#) }.count
    print(
        "Sending \(plan.messages.count) messages over \(plan.robotCount) robots to the local fake platform (HTTP, real time):"
    )
    print(
        String(
            format: "  %.2f s; the limits allow %.2f s at best (Feishu: 5 per 1.2 s); overhead %.2f s",
            elapsed, minimum, max(0, elapsed - minimum)))
    print(
        "  delivered \(summary.counts[.delivered] ?? 0), other states \(summary.counts.filter { $0.key != .delivered }), "
            + "requests \(requests.count), limit crossings \(crossings)")
} catch {
    fail("\(error)")
}
