import Foundation
import Server
import Testing

private let t0 = Date(timeIntervalSince1970: 1_750_000_000)

@Suite("Rate limiter")
struct RateLimiterTests {
    @Test("a burst is allowed, the next question is not, and a token comes back after its share of a minute")
    func burstThenRefill() {
        let limiter = RateLimiter(perMinute: 6, burst: 3)
        #expect((0..<3).allSatisfy { _ in limiter.allow("u", now: t0) })
        #expect(!limiter.allow("u", now: t0))
        #expect(!limiter.allow("u", now: t0.addingTimeInterval(9)))
        #expect(limiter.allow("u", now: t0.addingTimeInterval(20)))
        #expect(limiter.allow("someone else", now: t0))
    }

    @Test("past the maximum, buckets that have filled up again are forgotten and the others kept")
    func fullBucketsAreForgotten() {
        let limiter = RateLimiter(perMinute: 60, burst: 2, maximumBuckets: 10)
        for user in 0..<6 { _ = limiter.allow("old-\(user)", now: t0) }
        for user in 0..<4 {
            _ = limiter.allow("new-\(user)", now: t0.addingTimeInterval(60))
            _ = limiter.allow("new-\(user)", now: t0.addingTimeInterval(60))
        }
        #expect(limiter.count == 10)
        _ = limiter.allow("new-4", now: t0.addingTimeInterval(60))
        #expect(limiter.count == 5)
        #expect(!limiter.allow("new-0", now: t0.addingTimeInterval(60)))
    }

    @Test("a flood of distinct users is forgotten at once, so the requests after it sweep nothing")
    func floodIsForgotten() {
        let limiter = RateLimiter(perMinute: 10, maximumBuckets: 1_000)
        for user in 0...1_000 { _ = limiter.allow("flood-\(user)", now: t0) }
        #expect(limiter.count == 0)
        for user in 0..<499 { _ = limiter.allow("next-\(user)", now: t0) }
        #expect(limiter.count == 499)
        #expect(limiter.allow("flood-1", now: t0))
    }
}
