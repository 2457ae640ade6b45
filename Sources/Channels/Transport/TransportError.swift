/// Why a transport could not obtain any answer from the server.
///
/// Messages never contain request URLs' queries, headers or bodies, where the platforms'
/// secrets travel.
public enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The exchange did not complete within the request's timeout.
    case timeout
    /// No connection could be made or it broke mid-exchange (refused, DNS, TLS, reset).
    case connectionFailed(String)
    /// The URL is malformed or uses a scheme other than `http` or `https`.
    case invalidURL
    /// Any other failure, with libcurl's error code and message.
    case other(code: Int, message: String)

    /// Whether the same request might succeed if simply tried again later.
    public var isTransient: Bool {
        switch self {
        case .timeout, .connectionFailed: true
        case .invalidURL, .other: false
        }
    }

    /// What happened and what to check, for logs and operators.
    public var description: String {
        switch self {
        case .timeout:
            "The request timed out: the server did not answer within the request's timeout. "
                + "It may be overloaded or unreachable; retry later or raise the timeout."
        case .connectionFailed(let detail):
            "Could not exchange data with the server (\(detail)). "
                + "Check the host name, the network, and proxy variables such as https_proxy and no_proxy."
        case .invalidURL:
            "The URL is malformed or not http(s); check the configured endpoint or webhook URL."
        case .other(let code, let message):
            "The HTTP transfer failed (libcurl error \(code): \(message))."
        }
    }
}
