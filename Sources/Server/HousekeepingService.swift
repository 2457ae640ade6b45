import Foundation
import Logging
import ServiceLifecycle
import Storage

/// Deletes expired dedupe records and conversations now and then. Nothing reads an expired
/// row, but without a sweep the file (and the claims held in memory) would grow with every
/// message ever received.
struct HousekeepingService: Service {
    let dedupe: any DedupeStore
    let conversations: any ConversationStore
    /// The review log, swept of questions older than `missRetention`; nil leaves it alone.
    var misses: (any MissLog)? = nil
    var missRetention: Duration = .seconds(90 * 86_400)
    let interval: Duration
    let now: @Sendable () -> Date
    let logger: Logger
    /// Runs after each sweep (the server rebuilds its index of open conversations if needed).
    var afterSweep: @Sendable (Date) async -> Void = { _ in }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            await sweep()
        }
    }

    /// One sweep; a failure is logged and the next sweep tries again.
    func sweep() async {
        let moment = now()
        do {
            let claims = try await dedupe.purgeExpiredClaims(now: moment)
            let open = try await conversations.purgeExpiredConversations(now: moment)
            let old = try await misses?.purgeMisses(askedBefore: moment.addingTimeInterval(-missRetention.seconds)) ?? 0
            if claims + open + old > 0 {
                logger.info(
                    "swept expired records",
                    metadata: [
                        "dedupe": "\(claims)", "conversations": "\(open)", "review_log": "\(old)",
                    ])
            }
        } catch {
            logger.error("could not sweep expired records; will try again", metadata: ["error": "\(error)"])
        }
        await afterSweep(moment)
    }
}
