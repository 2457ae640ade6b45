import Desk
import Dispatch
import Foundation
import Logging
import Matching
import PolicyKit
import ServiceLifecycle

/// Reloads the knowledge base when the process gets SIGHUP, the way daemons re-read their
/// configuration. A broken file keeps the old snapshot serving and is logged.
struct HangupReloadService: Service {
    let desks: DeskHolder
    let metrics: ServerMetrics
    let logger: Logger

    func run() async throws {
        signal(SIGHUP, SIG_IGN)
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { continuation.yield() }
        source.resume()
        await withGracefulShutdownHandler {
            for await _ in stream.cancelOnGracefulShutdown() {
                switch desks.reload() {
                case .success(let knowledge):
                    metrics.reload(ok: true)
                    logger.notice(
                        "reloaded the knowledge base on SIGHUP", metadata: ["items": "\(knowledge.policy.items.count)"])
                case .failure(let error):
                    metrics.reload(ok: false)
                    logger.error(
                        "reload refused; the previous knowledge base keeps serving",
                        metadata: ["problems": "\(error.description)"])
                }
            }
        } onGracefulShutdown: {
            continuation.finish()
        }
        source.cancel()
    }
}
