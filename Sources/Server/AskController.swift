import Channels
import Desk
import Foundation
import Hummingbird
import Logging
import Matching
import PolicyKit

/// `POST /v1/ask`: the plain JSON API.
struct AskController<Context: RequestContext>: Sendable {
    let answers: AnswerService
    let bodyLimit: Int
    /// The clock every answer and rate-limit decision reads.
    let now: @Sendable () -> Date

    func addRoutes(to router: Router<Context>) {
        router.post("/v1/ask") { request, context in try await ask(request, context: context) }
    }

    func ask(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let data = try await request.body(upTo: bodyLimit)
        let question: AskRequest
        do {
            question = try AskRequest.parse(data)
        } catch {
            throw APIError(.badRequest, "the body must be JSON like {\"text\": \"…\", \"user\": \"…\"}: \(error)")
        }
        guard let text = question.text else { throw APIError(.badRequest, "missing `text`: the question to answer") }
        // Without a user each call stands alone: a shared "anonymous" id would carry one
        // caller's half-finished question into another's and put every caller in one rate bucket.
        let user = question.user.flatMap { $0.isEmpty ? nil : $0 } ?? "anonymous-\(UUID().uuidString)"
        switch await answers.answer(text, channel: "api", chat: "api", user: user, now: now(), logger: context.logger) {
        case .rateLimited:
            return Response.json(["error": AnswerService.slowDown], status: .tooManyRequests)
        case .answered(let answer):
            return Response.utf8(answer.jsonBytes(), contentType: "application/json; charset=utf-8")
        }
    }
}
