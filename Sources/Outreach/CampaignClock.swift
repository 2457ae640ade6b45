public import Foundation

/// The time a campaign run keeps: when it is, and waiting until a moment.
///
/// Everything the runner stores and every rate-limit decision uses this clock, so a test can move
/// time by hand, and a run against a separate fake platform (the crash test) can send minutes of
/// rate-limited traffic in seconds with ``SystemCampaignClock/init(scale:)``.
public protocol CampaignClock: Sendable {
    /// The current time.
    func now() -> Date
    /// Returns at `deadline` (at once if it has passed); throws when the task is cancelled.
    func sleep(until deadline: Date) async throws
}

/// The system clock, optionally sped up.
///
/// Sped up, it runs `scale` times faster than real time from a fixed anchor (2025-01-01 00:00 UTC),
/// so two processes that use the same scale agree on the time: a restarted run still sees the
/// sends of the run before it in the right place in its windows.
public struct SystemCampaignClock: CampaignClock {
    /// How many seconds of campaign time pass in one real second.
    public let scale: Double

    /// The moment both clocks agree on.
    public static let anchor: TimeInterval = 1_735_689_600

    /// A clock running `scale` times faster than real time (1 for real time).
    public init(scale: Double = 1) {
        self.scale = scale > 0 ? scale : 1
    }

    /// The current campaign time.
    public func now() -> Date {
        let real = Date().timeIntervalSince1970
        guard scale != 1 else { return Date(timeIntervalSince1970: real) }
        return Date(timeIntervalSince1970: Self.anchor + (real - Self.anchor) * scale)
    }

    /// Sleeps for the real time that corresponds to the campaign time left.
    public func sleep(until deadline: Date) async throws {
        let seconds = deadline.timeIntervalSince(now()) / scale
        guard seconds > 0 else { return }
        try await Task.sleep(for: .nanoseconds(Int64(seconds * 1e9)))
    }
}
