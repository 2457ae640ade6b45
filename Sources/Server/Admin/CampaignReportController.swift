import Foundation
import Hummingbird
import Outreach
import OutreachModel
import Storage

/// `GET /admin/campaigns/:id/report?format=json|csv|html`: a campaign's status and report,
/// the same as `policydesk campaign status` and `campaign report`, behind the admin token, staff
/// credentials or a staff session (so the staff page links to it).
struct CampaignReportController<Context: RequestContext>: Sendable {
    let gate: StaffGate
    let campaigns: any CampaignStore
    /// The clock the page's "generated at" reads.
    let now: @Sendable () -> Date

    func addRoutes(to router: Router<Context>) {
        router.group("admin").add(middleware: AdminAuthMiddleware<Context>(gate: gate))
            .get("campaigns/:id/report") { request, context in try await report(request, context) }
    }

    func report(_ request: Request, _ context: Context) async throws -> Response {
        guard let id = context.parameters.get("id", as: Int64.self) else {
            throw APIError(.badRequest, "the campaign id is a number, as `policydesk campaign list` shows")
        }
        let format = request.uri.queryParameters.get("format") ?? "json"
        guard ["json", "csv", "html"].contains(format) else {
            throw APIError(.badRequest, "unknown format \(format); use json, csv or html")
        }
        let report: CampaignReport
        do {
            report = try await CampaignReport.load(campaignID: id, from: campaigns)
        } catch {
            throw APIError(.notFound, "campaign \(id): \(error)")
        }
        switch format {
        case "csv": return Response.text(report.csv(), contentType: "text/csv; charset=utf-8")
        case "html": return Response.text(report.html(generatedAt: now()), contentType: "text/html; charset=utf-8")
        default: return Response.json(report.snapshot)
        }
    }
}
