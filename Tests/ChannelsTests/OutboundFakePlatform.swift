import Channels
import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Secrets the fake platform accepts; fake values, but treated as secrets by the assertions.
enum OutboundFakeSecrets {
    /// Feishu app credentials for the token endpoint.
    static let feishuAppID = "cli_fake0123456789"
    /// Feishu app secret; must never appear in an error message.
    static let feishuAppSecret = "FsAppSecret-never-print-me-42"
    /// DingTalk custom robot access token (in the URL query).
    static let dingTalkAccessToken = "dt0access0token0secret0value0123"
    /// DingTalk custom robot signing secret.
    static let dingTalkSecret = "SEC0fake0dingtalk0signing0secret0abcdef0123456789"
    /// Feishu custom bot hook id (in the URL path).
    static let feishuHookID = "4f7c1a2e-0000-4b1d-9a77-123456789abc"
    /// Feishu custom bot signing secret.
    static let feishuBotSecret = "FsBotSecret-never-print-me-7"
    /// WeCom group robot key (in the URL query).
    static let weComKey = "wc0key0693b0fake0secret0value99"
}

/// One request as the fake platform saw it.
struct OutboundRecordedRequest: Decodable, Sendable {
    /// Arrival order, from 1.
    let seq: Int
    /// The request method.
    let method: String
    /// The path without the query.
    let path: String
    /// The raw (still percent-encoded) query.
    let query: String
    /// Headers in arrival order.
    let headers: [[String]]
    /// The body, base64-encoded.
    let bodyBase64: String
    /// The client's source port: one port means one reused connection.
    let clientPort: Int
    /// What the fake computed independently (expected signatures and whether they matched).
    let checks: [String: String]

    private enum CodingKeys: String, CodingKey {
        case seq, method, path, query, headers, checks
        case bodyBase64 = "body_b64"
        case clientPort = "client_port"
    }

    /// The body bytes.
    var body: Data { Data(base64Encoded: bodyBase64) ?? Data() }

    /// The body parsed as a JSON object.
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }

    /// A header's value, case-insensitively.
    func header(_ name: String) -> String? {
        headers.first { $0.first?.lowercased() == name.lowercased() }?.last
    }
}

/// A scripted answer the fake gives instead of its default for one path.
struct OutboundScriptedResponse: Encodable, Sendable {
    /// HTTP status.
    var status: Int = 200
    /// Body text.
    var body: String = ""
    /// Delay before answering, in milliseconds.
    var delayMilliseconds: Int = 0
    /// Extra response headers.
    var headers: [[String]] = []

    private enum CodingKeys: String, CodingKey {
        case status, body, headers
        case delayMilliseconds = "delay_ms"
    }
}

/// A fake WeCom / DingTalk / Feishu server on 127.0.0.1: a Python `http.server` started for
/// one test, recording every request to a JSON-lines file the test reads back.
///
/// Defaults: Feishu token and reply endpoints that really validate tokens, the three robot
/// webhooks that verify keys and signatures with Python's own `hmac`, a DingTalk
/// sessionWebhook, `/echo` and `/delay`. Tests override a path's next answers with
/// ``script(_:_:)``.
struct OutboundFakePlatform: Sendable {
    /// `http://127.0.0.1:PORT`.
    let baseURL: String
    /// The port the server bound.
    let port: Int
    private let logURL: URL
    private let control: CurlTransport

    /// Starts a fake for the duration of `body` and stops it afterwards, even on failure.
    static func with<T>(
        tokenDelayMilliseconds: Int = 0,
        tokenExpireSeconds: Int = 7_200,
        _ body: (OutboundFakePlatform) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("outbound-fake-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let scriptURL = directory.appendingPathComponent("fake_platform.py")
        let logURL = directory.appendingPathComponent("requests.jsonl")
        let stderrURL = directory.appendingPathComponent("stderr.txt")
        try Data(fakePlatformScript.utf8).write(to: scriptURL)
        try Data().write(to: logURL)
        try Data().write(to: stderrURL)
        let config: [String: Any] = [
            "feishu_app_id": OutboundFakeSecrets.feishuAppID,
            "feishu_app_secret": OutboundFakeSecrets.feishuAppSecret,
            "dingtalk_access_token": OutboundFakeSecrets.dingTalkAccessToken,
            "dingtalk_secret": OutboundFakeSecrets.dingTalkSecret,
            "feishu_hook_id": OutboundFakeSecrets.feishuHookID,
            "feishu_bot_secret": OutboundFakeSecrets.feishuBotSecret,
            "wecom_key": OutboundFakeSecrets.weComKey,
            "token_delay_ms": tokenDelayMilliseconds,
            "token_expire": tokenExpireSeconds,
        ]
        let configText = String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-u", scriptURL.path, logURL.path, configText]
        let stdout = Pipe()
        // The fake exits when this pipe closes, so it cannot outlive a crashed test run.
        let lifeline = Pipe()
        process.standardInput = lifeline
        process.standardOutput = stdout
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()

        let outcome: Result<T, any Error>
        do {
            let port = try await readPort(from: stdout.fileHandleForReading, stderrURL: stderrURL)
            let platform = OutboundFakePlatform(
                baseURL: "http://127.0.0.1:\(port)", port: port, logURL: logURL, control: CurlTransport())
            outcome = .success(try await body(platform))
        } catch {
            outcome = .failure(error)
        }
        await stop(process, lifeline: lifeline)
        return try outcome.get()
    }

    private static func readPort(from reader: FileHandle, stderrURL: URL) async throws -> Int {
        let firstLine = await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            // Blocking reads stay off the cooperative pool.
            DispatchQueue.global().async {
                var collected = Data()
                while !collected.contains(UInt8(ascii: "\n")) {
                    let chunk = reader.availableData
                    if chunk.isEmpty { break }
                    collected.append(chunk)
                }
                continuation.resume(returning: String(decoding: collected, as: UTF8.self))
            }
        }
        guard let port = Int(firstLine.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            let stderr = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
            throw OutboundFakePlatformError.didNotStart(stderr)
        }
        return port
    }

    /// SIGKILL because children spawned from dispatch threads inherit a mask that blocks
    /// SIGTERM; the wait runs off the cooperative pool because it blocks.
    private static func stop(_ process: Process, lifeline: Pipe) async {
        try? lifeline.fileHandleForWriting.close()
        kill(process.processIdentifier, SIGKILL)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume()
            }
        }
    }

    /// Every request recorded so far, in arrival order (control calls excluded).
    func requests() throws -> [OutboundRecordedRequest] {
        let text = try String(contentsOf: logURL, encoding: .utf8)
        let decoder = JSONDecoder()
        return try text.split(separator: "\n").map {
            try decoder.decode(OutboundRecordedRequest.self, from: Data($0.utf8))
        }
        .sorted { $0.seq < $1.seq }
    }

    /// Recorded requests whose path starts with `prefix`.
    func requests(pathPrefix prefix: String) throws -> [OutboundRecordedRequest] {
        try requests().filter { $0.path.hasPrefix(prefix) }
    }

    /// Makes the next requests to `path` get these answers, in order, before the default
    /// behaviour resumes. A path ending in `*` matches as a prefix.
    func script(_ path: String, _ responses: [OutboundScriptedResponse]) async throws {
        struct Script: Encodable {
            let path: String
            let responses: [OutboundScriptedResponse]
        }
        try await controlCall("/__control/script", body: JSONEncoder().encode(Script(path: path, responses: responses)))
    }

    /// Revokes every issued Feishu token, as resetting the app secret would.
    func revokeFeishuTokens() async throws {
        try await controlCall("/__control/revoke-tokens", body: Data())
    }

    private func controlCall(_ path: String, body: Data) async throws {
        let response = try await control.send(.postJSON(url: baseURL + path, body: body))
        guard response.status == 200 else { throw OutboundFakePlatformError.controlFailed(path, response.status) }
    }
}

/// Failures of the fake platform itself, as opposed to the code under test.
enum OutboundFakePlatformError: Error, CustomStringConvertible {
    /// python3 exited or printed no port; carries its stderr.
    case didNotStart(String)
    /// A control endpoint refused a command.
    case controlFailed(String, Int)

    /// What went wrong with the fake.
    var description: String {
        switch self {
        case .didNotStart(let stderr): "the fake platform (python3) did not start: \(stderr)"
        case .controlFailed(let path, let status): "the fake platform's \(path) answered HTTP \(status)"
        }
    }
}

/// A clock the test moves by hand.
///
/// `@unchecked Sendable`: `current` is only read or written while `lock` is held.
final class OutboundTestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    /// Starts at `start`.
    init(_ start: Date = Date(timeIntervalSince1970: 1_732_500_000)) {
        current = start
    }

    /// The current time.
    var now: Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    /// Moves the clock forward.
    func advance(by seconds: TimeInterval) {
        lock.lock()
        defer { lock.unlock() }
        current = current.addingTimeInterval(seconds)
    }
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
func outboundClosedPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw OutboundFakePlatformError.didNotStart("socket() failed") }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
        }
    }
    guard bound else { throw OutboundFakePlatformError.didNotStart("bind() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// The fake platform. It computes signatures with Python's `hmac`, independently of the
/// Swift code under test, and answers the way the protocol docs describe.
private let fakePlatformScript = #"""
    import base64, hashlib, hmac, json, os, signal, sys, threading, time, urllib.parse
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    signal.pthread_sigmask(signal.SIG_SETMASK, [])


    def exit_when_parent_goes():
        sys.stdin.buffer.read()
        os._exit(0)


    threading.Thread(target=exit_when_parent_goes, daemon=True).start()

    LOG_PATH = sys.argv[1]
    CONFIG = json.loads(sys.argv[2])
    lock = threading.Lock()
    state = {"seq": 0, "scripts": {}, "token_seq": 0, "valid_tokens": set()}


    def dingtalk_sign(timestamp, secret):
        mac = hmac.new(secret.encode(), (timestamp + "\n" + secret).encode(), hashlib.sha256).digest()
        return base64.b64encode(mac).decode()


    def feishu_sign(timestamp, secret):
        mac = hmac.new((timestamp + "\n" + secret).encode(), b"", hashlib.sha256).digest()
        return base64.b64encode(mac).decode()


    def next_script(path):
        with lock:
            for key, queue in state["scripts"].items():
                matches = path.startswith(key[:-1]) if key.endswith("*") else path == key
                if matches and queue:
                    return queue.pop(0)
        return None


    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            self.serve()

        do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

        def reply(self, status, body, headers=(), content_type="application/json"):
            data = body if isinstance(body, bytes) else body.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urllib.parse.urlsplit(self.path)
            path = parts.path
            if path.startswith("/__control/"):
                return self.control(path, body)
            query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
            checks = {}
            script = next_script(path)
            if script is None:
                status, answer, headers = self.default_route(path, query, body, checks)
            else:
                status, answer, headers = script["status"], script["body"], script.get("headers", [])
            with lock:
                state["seq"] += 1
                record = {
                    "seq": state["seq"], "method": self.command, "path": path, "query": parts.query,
                    "headers": [[k, v] for k, v in self.headers.items()],
                    "body_b64": base64.b64encode(body).decode(), "client_port": self.client_address[1],
                    "checks": checks,
                }
                with open(LOG_PATH, "a") as log:
                    log.write(json.dumps(record) + "\n")
            if script is not None and script.get("delay_ms"):
                time.sleep(script["delay_ms"] / 1000)
            self.reply(status, answer, headers)

        def default_route(self, path, query, body, checks):
            if path == "/echo":
                echo = {"method": self.command, "path": path, "query": urllib.parse.urlsplit(self.path).query,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body_b64": base64.b64encode(body).decode()}
                return 200, json.dumps(echo), [("X-Fake-Platform", "echo"), ("X-Repeated", "one"), ("X-Repeated", "two")]
            if path == "/delay":
                time.sleep(int(query.get("ms", ["1000"])[0]) / 1000)
                return 200, '{"slept":true}', []
            if path == "/open-apis/auth/v3/tenant_access_token/internal":
                request = json.loads(body or b"{}")
                if request.get("app_id") != CONFIG["feishu_app_id"] or request.get("app_secret") != CONFIG["feishu_app_secret"]:
                    return 200, json.dumps({"code": 10014, "msg": "app secret invalid"}), []
                time.sleep(CONFIG["token_delay_ms"] / 1000)
                with lock:
                    state["token_seq"] += 1
                    token = "t-%d" % state["token_seq"]
                    state["valid_tokens"].add(token)
                checks["issued"] = token
                return 200, json.dumps({"code": 0, "msg": "ok", "tenant_access_token": token,
                                        "expire": CONFIG["token_expire"]}), []
            if path.startswith("/open-apis/im/v1/messages/") and path.endswith("/reply"):
                token = (self.headers.get("Authorization") or "")[len("Bearer "):]
                with lock:
                    valid = token in state["valid_tokens"]
                checks["token"] = token
                if not valid:
                    return 400, json.dumps({"code": 99991663, "msg": "Invalid access token for authorization."}), []
                with lock:
                    state["seq_reply"] = state.get("seq_reply", 0) + 1
                    message_id = "om_reply_%d" % state["seq_reply"]
                return 200, json.dumps({"code": 0, "msg": "success", "data": {"message_id": message_id}}), []
            if path == "/robot/send":
                if query.get("access_token", [""])[0] != CONFIG["dingtalk_access_token"]:
                    return 200, json.dumps({"errcode": 300001, "errmsg": "token is not exist"}), []
                timestamp = query.get("timestamp", [""])[0]
                expected = dingtalk_sign(timestamp, CONFIG["dingtalk_secret"])
                checks["expected_sign"] = expected
                checks["expected_sign_urlencoded"] = urllib.parse.quote(expected, safe="")
                # parse_qs decodes %2B to '+' but a raw '+' to a space, as DingTalk's server does.
                if query.get("sign", [""])[0] != expected:
                    return 200, json.dumps({"errcode": 310000, "errmsg": "sign not match"}), []
                return 200, json.dumps({"errcode": 0, "errmsg": "ok"}), []
            if path == "/open-apis/bot/v2/hook/" + CONFIG["feishu_hook_id"]:
                message = json.loads(body or b"{}")
                if "sign" in message:
                    expected = feishu_sign(message.get("timestamp", ""), CONFIG["feishu_bot_secret"])
                    checks["expected_sign"] = expected
                    if message["sign"] != expected:
                        return 200, json.dumps({"code": 19021, "data": {},
                                                "msg": "sign match fail or timestamp is not within one hour from current time"}), []
                return 200, json.dumps({"code": 0, "data": {}, "msg": "success"}), []
            if path == "/cgi-bin/webhook/send":
                if query.get("key", [""])[0] != CONFIG["wecom_key"]:
                    return 200, json.dumps({"errcode": 93000, "errmsg": "invalid webhook url"}), []
                return 200, json.dumps({"errcode": 0, "errmsg": "ok"}), []
            if path == "/robot/sendBySession":
                return 200, json.dumps({"errcode": 0, "errmsg": "ok"}), []
            return 404, json.dumps({"error": "no route for " + path}), []

        def control(self, path, body):
            if path == "/__control/script":
                request = json.loads(body)
                with lock:
                    state["scripts"].setdefault(request["path"], []).extend(request["responses"])
            elif path == "/__control/revoke-tokens":
                with lock:
                    state["valid_tokens"].clear()
            else:
                return self.reply(404, "{}")
            self.reply(200, "{}")


    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()
    """#
