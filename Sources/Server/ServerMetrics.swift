import CoreMetrics
import Desk
import Foundation
import Logging
import Matching
import Metrics
import PolicyKit
import Prometheus

/// The server's metrics, through swift-metrics into a Prometheus registry that `/metrics`
/// renders. One registry per application, so tests can run several side by side.
public struct ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    public init() {
        registry = PrometheusCollectorRegistry()
        factory = PrometheusMetricsFactory(registry: registry)
    }

    /// Counts a finished request and records its duration.
    public func request(route: String, status: Int, seconds: Double) {
        Counter(label: "policydesk_requests_total", dimensions: [("route", route), ("status", "\(status)")], factory: factory).increment()
        Metrics.Timer(label: "policydesk_request_duration_seconds", dimensions: [("route", route)], preferredDisplayUnit: .seconds, factory: factory)
            .recordNanoseconds(Int64(seconds * 1e9))
    }

    /// Counts what a question led to: answer, clarification, refusal, smalltalk, rate_limited.
    public func outcome(_ outcome: String, channel: String) {
        Counter(label: "policydesk_match_outcomes_total", dimensions: [("outcome", outcome), ("channel", channel)], factory: factory).increment()
    }

    /// Counts a call to a platform's API.
    public func outbound(platform: String, result: String) {
        Counter(label: "policydesk_outbound_calls_total", dimensions: [("platform", platform), ("result", result)], factory: factory).increment()
    }

    /// Counts a reload and whether it worked.
    public func reload(ok: Bool) {
        Counter(label: "policydesk_reloads_total", dimensions: [("result", ok ? "ok" : "rejected")], factory: factory).increment()
    }

    /// The Prometheus text format.
    public func render() -> String { registry.emitToString() }
}
