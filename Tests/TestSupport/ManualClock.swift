public import Foundation
public import Outreach
import Synchronization

/// A clock that moves only when told to: by hand (``advance(to:)``, ``advance(by:)``), or by
/// itself once every task that shares it is asleep on it. It is a ``CampaignClock`` (dates), and
/// ``swiftClock`` is the same clock as a Swift `Clock` (durations).
///
/// A campaign run on this clock takes no real time to wait out a window or a rest, and a fake
/// platform that reads the same clock sees each request arrive at the very moment the runner
/// decided to send it: time stands still while anything is awake, so no network or machine
/// delay can come between the two.
///
/// Moving by itself: with ``participants`` set to N, when N tasks wait in ``sleep(until:)`` the
/// clock jumps to the earliest of their deadlines and wakes whoever is due. A task that will
/// never sleep again must be taken off the count (``participantFinished()``), or the others
/// would wait for it forever.
public final class ManualClock: CampaignClock {
    private struct Sleeper {
        let id: UInt64
        let deadline: Date
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var participants: Int?
        var sleepers: [Sleeper] = []
        var nextID: UInt64 = 0
        /// Sleepers cancelled before they had suspended.
        var cancelled: Set<UInt64> = []
        /// Every moment the clock woke sleepers at, in order.
        var wakeups: [Date] = []
    }

    private let state: Mutex<State>

    /// A clock reading `start`; moving by itself once `participants` tasks sleep on it, if given.
    public init(_ start: Date, participants: Int? = nil) {
        state = Mutex(State(now: start, participants: participants))
    }

    /// The current time.
    public func now() -> Date {
        state.withLock { $0.now }
    }

    /// The same clock as a Swift `Clock`, for code that sleeps for durations: its sleepers are
    /// this clock's.
    public var swiftClock: SwiftClock { SwiftClock(base: self) }

    /// How many tasks are asleep on the clock.
    public var sleepers: Int {
        state.withLock { $0.sleepers.count }
    }

    /// The moments the clock has moved to in order to wake a sleeper, in order.
    public var wakeups: [Date] {
        state.withLock { $0.wakeups }
    }

    /// How many tasks share the clock; nil when only the test moves it.
    public var participants: Int? {
        get { state.withLock { $0.participants } }
        set {
            resume(
                state.withLock {
                    $0.participants = newValue; return Self.autoAdvance(&$0)
                })
        }
    }

    /// One of the tasks sharing the clock will not sleep on it again.
    public func participantFinished() {
        resume(
            state.withLock {
                if let count = $0.participants { $0.participants = max(0, count - 1) }
                return Self.autoAdvance(&$0)
            })
    }

    /// Returns once the clock reads `deadline` or later (at once if it already does); throws
    /// `CancellationError` when the task is cancelled first.
    public func sleep(until deadline: Date) async throws {
        let id = state.withLock {
            $0.nextID += 1
            return $0.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (immediate, due) = state.withLock { state -> (Result<Void, any Error>?, [Sleeper]) in
                    if state.cancelled.remove(id) != nil { return (.failure(CancellationError()), []) }
                    if deadline <= state.now { return (.success(()), []) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return (nil, Self.autoAdvance(&state))
                }
                if let immediate { continuation.resume(with: immediate) }
                resume(due)
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else {
                    state.cancelled.insert(id)
                    return nil
                }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
        // A sleeper woken normally may still have left its id behind if cancellation raced it.
        state.withLock { _ = $0.cancelled.remove(id) }
    }

    /// Moves the clock to `time` (never back) and wakes every sleeper due by then.
    public func advance(to time: Date) {
        resume(
            state.withLock { state in
                if time > state.now { state.now = time }
                return Self.takeDue(&state)
            })
    }

    /// Moves the clock forward by `seconds`.
    public func advance(by seconds: TimeInterval) {
        resume(
            state.withLock { state in
                state.now = state.now.addingTimeInterval(max(0, seconds))
                return Self.takeDue(&state)
            })
    }

    /// When every participant sleeps, moves to the earliest deadline; returns who to wake.
    private static func autoAdvance(_ state: inout State) -> [Sleeper] {
        guard let participants = state.participants, participants > 0, state.sleepers.count >= participants,
            let earliest = state.sleepers.map(\.deadline).min()
        else { return [] }
        if earliest > state.now { state.now = earliest }
        return takeDue(&state)
    }

    private static func takeDue(_ state: inout State) -> [Sleeper] {
        let now = state.now
        let due = state.sleepers.filter { $0.deadline <= now }
        guard !due.isEmpty else { return [] }
        state.sleepers.removeAll { $0.deadline <= now }
        state.wakeups.append(now)
        return due
    }

    private func resume(_ sleepers: [Sleeper]) {
        for sleeper in sleepers { sleeper.continuation.resume() }
    }
}

extension ManualClock {
    /// A ``ManualClock`` seen as a Swift `Clock`.
    public struct SwiftClock: Clock {
        /// A moment on the clock.
        public struct Instant: InstantProtocol {
            /// The moment as a date.
            public var date: Date

            /// The moment `duration` later.
            public func advanced(by duration: Duration) -> Instant {
                Instant(date: date.addingTimeInterval(duration / .seconds(1)))
            }

            /// The time from this moment to `other`.
            public func duration(to other: Instant) -> Duration {
                .seconds(other.date.timeIntervalSince(date))
            }

            /// Whether `a` comes before `b`.
            public static func < (a: Instant, b: Instant) -> Bool { a.date < b.date }
        }

        /// The clock it shows.
        public let base: ManualClock

        /// The current time.
        public var now: Instant { Instant(date: base.now()) }

        /// The smallest step the clock can take.
        public var minimumResolution: Duration { .nanoseconds(1) }

        /// Returns once the clock reaches `deadline`; a clock that moves in steps needs no tolerance.
        public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
            try await base.sleep(until: deadline.date)
        }
    }
}
