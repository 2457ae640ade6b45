import Desk
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PolicyKit
import Storage
import Synchronization
import Testing
import Yams

@testable import Server

/// A private copy of the repository's `Intents/` and `Templates/` in its own temporary folder,
/// so that admin tests edit real files on disk and never the shipped ones.
struct KnowledgeCopy: Sendable {
    /// The temporary folder holding `Intents/` and `Templates/`.
    let root: URL

    /// Copies the repository's folders (found from `#filePath`, never the working directory).
    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("policydesk-admin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: URL(fileURLWithPath: Repository.intents), to: intents)
        try FileManager.default.copyItem(at: URL(fileURLWithPath: Repository.templates), to: templates)
    }

    /// `Intents/` of the copy.
    var intents: URL { root.appendingPathComponent("Intents") }
    /// `Templates/` of the copy.
    var templates: URL { root.appendingPathComponent("Templates") }

    /// The file at `relative` (such as `clauses/12.yaml`) under `Intents/`.
    func url(_ relative: String) -> URL { intents.appendingPathComponent(relative) }

    /// The bytes of a file under `Intents/`.
    func bytes(_ relative: String) throws -> Data { try Data(contentsOf: url(relative)) }

    /// The text of a file under `Intents/`.
    func text(_ relative: String) throws -> String { String(decoding: try bytes(relative), as: UTF8.self) }

    /// Replaces a file under `Intents/` (as staff editing it by hand would).
    func write(_ text: String, to relative: String) throws { try Data(text.utf8).write(to: url(relative)) }

    /// Every file under `Intents/` by relative path, with its bytes: what "the files are
    /// untouched" is checked against. Temporary files left behind would show up here too.
    func snapshot() throws -> [String: Data] {
        var files: [String: Data] = [:]
        let base = intents.standardizedFileURL.path
        let walker = FileManager.default.enumerator(atPath: base)
        while let relative = walker?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            let path = base + "/" + relative
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[relative] = FileManager.default.contents(atPath: path)
            }
        }
        return files
    }

    /// Deletes the copy.
    func remove() { try? FileManager.default.removeItem(at: root) }
}

/// Runs the real application on a `KnowledgeCopy` with the admin API on.
enum AdminTest {
    /// The bearer token the tests configure.
    static let token = "test-admin-token-7f3a"
    /// The `Authorization` header for `token`.
    static var authorization: String { "Bearer \(token)" }

    /// Runs `body` against the application built from a fresh copy of the knowledge base (changed
    /// by `prepare` before the server loads it), with `token` as `POLICYDESK_ADMIN_TOKEN` (admin
    /// routes off when nil) and no rate limit to speak of.
    static func run<Value: Sendable>(
        token: String? = AdminTest.token,
        store: SQLiteStorage? = nil,
        prepare: (KnowledgeCopy) throws -> Void = { _ in },
        configure: (inout ServerConfiguration) -> Void = { _ in },
        now: @escaping @Sendable () -> Date = { Date() },
        _ body: @Sendable (any TestClientProtocol, ServerParts, KnowledgeCopy) async throws -> Value
    ) async throws -> Value {
        let copy = try KnowledgeCopy()
        defer { copy.remove() }
        try prepare(copy)
        return try await TestServer.run(
            configure: { configuration in
                configuration.intents = copy.intents.path
                configuration.templates = copy.templates.path
                configuration.adminToken = token
                configuration.questionsPerMinute = 1_000_000
                configure(&configuration)
            },
            store: store, now: now
        ) { client, parts in try await body(client, parts, copy) }
    }

    /// `X-Admin-User`.
    static let userHeader = HTTPField.Name("X-Admin-User")!

    /// A path segment with everything but unreserved characters percent-encoded (unit names are Chinese).
    static func segment(_ text: String) -> String {
        let unreserved = CharacterSet(
            charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// `value` as JSON text.
    static func json(_ value: Any) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
    }
}

extension TestClientProtocol {
    /// Calls an admin route with the bearer token (or `token`, or none) and `X-Admin-User: user`.
    func admin(
        _ method: HTTPRequest.Method, _ uri: String, body: String? = nil, user: String? = "测试员",
        token: String? = AdminTest.token
    ) async throws -> TestResponse {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let user { headers[AdminTest.userHeader] = user }
        if body != nil { headers[.contentType] = "application/json; charset=utf-8" }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    /// Calls an admin route with `object` as its JSON body.
    func admin(_ method: HTTPRequest.Method, _ uri: String, json object: Any, user: String? = "测试员") async throws
        -> TestResponse
    {
        try await admin(method, uri, body: AdminTest.json(object), user: user)
    }

    /// The answer object `POST /v1/ask` gives for `text`; fails the test unless it is a 200 with JSON.
    func answer(_ text: String) async throws -> [String: Any] {
        let response = try await ask(text)
        #expect(response.status == .ok, "ask \(text): \(response.status) \(response.text)")
        return response.json
    }

    /// The audit log, newest first.
    func auditEntries(limit: Int = 50, offset: Int = 0) async throws -> [[String: Any]] {
        let response = try await admin(.get, "/admin/audit?limit=\(limit)&offset=\(offset)")
        #expect(response.status == .ok)
        return response.jsonArray
    }

    /// The open misses.
    func misses() async throws -> [[String: Any]] {
        let response = try await admin(.get, "/admin/misses")
        #expect(response.status == .ok, "\(response.text)")
        return response.jsonArray
    }
}

extension TestResponse {
    /// The body parsed as a JSON array of objects (empty when it is not one).
    var jsonArray: [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] ?? []
    }

    /// `error` of a JSON error body ("" when absent).
    var error: String { json["error"] as? String ?? "" }
}

/// How one version of a file differs from another, line by line and byte for byte: every line
/// before `removed`/`added` and every line after them is the same bytes in both versions.
struct LineChange: Equatable, CustomStringConvertible {
    /// The line number (from 1) where the change starts.
    var line: Int
    /// The lines of the old version that are gone.
    var removed: [String]
    /// The lines of the new version that stand in their place.
    var added: [String]

    /// The change from `before` to `after` (the common leading and trailing lines, compared as bytes, are left out).
    init(_ before: Data, _ after: Data) {
        let a = Self.lines(before), b = Self.lines(after)
        var head = 0
        while head < a.count, head < b.count, a[head] == b[head] { head += 1 }
        var tail = 0
        while tail < a.count - head, tail < b.count - head, a[a.count - 1 - tail] == b[b.count - 1 - tail] { tail += 1 }
        line = head + 1
        removed = a[head..<(a.count - tail)].map { String(decoding: $0, as: UTF8.self) }
        added = b[head..<(b.count - tail)].map { String(decoding: $0, as: UTF8.self) }
    }

    init(line: Int, removed: [String], added: [String]) {
        self.line = line
        self.removed = removed
        self.added = added
    }

    /// The lines of `data` as bytes, split at `\n`.
    static func lines(_ data: Data) -> [[UInt8]] {
        Array(data).split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
    }

    var description: String { "line \(line): -\(removed) +\(added)" }
}

/// Parses `data` as YAML the way the loader does; nil when it is not valid YAML (or not UTF-8).
func parsedYAML(_ data: Data) -> Node? {
    guard let text = String(data: data, encoding: .utf8) else { return nil }
    return try? Yams.compose(yaml: text)
}

/// The examples of item `id` in a parsed clause file.
func examples(of id: String, in root: Node?) -> [String]? {
    guard case .sequence(let items)? = root?["items"], let item = items.first(where: { $0["id"]?.string == id }) else {
        return nil
    }
    return item["examples"]?.array().compactMap(\.string)
}

extension KnowledgeCopy {
    /// Replaces the one occurrence of `old` in a file under `Intents/`; fails the test when
    /// `old` does not occur exactly once.
    func replace(_ old: String, with new: String, in relative: String) throws {
        let text = try self.text(relative)
        try #require(text.components(separatedBy: old).count == 2, "「\(old)」 is not in \(relative) exactly once")
        try write(text.replacingOccurrences(of: old, with: new), to: relative)
    }
}

/// `text` (an audit entry's `before` or `after`) parsed as JSON.
func jsonValue(_ text: Any?) -> Any? {
    guard let text = text as? String else { return nil }
    return try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}

/// A flag one task sets and others read.
final class Flag: Sendable {
    private let value = Atomic<Bool>(false)

    /// Whether it has been set.
    var isSet: Bool { value.load(ordering: .acquiring) }

    /// Sets it.
    func set() { value.store(true, ordering: .releasing) }
}
