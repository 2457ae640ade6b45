public import Channels
import Crypto
import Dispatch
public import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A fake WeCom / DingTalk / Feishu platform inside the test process: a real HTTP server on
/// 127.0.0.1, on a port the system picks, so the code under test reaches it through its real
/// libcurl transport.
///
/// It answers
/// - the three group-robot webhooks (`POST /cgi-bin/webhook/send?key=K`, `/robot/send?access_token=T`,
///   `/open-apis/bot/v2/hook/H`) as the platforms document them: keys and signatures checked with
///   an HMAC of its own, and each robot's limits enforced on the clock it is given — WeCom and
///   DingTalk 20 a minute (45009; 130101 and ten minutes blocked), Feishu 5 a second and 100 a
///   minute (11232);
/// - the Feishu open API's `tenant_access_token` and message-reply endpoints, when given an app;
/// - `/echo` (the request, back as JSON) and `/delay?ms=N` (an answer that takes its time).
///
/// Every request is recorded on arrival, before any latency, with what the platform made of it.
/// Tests replace the next answers for a path or a robot with ``script(_:_:)`` and
/// ``script(robot:_:)``.
///
/// The server runs on threads of its own (an event loop and an executor for its handlers), not
/// on the cooperative pool the tests share: a full test run keeps that pool busy, and an answer
/// held up there would look to libcurl's real-time timeouts like a slow platform.
///
/// Time: the robots' windows, DingTalk's block and Feishu's quiet periods are judged by
/// ``Options/now``, which a campaign test sets to the runner's own clock, so the fake and the
/// runner agree on when each request arrived. Latency and `/delay` are real time, because
/// libcurl's timeouts are.
public final class FakePlatform: Sendable {
    /// What the platform knows of one robot.
    public struct Robot: Sendable {
        /// The signing secret, if the robot has signing turned on.
        public var secret: String?
        /// Whether an unsigned post is refused (a signature is checked whenever one is sent).
        public var signatureRequired: Bool

        /// Creates a robot.
        public init(secret: String? = nil, signatureRequired: Bool = false) {
            self.secret = secret
            self.signatureRequired = signatureRequired
        }
    }

    /// The robots the platform knows, by platform and key (WeCom key, DingTalk access token,
    /// Feishu hook id).
    public struct Robots: Sendable {
        let lookup: @Sendable (Platform, String) -> Robot?

        /// Robots as `lookup` describes them; nil for a robot the platform does not know.
        public init(_ lookup: @escaping @Sendable (Platform, String) -> Robot?) {
            self.lookup = lookup
        }

        /// Every key except those starting with `bad`; DingTalk token T signs with
        /// ``dingTalkSecret(_:)`` and Feishu hook H with ``feishuSecret(_:)``.
        public static let derived = Robots { platform, key in
            if key.hasPrefix("bad") { return nil }
            switch platform {
            case .wecom: return Robot()
            case .dingtalk: return Robot(secret: Robots.dingTalkSecret(key))
            case .feishu: return Robot(secret: Robots.feishuSecret(key))
            }
        }

        /// One robot of each platform: DingTalk's must sign, Feishu's may.
        public static func only(
            weComKey: String, dingTalkToken: String, dingTalkSecret: String, feishuHook: String, feishuSecret: String
        ) -> Robots {
            Robots { platform, key in
                switch platform {
                case .wecom: key == weComKey ? Robot() : nil
                case .dingtalk: key == dingTalkToken ? Robot(secret: dingTalkSecret, signatureRequired: true) : nil
                case .feishu: key == feishuHook ? Robot(secret: feishuSecret) : nil
                }
            }
        }

        /// The signing secret of DingTalk access token `token` under ``derived``.
        public static func dingTalkSecret(_ token: String) -> String { "SEC" + token }
        /// The signing secret of Feishu hook `hook` under ``derived``.
        public static func feishuSecret(_ hook: String) -> String { "fs-" + hook }
    }

    /// A Feishu app whose credentials the token endpoint accepts.
    public struct FeishuApp: Sendable {
        /// The App ID.
        public var appID: String
        /// The App Secret.
        public var appSecret: String
        /// How long issuing a token takes.
        public var tokenDelay: Duration
        /// The `expire` the token endpoint answers, in seconds.
        public var tokenLifetime: Int

        /// Creates an app.
        public init(appID: String, appSecret: String, tokenDelay: Duration = .zero, tokenLifetime: Int = 7_200) {
            self.appID = appID
            self.appSecret = appSecret
            self.tokenDelay = tokenDelay
            self.tokenLifetime = tokenLifetime
        }
    }

    /// How the fake behaves.
    public struct Options: Sendable {
        /// The robots it knows.
        public var robots: Robots
        /// The Feishu app of the open API; without one those endpoints answer 404.
        public var feishuApp: FeishuApp?
        /// Real time each robot answer takes, drawn from this range (milliseconds) by a seeded generator.
        public var latencyMilliseconds: ClosedRange<Int>
        /// The generator's seed.
        public var seed: UInt64
        /// How far a signed timestamp may be from ``signatureNow``, in seconds; nil: not checked.
        public var signatureTolerance: TimeInterval?
        /// The clock the robots' limits and Feishu's quiet periods are judged by.
        public var now: @Sendable () -> Date
        /// The time signed timestamps are compared with: a sender signs with the real time.
        public var signatureNow: @Sendable () -> Date

        /// Creates options; by default any robot not named `bad…`, real time, no latency.
        public init(
            robots: Robots = .derived, feishuApp: FeishuApp? = nil, latencyMilliseconds: ClosedRange<Int> = 0...0,
            seed: UInt64 = 7, signatureTolerance: TimeInterval? = 3_600,
            now: @escaping @Sendable () -> Date = { Date() },
            signatureNow: @escaping @Sendable () -> Date = { Date() }
        ) {
            self.robots = robots
            self.feishuApp = feishuApp
            self.latencyMilliseconds = latencyMilliseconds
            self.seed = seed
            self.signatureTolerance = signatureTolerance
            self.now = now
            self.signatureNow = signatureNow
        }
    }

    /// An answer a test scripts instead of the platform's own.
    public struct Reply: Sendable {
        /// HTTP status.
        public var status: Int
        /// Body text.
        public var body: String
        /// Real time before answering.
        public var delay: Duration
        /// Extra response headers.
        public var headers: [(String, String)]

        /// Creates an answer.
        public init(status: Int = 200, body: String = "", delay: Duration = .zero, headers: [(String, String)] = []) {
            self.status = status
            self.body = body
            self.delay = delay
            self.headers = headers
        }
    }

    /// One request as the fake saw it.
    public struct Request: Sendable {
        /// Arrival order, from 1.
        public let seq: Int
        /// The request method.
        public let method: String
        /// The path without the query.
        public let path: String
        /// The raw (still percent-encoded) query.
        public let query: String
        /// Headers in arrival order.
        public let headers: [(name: String, value: String)]
        /// The body.
        public let body: Data
        /// The client's source port: one port means one reused connection.
        public let clientPort: Int
        /// When it arrived, on ``Options/now``.
        public let at: Date
        /// When it arrived, in real time.
        public let arrival: ContinuousClock.Instant
        /// The robot's platform, for a robot webhook.
        public let platform: Platform?
        /// `platform:key`, for a robot webhook.
        public let robot: String?
        /// The HTTP status answered.
        public let status: Int
        /// The platform's code in the answer (`errcode`, `code` or `StatusCode`).
        public let code: Int?
        /// Whether the answer accepted the message (HTTP 200, code 0).
        public let accepted: Bool
        /// Whether this request crossed its robot's limit: the sender sent too fast.
        public let violation: Bool
        /// Whether it carried a signature.
        public let signed: Bool
        /// Whether it is a Feishu robot post in the first 30 s after :00 or :30.
        public let quiet: Bool
        /// What the fake computed itself: `expected_sign`, `expected_sign_urlencoded`, `issued`, `token`.
        public let checks: [String: String]

        /// The body parsed as a JSON object.
        public var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }

        /// A header's value, case-insensitively.
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        /// The text a person would read, from each platform's robot message shapes or a Feishu reply.
        public var text: String? {
            let payload = json
            switch platform {
            case .wecom?:
                guard let type = payload["msgtype"] as? String else { return nil }
                return (payload[type] as? [String: Any])?["content"] as? String
            case .dingtalk?:
                guard let type = payload["msgtype"] as? String, let part = payload[type] as? [String: Any] else {
                    return nil
                }
                return (part["text"] ?? part["content"]) as? String
            case .feishu?:
                if payload["msg_type"] as? String == "text" {
                    return (payload["content"] as? [String: Any])?["text"] as? String
                }
                let elements = (payload["card"] as? [String: Any])?["elements"] as? [[String: Any]]
                return elements.map { $0.map { $0["content"] as? String ?? "" }.joined(separator: "\n") }
            case nil:
                // A Feishu open-API message: `content` is itself JSON text, `{"text": …}`.
                guard let content = payload["content"] as? String,
                    let inner = try? JSONSerialization.jsonObject(with: Data(content.utf8)) as? [String: Any]
                else { return nil }
                return inner["text"] as? String
            }
        }
    }

    /// `http://127.0.0.1:PORT`.
    public let baseURL: String
    /// The port the server bound.
    public let port: Int
    private let state: Shared

    private init(port: Int, state: Shared) {
        self.port = port
        self.baseURL = "http://127.0.0.1:\(port)"
        self.state = state
    }

    /// Runs `body` with a fresh fake listening and stops the fake afterwards, even on failure.
    public static func with<T>(_ options: Options = Options(), _ body: (FakePlatform) async throws -> T) async throws
        -> T
    {
        let state = Shared(options: options)
        var logger = Logger(label: "FakePlatform")
        logger.logLevel = .critical
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let responder = CallbackResponder<FakeRequestContext> { request, context in
            try await state.respond(to: request, context: context)
        }
        let eventLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let app = Application(
            responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portSink.yield(channel.localAddress?.port ?? 0)
                portSink.finish()
            },
            eventLoopGroupProvider: .shared(eventLoops),
            logger: logger)
        let services = ServiceGroup(configuration: .init(services: [app], logger: logger))
        defer { eventLoops.shutdownGracefully { _ in } }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask(executorPreference: HandlerExecutor()) {
                defer { portSink.finish() }
                try await services.run()
            }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            let outcome: Result<T, any Error>
            if port > 0 {
                do {
                    outcome = .success(try await body(FakePlatform(port: port, state: state)))
                } catch {
                    outcome = .failure(error)
                }
            } else {
                outcome = .failure(FakePlatformError.didNotStart)
            }
            state.close()
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
            return try outcome.get()
        }
    }

    /// A WeCom robot's webhook on the fake.
    public func weCom(_ key: String) -> String { "\(baseURL)/cgi-bin/webhook/send?key=\(key)" }
    /// A DingTalk robot's webhook on the fake.
    public func dingTalk(_ token: String) -> String { "\(baseURL)/robot/send?access_token=\(token)" }
    /// A Feishu robot's webhook on the fake.
    public func feishu(_ hook: String) -> String { "\(baseURL)/open-apis/bot/v2/hook/\(hook)" }

    /// Every request so far, in arrival order.
    public func requests() -> [Request] { state.records }

    /// The requests whose path starts with `prefix`.
    public func requests(pathPrefix prefix: String) -> [Request] { requests().filter { $0.path.hasPrefix(prefix) } }

    /// The requests to robot `platform:key`.
    public func requests(robot: String) -> [Request] { requests().filter { $0.robot == robot } }

    /// Makes the next requests to `path` get these answers, in order, before the platform's own
    /// answers resume. A path ending in `*` matches as a prefix.
    public func script(_ path: String, _ replies: [Reply]) { state.script(.path(path), replies) }

    /// Makes robot `platform:key`'s next requests get these answers, in order.
    public func script(robot: String, _ replies: [Reply]) { state.script(.robot(robot), replies) }

    /// Revokes every issued Feishu token, as resetting the app secret would.
    public func revokeFeishuTokens() { state.revokeTokens() }
}

/// Failures of the fake itself, as opposed to the code under test.
public enum FakePlatformError: Error, CustomStringConvertible {
    /// The server did not start listening.
    case didNotStart

    /// What went wrong with the fake.
    public var description: String { "the fake platform did not start listening on 127.0.0.1" }
}

/// Runs the server's tasks on a serial queue of its own, off the cooperative pool.
final class HandlerExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "FakePlatform.handlers")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// A request context that keeps the client's port.
struct FakeRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The client's source port.
    let clientPort: Int

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientPort = source.channel.remoteAddress?.port ?? 0
    }
}

/// The fake's state, shared by every connection's handler.
private final class Shared: Sendable {
    enum Target: Sendable {
        case path(String)
        case robot(String)

        func matches(path: String, robot: String?) -> Bool {
            switch self {
            case .path(let pattern):
                pattern.hasSuffix("*") ? path.hasPrefix(String(pattern.dropLast())) : path == pattern
            case .robot(let name):
                name == robot
            }
        }
    }

    struct State {
        var records: [FakePlatform.Request] = []
        var scripts: [(target: Target, replies: [FakePlatform.Reply])] = []
        /// Robot → its requests' arrival times in the last minute.
        var history: [String: [Date]] = [:]
        var blockedUntil: [String: Date] = [:]
        var tokens = 0
        var validTokens: Set<String> = []
        var repliesSent = 0
        var random: SeededGenerator
        var closing = false
    }

    /// What the platform made of one request.
    struct Answer {
        var status = 200
        var body = ""
        var headers: [(String, String)] = []
        var delay = Duration.zero
        var checks: [String: String] = [:]
        var violation = false
        var signed = false
    }

    static let tokenPath = "/open-apis/auth/v3/tenant_access_token/internal"

    let options: FakePlatform.Options
    private let state: Mutex<State>

    init(options: FakePlatform.Options) {
        self.options = options
        state = Mutex(State(random: SeededGenerator(seed: options.seed)))
    }

    var records: [FakePlatform.Request] { state.withLock { $0.records } }

    func script(_ target: Target, _ replies: [FakePlatform.Reply]) {
        state.withLock { $0.scripts.append((target, replies)) }
    }

    func revokeTokens() {
        state.withLock { $0.validTokens.removeAll() }
    }

    /// Ends every delay, so that stopping the server waits for no handler.
    func close() {
        state.withLock { $0.closing = true }
    }

    func respond(to request: Hummingbird.Request, context: FakeRequestContext) async throws -> Response {
        var request = request
        let body = Data(try await request.collectBody(upTo: 1 << 22).readableBytesView)
        let method = request.method.rawValue
        let path = request.uri.path
        let rawQuery = request.uri.query ?? ""
        let headers = request.headers.map { (name: $0.name.rawName, value: $0.value) }
        let query = Self.parse(rawQuery)
        let robot = Self.robot(path: path, query: query)
        let robotName = robot.map { "\($0.platform.rawValue):\($0.key)" }
        let now = options.now()
        let arrival = ContinuousClock.now

        let scripted = state.withLock { state -> FakePlatform.Reply? in
            guard
                let index = state.scripts.firstIndex(where: {
                    !$0.replies.isEmpty && $0.target.matches(path: path, robot: robotName)
                })
            else { return nil }
            return state.scripts[index].replies.removeFirst()
        }
        if scripted == nil, path == Self.tokenPath, let app = options.feishuApp, app.tokenDelay > .zero,
            Self.credentialsMatch(body, app)
        {
            await pause(app.tokenDelay)
        }

        let answer = state.withLock { state -> Answer in
            var answer = Answer()
            if let (platform, key) = robot, let robotName {
                answer.violation = Self.overLimit(robotName, platform: platform, at: now, in: &state)
                answer.signed = query["sign"] != nil || Self.json(body)["sign"] != nil
                if options.latencyMilliseconds != 0...0 {
                    answer.delay = .milliseconds(Int.random(in: options.latencyMilliseconds, using: &state.random))
                }
                if scripted == nil {
                    (answer.body, answer.checks) = robotAnswer(
                        platform: platform, key: key, name: robotName, query: query, payload: Self.json(body),
                        now: now, violation: answer.violation, state: &state)
                }
            } else if scripted == nil {
                answer = defaultAnswer(
                    method: method, path: path, rawQuery: rawQuery, query: query, headers: headers, body: body,
                    state: &state)
            }
            if let reply = scripted {
                answer.status = reply.status
                answer.body = reply.body
                answer.headers = reply.headers
                answer.delay = reply.delay
            }
            let code = answer.status == 200 ? Self.code(in: answer.body) : nil
            state.records.append(
                FakePlatform.Request(
                    seq: state.records.count + 1, method: method, path: path, query: rawQuery, headers: headers,
                    body: body, clientPort: context.clientPort, at: now, arrival: arrival, platform: robot?.platform,
                    robot: robotName, status: answer.status, code: code, accepted: code == 0,
                    violation: answer.violation, signed: answer.signed,
                    quiet: robot?.platform == .feishu
                        && now.timeIntervalSince1970.truncatingRemainder(dividingBy: 1_800) < 30,
                    checks: answer.checks))
            return answer
        }
        if answer.delay > .zero { await pause(answer.delay) }

        var fields = HTTPFields()
        fields.append(HTTPField(name: .contentType, value: "application/json"))
        for (name, value) in answer.headers {
            if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
        }
        let bytes = method == "HEAD" ? ByteBuffer() : ByteBuffer(string: answer.body)
        return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: bytes))
    }

    // MARK: The robots

    /// The robot a webhook path names.
    static func robot(path: String, query: [String: String]) -> (platform: Platform, key: String)? {
        if path == "/cgi-bin/webhook/send" { return (.wecom, query["key"] ?? "") }
        if path == "/robot/send" { return (.dingtalk, query["access_token"] ?? "") }
        let hook = "/open-apis/bot/v2/hook/"
        if path.hasPrefix(hook) { return (.feishu, String(path.dropFirst(hook.count))) }
        return nil
    }

    /// Counts a request against its robot's windows; true when it crosses one.
    static func overLimit(_ robot: String, platform: Platform, at now: Date, in state: inout State) -> Bool {
        var times = state.history[robot, default: []]
        times.append(now)
        times.removeAll { $0 <= now.addingTimeInterval(-60) }
        state.history[robot] = times
        if platform == .feishu {
            let inSecond = times.filter { $0 > now.addingTimeInterval(-1) }.count
            return inSecond > 5 || times.count > 100
        }
        return times.count > 20
    }

    /// The platform's own answer to a robot post: unknown robot, signature, block, limit, or success.
    func robotAnswer(
        platform: Platform, key: String, name: String, query: [String: String], payload: [String: Any], now: Date,
        violation: Bool, state: inout State
    ) -> (String, [String: String]) {
        var checks: [String: String] = [:]
        guard let robot = options.robots.lookup(platform, key) else {
            switch platform {
            case .wecom: return (#"{"errcode":93000,"errmsg":"invalid webhook url"}"#, checks)
            case .dingtalk: return (#"{"errcode":300001,"errmsg":"token is not exist"}"#, checks)
            case .feishu:
                return (#"{"code":19001,"msg":"param invalid: incoming webhook access token invalid"}"#, checks)
            }
        }
        switch platform {
        case .wecom:
            return (
                violation ? #"{"errcode":45009,"errmsg":"api freq out of limit"}"# : #"{"errcode":0,"errmsg":"ok"}"#,
                checks
            )
        case .dingtalk:
            if query["sign"] != nil || robot.signatureRequired {
                let timestamp = query["timestamp"] ?? ""
                let expected = Self.dingTalkSignature(timestamp: timestamp, secret: robot.secret ?? "")
                checks["expected_sign"] = expected
                checks["expected_sign_urlencoded"] = expected.addingPercentEncoding(
                    withAllowedCharacters: Self.unreserved)
                if !fresh(Int64(timestamp).map { Double($0) / 1_000 }) || query["sign"] != expected {
                    return (#"{"errcode":310000,"errmsg":"sign not match"}"#, checks)
                }
            }
            let tooFast = #"{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}"#
            if let blocked = state.blockedUntil[name], now < blocked { return (tooFast, checks) }
            if violation {
                state.blockedUntil[name] = now.addingTimeInterval(600)
                return (tooFast, checks)
            }
            return (#"{"errcode":0,"errmsg":"ok"}"#, checks)
        case .feishu:
            if payload["sign"] != nil || robot.signatureRequired {
                let timestamp = payload["timestamp"].map { "\($0)" } ?? ""
                let expected = Self.feishuSignature(timestamp: timestamp, secret: robot.secret ?? "")
                checks["expected_sign"] = expected
                if !fresh(Int64(timestamp).map(Double.init)) || payload["sign"] as? String != expected {
                    return (
                        #"{"code":19021,"data":{},"msg":"sign match fail or timestamp is not within one hour from current time"}"#,
                        checks
                    )
                }
            }
            if violation { return (#"{"code":11232,"msg":"frequency limited"}"#, checks) }
            return (#"{"code":0,"data":{},"msg":"success"}"#, checks)
        }
    }

    /// Whether a signed timestamp (seconds) is close enough to the real time.
    func fresh(_ seconds: Double?) -> Bool {
        guard let tolerance = options.signatureTolerance else { return true }
        guard let seconds else { return false }
        return abs(seconds - options.signatureNow().timeIntervalSince1970) <= tolerance
    }

    /// DingTalk: Base64(HMAC-SHA256(key: secret, "timestamp\nsecret")).
    static func dingTalkSignature(timestamp: String, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data((timestamp + "\n" + secret).utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Data(mac).base64EncodedString()
    }

    /// Feishu: Base64(HMAC-SHA256(key: "timestamp\nsecret", empty message)).
    static func feishuSignature(timestamp: String, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data(), using: SymmetricKey(data: Data((timestamp + "\n" + secret).utf8)))
        return Data(mac).base64EncodedString()
    }

    // MARK: Everything else

    func defaultAnswer(
        method: String, path: String, rawQuery: String, query: [String: String],
        headers: [(name: String, value: String)], body: Data, state: inout State
    ) -> Answer {
        var answer = Answer()
        if path == "/echo" {
            let echo: [String: Any] = [
                "method": method, "path": path, "query": rawQuery,
                "headers": Dictionary(headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { $1 }),
                "body_b64": body.base64EncodedString(),
            ]
            answer.body = Self.text(echo)
            answer.headers = [("X-Fake-Platform", "echo"), ("X-Repeated", "one"), ("X-Repeated", "two")]
            return answer
        }
        if path == "/delay" {
            answer.delay = .milliseconds(Int(query["ms"] ?? "") ?? 1_000)
            answer.body = #"{"slept":true}"#
            return answer
        }
        if let app = options.feishuApp {
            if path == Self.tokenPath {
                guard Self.credentialsMatch(body, app) else {
                    answer.body = #"{"code":10014,"msg":"app secret invalid"}"#
                    return answer
                }
                state.tokens += 1
                let token = "t-\(state.tokens)"
                state.validTokens.insert(token)
                answer.checks["issued"] = token
                answer.body = Self.text([
                    "code": 0, "msg": "ok", "tenant_access_token": token, "expire": app.tokenLifetime,
                ])
                return answer
            }
            if path.hasPrefix("/open-apis/im/v1/messages/"), path.hasSuffix("/reply") {
                let authorization = headers.first { $0.name.lowercased() == "authorization" }?.value ?? ""
                let token = authorization.hasPrefix("Bearer ") ? String(authorization.dropFirst(7)) : ""
                answer.checks["token"] = token
                guard state.validTokens.contains(token) else {
                    answer.status = 400
                    answer.body = #"{"code":99991663,"msg":"Invalid access token for authorization."}"#
                    return answer
                }
                state.repliesSent += 1
                answer.body = Self.text([
                    "code": 0, "msg": "success", "data": ["message_id": "om_reply_\(state.repliesSent)"],
                ])
                return answer
            }
        }
        answer.status = 404
        answer.body = Self.text(["error": "no route for " + path])
        return answer
    }

    /// Waits `duration` of real time, or less if the fake is stopping or the client went away
    /// (the server cancels the handler).
    func pause(_ duration: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now + duration
        while clock.now < deadline, !state.withLock({ $0.closing }) {
            do {
                try await Task.sleep(for: min(.milliseconds(20), deadline - clock.now))
            } catch {
                return
            }
        }
    }

    static func credentialsMatch(_ body: Data, _ app: FakePlatform.FeishuApp) -> Bool {
        let request = json(body)
        return request["app_id"] as? String == app.appID && request["app_secret"] as? String == app.appSecret
    }

    /// A query's parameters, decoded as a form (`+` is a space), the first of each name.
    static func parse(_ query: String) -> [String: String] {
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in
                text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            let name = decode(parts[0])
            if parameters[name] == nil { parameters[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return parameters
    }

    /// The platform's code in a JSON answer.
    static func code(in body: String) -> Int? {
        let object = json(Data(body.utf8))
        return (object["errcode"] ?? object["code"] ?? object["StatusCode"]) as? Int
    }

    static func json(_ data: Data) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    static func text(_ object: [String: Any]) -> String {
        (try? JSONSerialization.data(withJSONObject: object)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
