public import Channels
public import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A stand-in for the platforms' group robots, inside the process, for a campaign rehearsal: an
/// HTTP listener on 127.0.0.1 (a port the system picks) that answers every post as the
/// platform's robot webhook answers a message it accepted, and records what it received.
public final class RehearsalPlatform: Sendable {
    /// One request the listener received.
    public struct Request: Sendable {
        /// The path posted to, `/rehearsal/PLATFORM/N`.
        public var path: String
        /// The platform the path names.
        public var platform: Platform?
        /// The robot number the path names.
        public var robot: Int?
        /// The JSON body as posted.
        public var body: Data

        /// What a person would read in the group: the text, the Markdown, or a card's title and elements.
        public var text: String? {
            guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
            switch platform {
            case .wecom?, .dingtalk?:
                guard let type = object["msgtype"] as? String, let part = object[type] as? [String: Any] else {
                    return nil
                }
                let title = (platform == .dingtalk ? part["title"] as? String : nil).map { "[\($0)]\n" } ?? ""
                return ((part["text"] ?? part["content"]) as? String).map { title + $0 }
            case .feishu?:
                if let content = object["content"] as? [String: Any], let text = content["text"] as? String {
                    return text
                }
                guard let card = object["card"] as? [String: Any] else { return nil }
                let header = ((card["header"] as? [String: Any])?["title"] as? [String: Any])?["content"] as? String
                let elements = (card["elements"] as? [[String: Any]] ?? []).compactMap { $0["content"] as? String }
                return ([header.map { "[\($0)]" }].compactMap { $0 } + elements).joined(separator: "\n")
            case nil:
                return nil
            }
        }
    }

    /// The requests received, in order of arrival; shared with the listener's handler.
    final class RequestLog: Sendable {
        private let entries = Mutex<[Request]>([])

        func append(_ request: Request) { entries.withLock { $0.append(request) } }

        var all: [Request] { entries.withLock { $0 } }
    }

    /// `http://127.0.0.1:PORT`.
    public let baseURL: String
    private let received: RequestLog

    private init(baseURL: String, received: RequestLog) {
        self.baseURL = baseURL
        self.received = received
    }

    /// The requests received so far, in order of arrival.
    public var requests: [Request] { received.all }

    /// The address a robot of `platform` numbered `robot` is rewritten to.
    public func url(platform: Platform, robot: Int) -> String {
        "\(baseURL)/rehearsal/\(platform.rawValue)/\(robot)?rehearsal=1"
    }

    /// Runs `body` with a listening platform and stops the listener afterwards, even on failure.
    public static func with<T: Sendable>(
        _ body: @Sendable (RehearsalPlatform) async throws -> T
    ) async throws -> T {
        let log = RequestLog()
        let router = Router(context: BasicRequestContext.self)
        router.post("/rehearsal/{platform}/{robot}") { request, context -> Response in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let platform = context.parameters.get("platform").flatMap(Platform.init(rawValue:))
            let entry = Request(
                path: request.uri.path, platform: platform, robot: context.parameters.get("robot").flatMap { Int($0) },
                body: Data(bytes.readableBytesView))
            log.append(entry)
            let answer =
                platform == .feishu ? #"{"code":0,"msg":"success","data":{}}"# : #"{"errcode":0,"errmsg":"ok"}"#
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: answer)))
        }
        var logger = Logger(label: "policydesk.rehearsal")
        logger.logLevel = .error
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let application = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "PolicyDeskRehearsal"),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
        let running = Task { try await group.run() }
        // A listener that cannot bind ends the group without a port: stop waiting then too.
        let watcher = Task {
            _ = try? await running.value
            portContinuation.finish()
        }
        defer { watcher.cancel() }
        var port = 0
        for await value in ports {
            port = value
            break
        }
        guard port > 0 else {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            throw RehearsalError.listenerDidNotStart
        }
        let platform = RehearsalPlatform(baseURL: "http://127.0.0.1:\(port)", received: log)
        let outcome: Result<T, any Error>
        do {
            outcome = .success(try await body(platform))
        } catch {
            outcome = .failure(error)
        }
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        return try outcome.get()
    }
}

/// Why a rehearsal could not run.
public enum RehearsalError: Error, Sendable, CustomStringConvertible {
    /// The listener could not bind to 127.0.0.1.
    case listenerDidNotStart

    /// One line for the command's error.
    public var description: String {
        switch self {
        case .listenerDidNotStart: "the rehearsal's local fake platform could not listen on 127.0.0.1"
        }
    }
}
