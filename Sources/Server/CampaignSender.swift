public import Channels
import Foundation
public import Logging
public import Outreach
public import OutreachModel
import ServiceLifecycle
import Synchronization

/// Sends the campaigns staff start from the page, in the background, by the command line's rules.
///
/// A start takes the same ``CampaignRunLock`` as `policydesk campaign run` (an `flock` beside an
/// SQLite file, an advisory lock in a shared PostgreSQL database) before anything is stored, so a second start (from the page or the command line) is refused at once while one
/// sends; the lock then travels with the job and is released when its run ends. The runs
/// themselves happen in ``CampaignSendingService``, a service of the server's group, so a graceful
/// shutdown stops them as Ctrl-C stops the command: calls in flight finish, nothing is uncertain.
public final class CampaignSender: Sendable {
    /// A campaign to send, with the lock taken for it.
    struct Job: Sendable {
        let campaignID: Int64
        let lock: any CampaignRunLock
        let startedBy: String
    }

    /// Takes the database's run lock (the one the command line takes).
    let takeRunLock: @Sendable () async throws(CampaignRunLockError) -> any CampaignRunLock
    let store: any CampaignStore
    let transport: any HTTPTransport
    let settings: CampaignLaunch.RunSettings
    let logger: Logger
    let jobs: AsyncStream<Job>
    private let queue: AsyncStream<Job>.Continuation
    /// Campaigns queued or sending in this process.
    private let active = Mutex<Set<Int64>>([])

    /// A sender for the campaigns of `store`, whose run lock `takeRunLock` takes.
    public init(
        store: any CampaignStore,
        takeRunLock: @escaping @Sendable () async throws(CampaignRunLockError) -> any CampaignRunLock,
        transport: any HTTPTransport, settings: CampaignLaunch.RunSettings = .init(), logger: Logger
    ) {
        self.takeRunLock = takeRunLock
        self.store = store
        self.transport = transport
        self.settings = settings
        self.logger = logger
        (jobs, queue) = AsyncStream<Job>.makeStream()
    }

    /// Takes the run lock, or fails with ``CampaignRunLockError/held(lock:)`` while another run
    /// (of any instance, or of `policydesk campaign run`) holds it.
    func claim() async throws(CampaignRunLockError) -> any CampaignRunLock {
        try await takeRunLock()
    }

    /// Queues campaign `id` for sending under `lock`, which the run releases when it ends.
    func send(_ id: Int64, holding lock: any CampaignRunLock, startedBy who: String) {
        active.withLock { _ = $0.insert(id) }
        queue.yield(Job(campaignID: id, lock: lock, startedBy: who))
    }

    /// Whether campaign `id` is queued or sending in this process.
    public func isSending(_ id: Int64) -> Bool {
        active.withLock { $0.contains(id) }
    }

    /// Sends one job to the end, or until cancelled; every outcome is logged, none thrown.
    func execute(_ job: Job) async {
        defer { active.withLock { _ = $0.remove(job.campaignID) } }
        var logger = logger
        logger[metadataKey: "campaign.id"] = "\(job.campaignID)"
        logger[metadataKey: "staff.name"] = "\(job.startedBy)"
        let eventLogger = logger
        let runner = CampaignLaunch.runner(store: store, transport: transport, settings: settings) { event in
            // Deliveries are counted in the store and shown on the page; only what needs a person is logged.
            switch event.kind {
            case .delivered, .skipped: eventLogger.debug("\(event)")
            default: eventLogger.notice("\(event)")
            }
        }
        logger.notice("campaign sending started from the staff page")
        do {
            let summary = try await runner.run(campaignID: job.campaignID)
            let counts = summary.counts
            logger.notice(
                summary.stopped ? "campaign sending stopped; it continues when started again" : "campaign sent",
                metadata: [
                    "campaign.delivered": "\(counts[.delivered] ?? 0)", "campaign.failed": "\(counts[.failed] ?? 0)",
                    "campaign.uncertain": "\(counts[.uncertain] ?? 0)",
                    "campaign.pending": "\((counts[.planned] ?? 0) + (counts[.retrying] ?? 0))",
                    "campaign.calls": "\(summary.attempts)",
                ])
        } catch is CancellationError {
            logger.notice("campaign sending stopped before the first send; it continues when started again")
        } catch {
            logger.error("campaign sending failed", metadata: ["error": "\(error)"])
        }
        await job.lock.release()
    }
}

/// Runs the campaigns queued on a ``CampaignSender`` for as long as the server runs; on graceful
/// shutdown the runs are cancelled, which ``CampaignRunner`` takes as "stop after the calls in flight".
struct CampaignSendingService: Service {
    let sender: CampaignSender

    func run() async throws {
        let sender = sender
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for await job in sender.jobs {
                    group.addTask { await sender.execute(job) }
                }
            }
        }
    }
}
