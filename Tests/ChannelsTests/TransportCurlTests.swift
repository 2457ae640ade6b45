import Channels
import Foundation
import TestSupport
import Testing

/// ``CurlTransport`` against a real HTTP server on 127.0.0.1.
@Suite("CurlTransport")
struct TransportCurlTests {
    @Test("POST sends method, headers and binary body, and returns status, headers and body")
    func postRoundTrip() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            let transport = CurlTransport()
            let body = Data([0x00, 0xFF, 0x7B, 0x0A, 0x22]) + Data("政策".utf8)
            let response = try await transport.send(
                OutboundRequest(
                    method: .post, url: platform.baseURL + "/echo?a=1&b=%2B",
                    headers: [
                        ("Content-Type", "application/octet-stream"), ("X-Trace-Id", "abc-123"), ("X-Empty", ""),
                    ],
                    body: body))
            #expect(response.status == 200)
            #expect(response.header("x-fake-platform") == "echo")
            #expect(response.headers.filter { $0.0 == "X-Repeated" }.map(\.1) == ["one", "two"])
            let echo = try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
            #expect(echo["method"] as? String == "POST")
            #expect(echo["query"] as? String == "a=1&b=%2B")
            let headers = try #require(echo["headers"] as? [String: String])
            #expect(headers["x-trace-id"] == "abc-123")
            #expect(headers["x-empty"] == "")
            #expect(headers["content-type"] == "application/octet-stream")
            #expect(headers["content-length"] == String(body.count))
            #expect(headers["expect"] == nil)
            #expect(Data(base64Encoded: echo["body_b64"] as? String ?? "") == body)
        }
    }

    @Test("GET carries no body and reaches the path and query")
    func getRoundTrip() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            let response = try await CurlTransport().send(
                OutboundRequest(
                    method: .get, url: platform.baseURL + "/echo?x=%E6%94%BF", headers: [("Accept", "application/json")]
                ))
            #expect(response.status == 200)
            let recorded = try #require(platform.requests().last)
            #expect(recorded.method == "GET")
            #expect(recorded.query == "x=%E6%94%BF")
            #expect(recorded.header("Accept") == "application/json")
            #expect(recorded.body.isEmpty)
        }
    }

    @Test("Every method reaches the server as given", arguments: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"])
    func methods(_ method: String) async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            let body = method == "GET" || method == "HEAD" ? Data() : Data("{\"k\":1}".utf8)
            let response = try await CurlTransport().send(
                OutboundRequest(method: .init(rawValue: method), url: platform.baseURL + "/echo", body: body))
            #expect(response.status == 200)
            let recorded = try #require(platform.requests().last)
            #expect(recorded.method == method)
            #expect(recorded.body == body)
        }
    }

    @Test("Non-2xx answers are returned, not thrown")
    func serverErrorIsAnAnswer() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            platform.script("/echo", [.init(status: 503, body: "{\"busy\":true}")])
            let response = try await CurlTransport().send(OutboundRequest(url: platform.baseURL + "/echo"))
            #expect(response.status == 503)
            #expect(String(decoding: response.body, as: UTF8.self) == "{\"busy\":true}")
            #expect(!response.isSuccess)
        }
    }

    @Test("A server slower than the timeout gives .timeout, promptly")
    func timeoutFires() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            // libcurl's own timer, so real time: a 300 ms timeout against a 30 s answer must fire
            // long before the answer, with ample room for a busy machine.
            let clock = ContinuousClock()
            let start = clock.now
            await #expect(throws: TransportError.timeout) {
                _ = try await CurlTransport().send(
                    OutboundRequest(url: platform.baseURL + "/delay?ms=30000", timeout: .milliseconds(300)))
            }
            #expect(clock.now - start < .seconds(10))
        }
    }

    @Test("A closed port gives .connectionFailed with libcurl's reason")
    func connectionRefused() async throws {
        let port = try closedPort()
        let error = await outboundCaught { () async throws(TransportError) in
            _ = try await CurlTransport().send(OutboundRequest(url: "http://127.0.0.1:\(port)/x?key=secret-in-query"))
        }
        guard let error, case .connectionFailed(let detail) = error else {
            Issue.record("expected connectionFailed, got \(String(describing: error))")
            return
        }
        #expect(detail.contains("\(port)"))
        #expect(!error.description.contains("secret-in-query"))
        #expect(error.isTransient)
    }

    @Test(
        "Malformed and non-HTTP URLs give .invalidURL",
        arguments: ["not a url", "ftp://127.0.0.1/file", "file:///etc/passwd"])
    func invalidURL(_ url: String) async throws {
        await #expect(throws: TransportError.invalidURL) {
            _ = try await CurlTransport().send(OutboundRequest(url: url))
        }
    }

    @Test("A header value with a line break is refused before anything is sent")
    func headerInjectionRefused() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            let error = await outboundCaught { () async throws(TransportError) in
                _ = try await CurlTransport().send(
                    OutboundRequest(url: platform.baseURL + "/echo", headers: [("X-Bad", "a\r\nInjected: yes")]))
            }
            let recorded = platform.requests()
            #expect(recorded.isEmpty)
            guard case .other(_, let message)? = error else {
                Issue.record("expected .other, got \(String(describing: error))")
                return
            }
            #expect(message.contains("X-Bad"))
            #expect(!message.contains("Injected"))
        }
    }

    @Test("Sequential requests reuse one keep-alive connection")
    func connectionReuse() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            let transport = CurlTransport()
            for index in 0..<30 {
                let response = try await transport.send(
                    .postJSON(url: platform.baseURL + "/echo", body: Data("{\"i\":\(index)}".utf8)))
                #expect(response.status == 200)
            }
            let recorded = platform.requests()
            #expect(recorded.count == 30)
            #expect(Set(recorded.map(\.clientPort)).count == 1)
        }
    }

    @Test("50 concurrent requests each get their own answer over a bounded set of connections")
    func concurrentRequests() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            let transport = CurlTransport(configuration: .init(maxConcurrentTransfers: 6))
            let results = try await withThrowingTaskGroup(of: (Int, Data).self) { group in
                for index in 0..<50 {
                    group.addTask {
                        let body = Data("request-\(index)".utf8)
                        let response = try await transport.send(
                            OutboundRequest(method: .post, url: platform.baseURL + "/echo?i=\(index)", body: body))
                        let echo = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
                        return (index, Data(base64Encoded: echo?["body_b64"] as? String ?? "") ?? Data())
                    }
                }
                return try await group.reduce(into: [Int: Data]()) { $0[$1.0] = $1.1 }
            }
            #expect(results.count == 50)
            for (index, body) in results {
                #expect(body == Data("request-\(index)".utf8))
            }
            let recorded = platform.requests()
            #expect(recorded.count == 50)
            #expect(Set(recorded.map(\.clientPort)).count <= 6)
        }
    }

    @Test("A body over the configured limit aborts with a clear message")
    func responseLimit() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            platform.script("/echo", [.init(body: String(repeating: "x", count: 5_000))])
            let transport = CurlTransport(configuration: .init(maxResponseBytes: 1_000))
            let error = await outboundCaught { () async throws(TransportError) in
                _ = try await transport.send(OutboundRequest(url: platform.baseURL + "/echo"))
            }
            guard case .other(_, let message)? = error else {
                Issue.record("expected .other, got \(String(describing: error))")
                return
            }
            #expect(message.contains("1000-byte limit"))
        }
    }

    @Test("Cancelling the task aborts a running transfer")
    func cancellation() async throws {
        try await FakePlatform.with(.outbound()) { (platform) async throws in
            let transport = CurlTransport()
            // Without cancellation the transfer would succeed after a minute; the result tells which
            // happened, and the bound (far below the minute, far above any scheduling delay) that it was prompt.
            let clock = ContinuousClock()
            let start = clock.now
            let task = Task {
                try await transport.send(
                    OutboundRequest(url: platform.baseURL + "/delay?ms=60000", timeout: .seconds(120)))
            }
            try await Task.sleep(for: .milliseconds(200))
            task.cancel()
            let result = await task.result
            #expect(clock.now - start < .seconds(45))
            guard case .failure(let error as TransportError) = result, case .other(_, let message) = error else {
                Issue.record("expected a cancellation error, got \(result)")
                return
            }
            #expect(message.contains("cancelled"))
        }
    }
}

/// The error `body` throws, or `nil` if it succeeds; keeps the error's concrete type, which
/// a `do`/`catch` inside a test closure would widen to `any Error`.
func outboundCaught<Failure: Error>(_ body: () async throws(Failure) -> Void) async -> Failure? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}
