import CoreMetrics
import Desk
import Foundation
import Logging
import Matching
import Metrics
import PolicyKit
public import Prometheus
import Synchronization

/// The server's metrics, through swift-metrics into a Prometheus registry that `/metrics`
/// renders. One registry per application, so tests can run several side by side.
public struct ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let hot: HotMetrics

    public init() {
        registry = PrometheusCollectorRegistry()
        factory = PrometheusMetricsFactory(registry: registry)
        hot = HotMetrics()
    }

    /// Counts a finished request and records its duration. The metric objects of each route
    /// and status are made once; making them per request costs a registry lookup each time.
    public func request(route: String, status: Int, seconds: Double) {
        let (counter, timer) = hot.request(route: route, status: status) {
            (
                CoreMetrics.Counter(
                    label: "policydesk_requests_total", dimensions: [("route", route), ("status", "\(status)")],
                    factory: factory),
                Metrics.Timer(
                    label: "policydesk_request_duration_seconds", dimensions: [("route", route)],
                    preferredDisplayUnit: .seconds, factory: factory)
            )
        }
        counter.increment()
        timer.recordNanoseconds(Int64(seconds * 1e9))
    }

    /// Counts what a question led to: answer, clarification, refusal, smalltalk, rate_limited.
    public func outcome(_ outcome: String, channel: String) {
        hot.outcome(outcome, channel: channel) {
            CoreMetrics.Counter(
                label: "policydesk_match_outcomes_total", dimensions: [("outcome", outcome), ("channel", channel)],
                factory: factory)
        }.increment()
    }

    /// Counts a call to a platform's API.
    public func outbound(platform: String, result: String) {
        Counter(
            label: "policydesk_outbound_calls_total", dimensions: [("platform", platform), ("result", result)],
            factory: factory
        ).increment()
    }

    /// Counts a message answered with the polite "busy" reply because the store did not take its
    /// dedupe claim (down, restarting or failing), by channel.
    public func storeBusyReply(channel: String) {
        Counter(label: "policydesk_store_busy_replies_total", dimensions: [("channel", channel)], factory: factory)
            .increment()
    }

    /// Counts a reload and whether it worked.
    public func reload(ok: Bool) {
        Counter(label: "policydesk_reloads_total", dimensions: [("result", ok ? "ok" : "rejected")], factory: factory)
            .increment()
    }

    /// Counts a refused admin credential by why: `token` (wrong or missing bearer token), `password`
    /// (wrong staff name or password), `csrf` (a write without its session's CSRF token), `session`
    /// (a tampered, expired or revoked session cookie), `throttled` (too many sign-in attempts).
    public func adminRefused(reason: String) {
        Counter(label: "policydesk_admin_refusals_total", dimensions: [("reason", reason)], factory: factory)
            .increment()
    }

    /// The Prometheus text format.
    public func render() -> String { registry.emitToString() }
}

/// Metric objects by their dimensions, made on first use.
final class HotMetrics: Sendable {
    private struct RequestKey: Hashable {
        var route: String
        var status: Int
    }

    // CoreMetrics.Counter and Timer are Sendable handles onto the registry's own storage.
    private let requests = Mutex<[RequestKey: (CoreMetrics.Counter, Metrics.Timer)]>([:])
    private let outcomes = Mutex<[String: CoreMetrics.Counter]>([:])

    func request(route: String, status: Int, make: () -> (CoreMetrics.Counter, Metrics.Timer)) -> (
        CoreMetrics.Counter, Metrics.Timer
    ) {
        let key = RequestKey(route: route, status: status)
        if let hit = requests.withLock({ $0[key] }) { return hit }
        let made = make()
        requests.withLock { $0[key] = made }
        return made
    }

    func outcome(_ outcome: String, channel: String, make: () -> CoreMetrics.Counter) -> CoreMetrics.Counter {
        let key = outcome + "|" + channel
        if let hit = outcomes.withLock({ $0[key] }) { return hit }
        let made = make()
        outcomes.withLock { $0[key] = made }
        return made
    }
}
