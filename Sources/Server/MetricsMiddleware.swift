import Desk
import Foundation
import Hummingbird
import Logging
import Matching
import PolicyKit

/// Counts every request by route and status and records how long it took.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let route = Self.route(request.uri.path)
        do {
            let response = try await next(request, context)
            metrics.request(route: route, status: Int(response.status.code), seconds: Self.seconds(since: start))
            return response
        } catch let error as any HTTPResponseError {
            metrics.request(route: route, status: Int(error.status.code), seconds: Self.seconds(since: start))
            throw error
        } catch {
            metrics.request(route: route, status: 500, seconds: Self.seconds(since: start))
            throw error
        }
    }

    /// Known routes by name; anything else counts as one label so scanners cannot blow up
    /// the number of series.
    static func route(_ path: String) -> String {
        let known = ["/v1/ask", "/healthz", "/metrics", "/webhooks/wecom", "/webhooks/dingtalk", "/webhooks/feishu"]
        if known.contains(path) { return path }
        if path.hasPrefix("/admin/") { return "/admin" }
        return "other"
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start) / .seconds(1)
    }
}
