import Foundation
import Hummingbird
import HummingbirdTesting
import Storage
import TestSupport
import Testing

@testable import Channels
@testable import Server

#if canImport(Glibc)
    import Glibc
#endif

/// A client socket written byte by byte, the way slow and idle attackers hold connections open.
final class RawClient: @unchecked Sendable {  // used by one test task at a time
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Sends `text`; false once the server has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Whether the server has closed the connection: a read returns end of file or a reset.
    func isClosedByServer() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
            // A response (a 408 or similar) may come first; keep reading until the end.
        }
    }

    /// One whole request on a fresh connection: the status line's code, or nil when the
    /// connection ends without one.
    static func get(_ path: String, port: Int) throws -> Int? {
        let client = try RawClient(port: port)
        var timeout = timeval(tv_sec: 20 * TestTime.scale, tv_usec: 0)
        setsockopt(client.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        client.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while received.count < 12 {
            let n = recv(client.fd, &buffer, buffer.count, 0)
            guard n > 0 else { return nil }
            received += buffer[0..<n]
        }
        return Int(String(decoding: received[9..<12], as: UTF8.self))
    }

    /// `get`, tried again when the connection ends without a status line.
    ///
    /// With a 1-second idle timeout, a test machine that stalls the server's event loop for
    /// longer than that may close a fresh connection before its request is read; that is the
    /// timeout working, not a client locked out. A locked-out client gets no answer on any try.
    static func served(_ path: String, port: Int, tries: Int = 3) throws -> Int? {
        for _ in 1..<tries {
            if let code = try get(path, port: port) { return code }
        }
        return try get(path, port: port)
    }
}

/// The edge closes idle, slow and stalled connections, and a fresh client is served throughout.
///
/// These tests need real time: a timeout is a property of the clock. The bounds are loose (a
/// connection given 1 s must be gone within 20 s), so a busy machine does not fail them.
@Suite("Timeouts at the edge", .serialized)
struct EdgeTimeoutTests {
    static func withServer(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        var configuration = TestServer.configuration()
        configuration.idleTimeout = .seconds(1)
        configuration.bodyTimeout = .seconds(2)
        configuration.maxConnections = 64
        let dependencies = ServerDependencies(store: try SQLiteStorage.inMemory(), transport: CurlTransport())
        let built = try buildApplication(
            configuration: configuration, dependencies: dependencies, logger: TestServer.logger)
        try await built.application.test(.live) { client in
            try await body(try #require(client.port))
        }
    }

    /// Polls every 100 ms until every client is closed or `seconds` pass; returns those still open.
    static func stillOpen(_ clients: [RawClient], within seconds: Double, whileSending trickle: String? = nil) async
        -> Int
    {
        var open = clients
        let deadline = Date().addingTimeInterval(seconds * Double(TestTime.scale))
        while !open.isEmpty, Date() < deadline {
            if let trickle { for client in open { client.send(trickle) } }
            open = open.filter { !$0.isClosedByServer() }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return open.count
    }

    @Test(
        "idle connections, heads that trickle in and bodies that stop are all closed, and a fresh client is served meanwhile"
    )
    func slowAndIdle() async throws {
        try await Self.withServer { port in
            let idle = try (0..<20).map { _ in try RawClient(port: port) }
            let trickling = try (0..<5).map { _ in try RawClient(port: port) }
            for client in trickling { client.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ") }
            let stalled = try (0..<5).map { _ in try RawClient(port: port) }
            for client in stalled {
                client.send(
                    "POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"text\":"
                )
            }
            #expect(try RawClient.served("/healthz", port: port) == 200, "served while 30 connections hang")
            #expect(await Self.stillOpen(idle + stalled, within: 20) == 0)
            // One byte of a header every 100 ms never completes the head: the head's deadline closes it.
            #expect(await Self.stillOpen(trickling, within: 20, whileSending: "a") == 0)
            #expect(try RawClient.served("/healthz", port: port) == 200)
        }
    }

    @Test("a body sent a byte at a time is cut off at the body deadline")
    func tricklingBody() async throws {
        try await Self.withServer { port in
            let clients = try (0..<3).map { _ in try RawClient(port: port) }
            for client in clients {
                client.send(
                    "POST /v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                )
            }
            // Activity every 100 ms keeps the idle timeout from firing; only the body deadline can.
            #expect(await Self.stillOpen(clients, within: 20, whileSending: " ") == 0)
            #expect(try RawClient.served("/healthz", port: port) == 200)
        }
    }

    @Test("past the connection cap new connections wait rather than fail, and are served once idle ones go")
    func connectionCap() async throws {
        try await Self.withServer { port in
            let hogs = try (0..<70).map { _ in try RawClient(port: port) }
            // 64 are served, 6 wait in the listen queue; the idle timeout frees room within seconds.
            #expect(try RawClient.served("/healthz", port: port) == 200)
            _ = hogs
        }
    }
}
