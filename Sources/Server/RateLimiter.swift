import Foundation
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

    /// Allows `perMinute` questions a minute on average, with bursts up to `burst`.
    public init(perMinute: Int, burst: Int? = nil) {
        self.capacity = Double(burst ?? max(perMinute / 2, 1))
        self.refillPerSecond = Double(perMinute) / 60
    }

    /// Whether `key` may ask now; takes a token if so.
    public func allow(_ key: String, now: Date = Date()) -> Bool {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: capacity, updated: now)
            bucket.tokens = min(capacity, bucket.tokens + now.timeIntervalSince(bucket.updated) * refillPerSecond)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            buckets[key] = bucket
            if buckets.count > 100_000 {
                // A full bucket holds nothing worth remembering.
                let capacity = capacity, rate = refillPerSecond
                buckets = buckets.filter { $0.value.tokens + now.timeIntervalSince($0.value.updated) * rate < capacity }
            }
            return allowed
        }
    }
}
