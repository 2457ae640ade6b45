public import Foundation

/// One outbound HTTP request, complete and immutable once handed to a transport.
public struct OutboundRequest: Sendable, CustomStringConvertible, CustomReflectable {
    /// An HTTP method; a struct rather than an enum so that rarely used verbs need no new case.
    public struct Method: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The method token as sent on the request line, e.g. `POST`.
        public var rawValue: String

        /// Creates a method from its request-line token.
        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// `GET`.
        public static let get = Method(rawValue: "GET")
        /// `POST`.
        public static let post = Method(rawValue: "POST")
        /// `PUT`.
        public static let put = Method(rawValue: "PUT")
        /// `PATCH`.
        public static let patch = Method(rawValue: "PATCH")
        /// `DELETE`.
        public static let delete = Method(rawValue: "DELETE")
        /// `HEAD`.
        public static let head = Method(rawValue: "HEAD")

        /// The method token.
        public var description: String { rawValue }
    }

    /// The HTTP method.
    public var method: Method
    /// The absolute `http` or `https` URL, query string included.
    ///
    /// Webhook URLs carry secrets in their query (`key=`, `access_token=`, `sign=`), so this
    /// value must never be logged as is: use ``redactedURL`` instead.
    public var url: String
    /// Request headers in the order they are sent; names may repeat.
    public var headers: [(String, String)]
    /// The request body; empty for none.
    public var body: Data
    /// The budget for the whole exchange, from connecting to the last byte of the answer.
    public var timeout: Duration
    /// The budget for establishing the connection; `nil` uses ``timeout``.
    public var connectTimeout: Duration?

    /// Creates a request.
    public init(
        method: Method = .get,
        url: String,
        headers: [(String, String)] = [],
        body: Data = Data(),
        timeout: Duration = .seconds(10),
        connectTimeout: Duration? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }

    /// Creates a `POST` of a JSON body with the UTF-8 content type every platform here expects.
    public static func postJSON(
        url: String,
        body: Data,
        headers: [(String, String)] = [],
        timeout: Duration = .seconds(10)
    ) -> OutboundRequest {
        OutboundRequest(
            method: .post,
            url: url,
            headers: [("Content-Type", "application/json; charset=utf-8")] + headers,
            body: body,
            timeout: timeout
        )
    }

    /// The URL with its query and token-like path segments masked, safe for logs and errors.
    public var redactedURL: String { URLRedaction.redact(url) }

    /// Method and redacted URL only: header values (tokens) and bodies are never described.
    public var description: String { "\(method) \(redactedURL)" }

    /// What `dump` shows: header names without values and the body's size, never secrets.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "method": method.rawValue, "url": redactedURL, "headerNames": headers.map(\.0),
                "bodyBytes": body.count, "timeout": timeout,
            ])
    }
}
