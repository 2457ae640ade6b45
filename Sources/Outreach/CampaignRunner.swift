public import Channels
public import Foundation
public import OutreachModel
import Synchronization

/// Sends a planned campaign through the group robots, within each robot's limits, recording every
/// delivery before and after its HTTP call.
///
/// Each robot has a lane: a task that owns the robot's throttle and queue, so the limiter state
/// needs no lock; lanes run in parallel, and a shared ``SendPermits`` caps the HTTP calls in
/// flight. A delivery is marked `sending` and committed before its call, and its outcome after, so a
/// run killed at any moment and started again repeats nothing: whatever was `sending` becomes
/// `uncertain` and waits for a person. The send and the outcome's write are shielded from
/// cancellation, so an orderly stop (Ctrl-C) lets calls in flight finish and leaves nothing uncertain.
public struct CampaignRunner: Sendable {
    /// Tunables of a run.
    public struct Configuration: Sendable {
        /// HTTP calls in flight at once, across all robots.
        public var maxInFlight: Int
        /// How long to wait for a platform's answer before the send is uncertain.
        public var requestTimeout: Duration
        /// Retries and give-ups.
        public var policy: SendPolicy
        /// The limits of a robot of each platform.
        public var limits: @Sendable (Platform) -> RobotLimits

        /// Creates a configuration.
        public init(
            maxInFlight: Int = 16, requestTimeout: Duration = .seconds(10), policy: SendPolicy = SendPolicy(),
            limits: @escaping @Sendable (Platform) -> RobotLimits = RobotLimits.of
        ) {
            self.maxInFlight = max(1, maxInFlight)
            self.requestTimeout = requestTimeout
            self.policy = policy
            self.limits = limits
        }
    }

    /// Something that happened during a run, for progress output; carries no URL or secret.
    public struct Event: Sendable, CustomStringConvertible {
        /// What happened.
        public enum Kind: String, Sendable {
            /// Deliveries left `sending` by a stopped process were marked uncertain.
            case recovered
            /// The run started.
            case started
            /// A message was delivered.
            case delivered
            /// A message will be tried again.
            case retrying
            /// A message failed for good.
            case failed
            /// A message may or may not have arrived.
            case uncertain
            /// A message was skipped: another campaign sent an item of it within the window.
            case skipped
        }

        /// What happened.
        public var kind: Kind
        /// The delivery, if one.
        public var deliveryID: Int64?
        /// The enterprise, if one.
        public var enterprise: String?
        /// The robot, redacted.
        public var robot: String?
        /// Details in words.
        public var detail: String

        /// Creates an event.
        public init(
            kind: Kind, deliveryID: Int64? = nil, enterprise: String? = nil, robot: String? = nil, detail: String
        ) {
            self.kind = kind
            self.deliveryID = deliveryID
            self.enterprise = enterprise
            self.robot = robot
            self.detail = detail
        }

        /// One line for a log.
        public var description: String {
            var parts = [kind.rawValue]
            if let deliveryID { parts.append("#\(deliveryID)") }
            if let enterprise { parts.append(enterprise) }
            if let robot { parts.append("(\(robot))") }
            if !detail.isEmpty { parts.append("— \(detail)") }
            return parts.joined(separator: " ")
        }
    }

    /// What a run did.
    public struct Summary: Sendable {
        /// Deliveries a previous process left in flight, now uncertain.
        public var recovered: [Int64]
        /// HTTP calls made by this run.
        public var attempts: Int
        /// Deliveries of the campaign by state when the run ended.
        public var counts: [DeliveryState: Int]
        /// Whether the run stopped before finishing (cancelled).
        public var stopped: Bool
        /// Campaign time from start to end.
        public var elapsed: TimeInterval
    }

    private let store: any CampaignStore
    private let transport: any HTTPTransport
    private let clock: any CampaignClock
    private let configuration: Configuration
    private let onEvent: @Sendable (Event) -> Void

    /// Creates a runner.
    public init(
        store: any CampaignStore, transport: any HTTPTransport, clock: any CampaignClock = SystemCampaignClock(),
        configuration: Configuration = Configuration(), onEvent: @escaping @Sendable (Event) -> Void = { _ in }
    ) {
        self.store = store
        self.transport = transport
        self.clock = clock
        self.configuration = configuration
        self.onEvent = onEvent
    }

    /// Sends every pending delivery of the campaign and returns when none is left (or on cancellation).
    ///
    /// Call it only while holding the run lock (``CampaignRunLock``): it turns every `sending` row of
    /// the database into `uncertain`, which is right only when no other process is sending.
    public func run(campaignID: Int64) async throws -> Summary {
        guard let campaign = try await store.campaign(id: campaignID) else {
            throw OutreachError.campaignNotFound(campaignID)
        }
        let start = clock.now()
        let recovered = try await store.recoverInterruptedSends(at: start)
        if !recovered.isEmpty {
            onEvent(
                Event(
                    kind: .recovered,
                    detail: "\(recovered.count) deliveries were in flight when the previous run stopped; marked "
                        + "uncertain, not resent: \(recovered.map { "#\($0)" }.joined(separator: ", "))"))
        }
        let robots = Dictionary(
            uniqueKeysWithValues: try await store.robots(campaignID: campaignID).map { ($0.key, $0) })
        let pending = try await store.deliveries(campaignID: campaignID).filter(\.state.isPending)
        let queues = Dictionary(grouping: pending, by: \.robotKey)

        var lanes: [RobotLane] = []
        for (key, queue) in queues.sorted(by: { $0.key < $1.key }) {
            guard let robot = robots[key], let platform = Platform(rawValue: robot.platform) else { continue }
            let address = RobotAddress(platform: platform, url: robot.url, secret: robot.secret)
            lanes.append(
                RobotLane(
                    robot: robot, label: address.description, webhook: address.webhook,
                    throttle: RobotThrottle(limits: configuration.limits(platform)), queue: queue))
        }
        // A restarted run must count what the process before it sent in the same windows. Like a
        // live send, an attempt counts from when its answer came (or, for one a dead process left
        // in flight, from when it was found): the latest moment the platform can have received it.
        let memory = (lanes.map(\.throttle.limits.memory).max() ?? 0) + 60
        let recent = try await store.recentAttempts(
            robotKeys: Set(lanes.map(\.robot.key)), since: start.addingTimeInterval(-memory))
        let byRobot = Dictionary(grouping: recent, by: \.robotKey)
        for index in lanes.indices {
            for attempt in byRobot[lanes[index].robot.key] ?? [] {
                lanes[index].throttle.recordSend(at: attempt.finishedAt ?? attempt.startedAt)
                if attempt.outcome == "rateLimited", let finished = attempt.finishedAt {
                    lanes[index].throttle.pause(
                        until: finished.addingTimeInterval(lanes[index].throttle.limits.rateLimitPause))
                }
            }
        }
        onEvent(Event(kind: .started, detail: "\(pending.count) messages to send through \(lanes.count) robots"))

        let context = LaneContext(
            journal: DeliveryJournal(store: store), transport: transport, clock: clock, configuration: configuration,
            onEvent: onEvent, permits: SendPermits(configuration.maxInFlight),
            format: MessageFormat(rawValue: campaign.format) ?? .markdown,
            noRepeat: NoRepeatRule(windowDays: campaign.windowDays))
        var stopped = false
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for lane in lanes {
                    group.addTask { try await lane.run(context) }
                }
                for try await _ in group {}
            }
        } catch is CancellationError {
            stopped = true
        }
        let attempts = context.calls.value
        // After a stop the task is cancelled, and a cancelled task's database reads throw at once
        // (GRDB checks): read the final counts outside it, so a stopped run still reports them.
        let store = store
        let deliveries = try await Task.detached { try await store.deliveries(campaignID: campaignID) }.value
        var counts: [DeliveryState: Int] = [:]
        for delivery in deliveries { counts[delivery.state, default: 0] += 1 }
        return Summary(
            recovered: recovered, attempts: attempts, counts: counts, stopped: stopped,
            elapsed: clock.now().timeIntervalSince(start))
    }
}

/// What every lane of a run shares.
struct LaneContext: Sendable {
    /// Where claims and outcomes are committed, in shared transactions.
    let journal: DeliveryJournal
    /// The HTTP transport every robot is posted through.
    let transport: any HTTPTransport
    /// The run's clock.
    let clock: any CampaignClock
    /// The run's tunables.
    let configuration: CampaignRunner.Configuration
    /// Where progress goes.
    let onEvent: @Sendable (CampaignRunner.Event) -> Void
    /// The cap on HTTP calls in flight.
    let permits: SendPermits
    /// Markdown or text, as planned.
    let format: MessageFormat
    /// The campaign's no-repeat rule, checked again at each claim.
    let noRepeat: NoRepeatRule
    /// HTTP calls made by every lane, read even when the run is stopped part-way.
    let calls = CallCount()
}

/// A count shared by the lanes, so a stopped run (whose lanes never return) still reports it.
final class CallCount: Sendable {
    private let count = Mutex(0)

    /// One more call.
    func add() { count.withLock { $0 += 1 } }

    /// The calls so far.
    var value: Int { count.withLock { $0 } }
}

/// One robot's queue and throttle, run by one task.
struct RobotLane: Sendable {
    /// The robot, credentials included.
    let robot: CampaignRobot
    /// The robot in words without its address: `WeCom robot 1a2b3c4d5e6f`.
    let label: String
    /// What the sender posts to.
    let webhook: RobotWebhook
    /// The robot's schedule, seeded with what earlier runs sent.
    var throttle: RobotThrottle
    /// The robot's pending deliveries.
    var queue: [DeliveryRecord]

    /// Sends the queue, counting its HTTP calls in `context.calls`.
    func run(_ context: LaneContext) async throws {
        var throttle = throttle
        // Due time per delivery: retries wait for their backoff; first tries go in plan order.
        var queue = queue.sorted { $0.seq < $1.seq }.map { (record: $0, due: $0.nextAttemptAt ?? .distantPast) }
        while !queue.isEmpty {
            try Task.checkCancellation()
            let now = context.clock.now()
            guard let index = queue.firstIndex(where: { $0.due <= now }) else {
                try await context.clock.sleep(until: queue.map(\.due).min() ?? now)
                continue
            }
            let allowed = throttle.earliestSend(at: now)
            if allowed > now {
                try await context.clock.sleep(until: allowed)
                continue
            }
            await context.permits.acquire()
            if Task.isCancelled {
                await context.permits.release()
                throw CancellationError()
            }
            let record = queue[index].record
            let stamp = context.clock.now()
            let claim: SendClaim
            do {
                claim = try await context.journal.claim(
                    deliveryID: record.id, at: stamp, noRepeatSince: context.noRepeat.since(stamp))
            } catch {
                await context.permits.release()
                throw error
            }
            guard case .claimed(let attemptID, let attempt) = claim else {
                await context.permits.release()
                queue.remove(at: index)
                if case .skipped(let conflict) = claim {
                    context.onEvent(
                        .init(
                            kind: .skipped, deliveryID: record.id, enterprise: record.enterpriseName, robot: label,
                            detail:
                                "item \(conflict.itemID) was sent by campaign \(conflict.campaignID) within the window")
                    )
                }
                continue
            }
            context.calls.add()
            let result = await Self.send(
                record, attemptID: attemptID, attempt: attempt, webhook: webhook, limits: throttle.limits,
                context: context)
            await context.permits.release()
            // The platform counts a message when it arrives, which is some time after the claim and
            // before the answer; counting it at the answer keeps every window honest whatever the
            // delays in between (one send at a time per robot, so nothing else was sent meanwhile).
            throttle.recordSend(at: context.clock.now())
            let (outcome, pause) = try result.get()
            if let pause { throttle.pause(until: pause) }
            let event: CampaignRunner.Event.Kind
            var detail = ""
            switch outcome {
            case .delivered:
                queue.remove(at: index)
                event = .delivered
            case .retry(let at, let rateLimited, _, let words):
                queue[index].due = at
                queue[index].record.attempts = attempt
                if rateLimited { queue[index].record.rateLimited += 1 }
                event = .retrying
                detail = "\(words); next try at \(ChinaTime.time(at))"
            case .failed(_, let words):
                queue.remove(at: index)
                event = .failed
                detail = words
            case .uncertain(let words):
                queue.remove(at: index)
                event = .uncertain
                detail = words
            }
            context.onEvent(
                .init(
                    kind: event, deliveryID: record.id, enterprise: record.enterpriseName, robot: label, detail: detail)
            )
        }
    }

    /// Posts and records the outcome in a task of its own, so that cancelling the run cannot abort
    /// a call in flight (which would leave its outcome unknown) nor the write that records it.
    private static func send(
        _ record: DeliveryRecord, attemptID: Int64, attempt: Int, webhook: RobotWebhook, limits: RobotLimits,
        context: LaneContext
    ) async -> Result<(SendOutcome, Date?), any Error> {
        await Task.detached {
            let watch = TimeoutWatch(base: context.transport)
            let sender = RobotWebhookSender(transport: watch, timeout: context.configuration.requestTimeout)
            let message: RobotMessage =
                switch context.format {
                case .markdown: .markdown(title: record.title, text: record.body)
                case .text: .text(record.body)
                }
            let result = await sender.send(message, to: webhook)
            let now = context.clock.now()
            let (outcome, pause) = context.configuration.policy.outcome(
                for: result, timedOut: watch.timedOut, attempt: attempt, rateLimitedBefore: record.rateLimited,
                limits: limits, now: now, random: Double.random(in: 0..<1))
            do {
                try await context.journal.finish(deliveryID: record.id, attemptID: attemptID, outcome: outcome, at: now)
            } catch {
                // The row stays `sending`; the next run marks it uncertain, which is the safe reading.
                return .failure(error)
            }
            return .success((outcome, pause))
        }.value
    }
}

/// Caps the HTTP calls in flight across lanes.
actor SendPermits {
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// `count` permits.
    init(_ count: Int) {
        available = count
    }

    /// Waits for a permit.
    func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    /// Returns a permit, handing it straight to the longest waiter.
    func release() {
        if waiters.isEmpty {
            available += 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}

/// A transport that remembers whether its call timed out: a timeout is the one transport failure
/// after which the message may well have been posted.
final class TimeoutWatch: HTTPTransport, Sendable {
    private let base: any HTTPTransport
    private let flag = Mutex(false)

    /// Watches calls through `base`.
    init(base: any HTTPTransport) {
        self.base = base
    }

    /// Whether the call timed out.
    var timedOut: Bool { flag.withLock { $0 } }

    /// Sends through the base transport, noting a timeout.
    func send(_ request: OutboundRequest) async throws(TransportError) -> OutboundResponse {
        do {
            return try await base.send(request)
        } catch {
            if error == .timeout { flag.withLock { $0 = true } }
            throw error
        }
    }
}
