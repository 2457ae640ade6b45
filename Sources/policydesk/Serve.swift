import ArgumentParser
import Foundation

/// `policydesk serve`: the webhook and JSON API server.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the HTTP server (webhooks, /v1/ask, admin API).")

    @Option(name: .long, help: "A YAML configuration file; the environment wins over it.")
    var config: String?

    @Option(name: .long, help: "Address to listen on (default $POLICYDESK_HOST or 127.0.0.1).")
    var host: String?

    @Option(name: .long, help: "Port to listen on (default $POLICYDESK_PORT or 8080).")
    var port: Int?

    func run() async throws {
        throw CommandFailure(description: "serve: not built yet")
    }
}
