public import Foundation
import Synchronization

/// A token bucket per user: a burst of questions is fine, a flood is slowed down politely.
/// A lock rather than an actor: the check is a few arithmetic operations, cheaper than the
/// thread hop an actor call can cost on every request.
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    private let buckets = Mutex<[String: Bucket]>([:])
    private let capacity: Double
    private let refillPerSecond: Double
    private let maximumBuckets: Int

    /// Allows `perMinute` questions a minute on average, with bursts up to `burst`; remembers
    /// at most `maximumBuckets` users.
    public init(perMinute: Int, burst: Int? = nil, maximumBuckets: Int = 100_000) {
        self.capacity = Double(burst ?? max(perMinute / 2, 1))
        self.refillPerSecond = Double(perMinute) / 60
        self.maximumBuckets = maximumBuckets
    }

    /// How many users' buckets are remembered.
    public var count: Int { buckets.withLock { $0.count } }

    /// Whether `key` may ask now; takes a token if so.
    public func allow(_ key: String, now: Date) -> Bool {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: capacity, updated: now)
            bucket.tokens = min(capacity, bucket.tokens + now.timeIntervalSince(bucket.updated) * refillPerSecond)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            buckets[key] = bucket
            if buckets.count > maximumBuckets {
                // A full bucket holds nothing worth remembering.
                let capacity = capacity, rate = refillPerSecond
                buckets = buckets.filter { $0.value.tokens + now.timeIntervalSince($0.value.updated) * rate < capacity }
                // A flood of distinct users leaves few buckets full; keeping the rest would make
                // every following request sweep again. Forgetting a bucket only ever forgives.
                if buckets.count > maximumBuckets / 2 { buckets.removeAll(keepingCapacity: true) }
            }
            return allowed
        }
    }
}
