public import Foundation
public import Testing

/// How much longer than usual a test that waits on the wall clock may wait: the whole number in
/// POLICYDESK_TEST_TIME_SCALE (scripts/sanitize.sh sets 3 under ASan, 10 under TSan), else 1.
public enum TestTime {
    public static let scale: Int = {
        guard let text = ProcessInfo.processInfo.environment["POLICYDESK_TEST_TIME_SCALE"], let n = Int(text), n >= 1
        else {
            return 1
        }
        return n
    }()

    /// A test's time limit of `n` minutes, scaled.
    public static func minutes(_ n: Int) -> TimeLimitTrait.Duration { .minutes(n * scale) }
}

/// Polls `condition` every 50 ms until it holds or `timeout` (scaled by `TestTime.scale`) passes;
/// returns whether it held.
public func eventually(timeout: Duration = .seconds(10), _ condition: @Sendable () async throws -> Bool)
    async rethrows -> Bool
{
    let deadline = ContinuousClock.now + timeout * TestTime.scale
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}
