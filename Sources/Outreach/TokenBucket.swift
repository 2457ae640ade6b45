public import Foundation

/// A bucket of `capacity` tokens in which each spent token comes back `refill` seconds after it
/// was spent.
///
/// The platforms state their limits as "N messages a minute" and DingTalk blocks a robot for ten
/// minutes past it, so the bucket must never let N + 1 sends into any window of that length. A
/// classic bucket that refills continuously at N per minute lets 2N through in the first minute
/// (a full bucket plus a minute of refill); one sized to be safe halves the steady rate. Returning
/// each token one window after its use gives exactly "at most N in any window", with the full rate
/// and a full burst. Pure: time is passed in.
public struct TokenBucket: Sendable, Hashable {
    /// The number of tokens.
    public let capacity: Int
    /// Seconds until a spent token is back.
    public let refill: TimeInterval
    /// When the most recent tokens were spent, oldest first; never more than `capacity` of them.
    private var spent: [Date] = []

    /// A full bucket.
    public init(capacity: Int, refill: TimeInterval) {
        self.capacity = max(1, capacity)
        self.refill = refill
    }

    /// The earliest moment at or after `now` when a token is available.
    public func available(at now: Date) -> Date {
        guard spent.count >= capacity else { return now }
        // The oldest of the last `capacity` spends is the first token to come back.
        return max(now, spent[spent.count - capacity].addingTimeInterval(refill))
    }

    /// How many tokens are available at `now`.
    public func tokens(at now: Date) -> Int {
        capacity - spent.filter { $0.addingTimeInterval(refill) > now }.count
    }

    /// Spends a token at `time` (which may be in the past, when a restarted run counts the sends
    /// of the process before it).
    public mutating func spend(at time: Date) {
        let index = spent.lastIndex { $0 <= time }.map { $0 + 1 } ?? 0
        spent.insert(time, at: index)
        if spent.count > capacity { spent.removeFirst(spent.count - capacity) }
    }
}
