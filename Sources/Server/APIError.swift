import Desk
import Foundation
public import HTTPTypes
public import Hummingbird
import Logging
import Matching
import PolicyKit

/// A client's mistake, answered with its status and `{"error": "…"}`. Anything else that
/// goes wrong stays a bare 500 with nothing leaked.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var message: String

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response.json(["error": message], status: status)
    }
}

extension Response {
    /// A JSON response from an encodable value.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data = (try? encoder.encode(value)) ?? Data(#"{"error":"could not encode the response"}"#.utf8)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A plain-text response.
    static func text(
        _ text: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8"
    ) -> Response {
        Response(
            status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A body already encoded as UTF-8.
    static func utf8(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, contentType: String) -> Response {
        Response(
            status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

extension Request {
    /// The body, read up to `limit` bytes; a larger body is a 413 naming the limit.
    mutating func body(upTo limit: Int) async throws -> Data {
        do {
            let buffer = try await collectBody(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            // Hummingbird reports an oversize body as NIOTooManyBytesError, not HTTPError.
            throw APIError(.contentTooLarge, "the request body is larger than \(limit) bytes")
        }
    }

    /// Header values by lower-cased name.
    var headerMap: [String: String] {
        var map: [String: String] = [:]
        for field in headers { map[field.name.canonicalName] = field.value }
        return map
    }
}
