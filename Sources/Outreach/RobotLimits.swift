public import Channels
public import Foundation

/// How fast one group robot may be sent to, and how long to wait when its platform says "too fast".
///
/// Windows are a little longer than documented: the platform counts arrivals on its clock, we count
/// departures on ours, and the network's delay varies between the two. A margin of a few seconds a
/// minute costs a few percent of throughput; crossing DingTalk's limit costs ten minutes.
public struct RobotLimits: Sendable, Hashable {
    /// At most `count` sends in any `seconds`.
    public struct Window: Sendable, Hashable {
        /// The number of sends.
        public var count: Int
        /// The window's length.
        public var seconds: TimeInterval

        /// Creates a window.
        public init(count: Int, seconds: TimeInterval) {
            self.count = count
            self.seconds = seconds
        }
    }

    /// Moments of every half hour when nothing is sent: Feishu throttles at :00 and :30, when
    /// scheduled jobs everywhere fire.
    public struct QuietPeriods: Sendable, Hashable {
        /// Seconds before each :00 and :30 when sending stops.
        public var before: TimeInterval
        /// Seconds after each :00 and :30 until sending resumes.
        public var after: TimeInterval

        /// Creates quiet periods.
        public init(before: TimeInterval, after: TimeInterval) {
            self.before = before
            self.after = after
        }

        /// The end of the quiet period `time` falls in, or nil when it falls in none.
        public func end(containing time: Date) -> Date? {
            let half: TimeInterval = 1_800
            let t = time.timeIntervalSince1970
            let mark = (t / half).rounded() * half
            guard t >= mark - before, t < mark + after else { return nil }
            return Date(timeIntervalSince1970: mark + after)
        }
    }

    /// Every window must allow a send.
    public var windows: [Window]
    /// When nothing is sent, if ever.
    public var quietPeriods: QuietPeriods?
    /// How long the robot rests after a rate-limit answer without a longer `Retry-After`.
    public var rateLimitPause: TimeInterval

    /// Creates limits.
    public init(windows: [Window], quietPeriods: QuietPeriods? = nil, rateLimitPause: TimeInterval) {
        self.windows = windows
        self.quietPeriods = quietPeriods
        self.rateLimitPause = rateLimitPause
    }

    /// The longest time back that still matters: how far back a restarted run must count sends.
    public var memory: TimeInterval {
        max(windows.map(\.seconds).max() ?? 0, rateLimitPause)
    }

    /// WeCom: 20 messages a minute per robot (errcode 45009 past it).
    public static let weCom = RobotLimits(windows: [Window(count: 20, seconds: 62)], rateLimitPause: 65)
    /// DingTalk: 20 messages a minute per robot; past it the robot is blocked for 10 minutes (130101).
    public static let dingTalk = RobotLimits(windows: [Window(count: 20, seconds: 62)], rateLimitPause: 605)
    /// Feishu: 100 a minute and 5 a second per robot, throttled at :00 and :30 (11232).
    public static let feishu = RobotLimits(
        windows: [Window(count: 5, seconds: 1.2), Window(count: 100, seconds: 62)],
        quietPeriods: QuietPeriods(before: 20, after: 40), rateLimitPause: 65)

    /// The documented limits of a platform, with margins.
    public static func of(_ platform: Platform) -> RobotLimits {
        switch platform {
        case .wecom: .weCom
        case .dingtalk: .dingTalk
        case .feishu: .feishu
        }
    }
}

/// The send schedule of one robot: its buckets, its quiet periods and any rest a rate-limit
/// answer imposed. Pure: time is passed in.
public struct RobotThrottle: Sendable, Hashable {
    /// The limits it enforces.
    public let limits: RobotLimits
    private var buckets: [TokenBucket]
    /// Until when the robot rests after a rate-limit answer.
    public private(set) var pausedUntil: Date?

    /// A throttle with full buckets.
    public init(limits: RobotLimits) {
        self.limits = limits
        self.buckets = limits.windows.map { TokenBucket(capacity: $0.count, refill: $0.seconds) }
    }

    /// The earliest moment at or after `now` when a send is allowed.
    public func earliestSend(at now: Date) -> Date {
        var time = now
        if let pausedUntil, pausedUntil > time { time = pausedUntil }
        for bucket in buckets { time = max(time, bucket.available(at: time)) }
        // Tokens only come back as time passes, so moving past a quiet period never undoes the buckets.
        if let quiet = limits.quietPeriods, let end = quiet.end(containing: time) { time = end }
        return time
    }

    /// Counts a send made at `time`.
    public mutating func recordSend(at time: Date) {
        for index in buckets.indices { buckets[index].spend(at: time) }
    }

    /// Rests the robot until `time` (a later rest wins over an earlier one).
    public mutating func pause(until time: Date) {
        if let pausedUntil, pausedUntil >= time { return }
        pausedUntil = time
    }
}
