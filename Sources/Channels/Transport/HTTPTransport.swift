/// The one door through which every outbound HTTP call of PolicyDesk leaves the process.
///
/// Platform clients depend on this protocol rather than on libcurl so that tests and
/// alternative runtimes can substitute a fake, and so that retry, token and signing logic
/// stays independent of how bytes reach the network.
public protocol HTTPTransport: Sendable {
    /// Sends one request and returns the server's answer, whatever its status.
    ///
    /// Non-2xx statuses are answers, not errors: only failures to obtain an answer at all
    /// (timeouts, refused connections, malformed URLs, protocol errors) throw.
    func send(_ request: OutboundRequest) async throws(TransportError) -> OutboundResponse
}
