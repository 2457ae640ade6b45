public import Foundation

/// A server's answer to an ``OutboundRequest``.
public struct OutboundResponse: Sendable {
    /// The HTTP status code of the final response.
    public var status: Int
    /// Response headers in the order received, names as the server spelled them.
    public var headers: [(String, String)]
    /// The response body, already decompressed when the server used a content encoding.
    public var body: Data

    /// Creates a response.
    public init(status: Int, headers: [(String, String)] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, matched case-insensitively as HTTP requires.
    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The `Retry-After` header read as a number of seconds; HTTP dates are not supported
    /// because none of the chat platforms sends them.
    public var retryAfter: Duration? {
        guard let value = header("Retry-After")?.trimmingCharacters(in: .whitespaces),
            let seconds = Int(value), seconds >= 0
        else { return nil }
        return .seconds(seconds)
    }
}
