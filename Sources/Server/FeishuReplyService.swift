public import Channels
import Desk
import Foundation
public import Logging
import Matching
import PolicyKit
public import ServiceLifecycle

/// Sends Feishu replies through the reply API, off the request path. On shutdown it stops
/// taking new replies and finishes the ones it has.
public struct FeishuReplyService: Service {
    /// One reply to send.
    public struct Job: Sendable {
        public var messageID: String
        public var text: String
        public var idempotencyKey: String?
    }

    private let client: FeishuClient?
    private let stream: AsyncStream<Job>
    private let continuation: AsyncStream<Job>.Continuation
    private let metrics: ServerMetrics
    private let logger: Logger

    public init(client: FeishuClient?, metrics: ServerMetrics, logger: Logger) {
        (stream, continuation) = AsyncStream.makeStream(of: Job.self)
        self.client = client
        self.metrics = metrics
        self.logger = logger
    }

    /// Queues a reply.
    public func enqueue(_ job: Job) {
        continuation.yield(job)
    }

    public func run() async throws {
        guard let client else {
            // Feishu is off: nothing to send, but a service must live as long as the server.
            try? await gracefulShutdown()
            return
        }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await job in stream {
                    group.addTask { await send(job, with: client) }
                }
            }
        } onGracefulShutdown: {
            continuation.finish()
        }
    }

    private func send(_ job: Job, with client: FeishuClient) async {
        do {
            _ = try await client.reply(messageID: job.messageID, text: job.text, idempotencyKey: job.idempotencyKey)
            metrics.outbound(platform: "feishu", result: "ok")
        } catch {
            metrics.outbound(platform: "feishu", result: "failed")
            logger.error(
                "feishu reply failed", metadata: ["feishu.message_id": "\(job.messageID)", "reason": "\(error)"])
        }
    }
}
