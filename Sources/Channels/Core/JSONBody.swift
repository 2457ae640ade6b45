import Foundation

/// Decoding of JSON request bodies into private wire structs with ``ChannelError`` failures.
enum JSONBody {
    /// Decodes `data` as `T`, naming the offending field (never its value) when it fails.
    ///
    /// `snakeCaseKeys` maps `event_id` to a property `eventId`, for Feishu's snake_case payloads.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, what: String, snakeCaseKeys: Bool = false)
        throws(ChannelError) -> T
    {
        let decoder = JSONDecoder()
        if snakeCaseKeys { decoder.keyDecodingStrategy = .convertFromSnakeCase }
        do {
            return try decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw .malformed("\(what): \(summary(of: error))")
        } catch {
            throw .malformed("\(what) is not valid JSON")
        }
    }

    private static func summary(of error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            let keys = (codingPath + (last.map { [$0] } ?? [])).map { $0.intValue.map(String.init) ?? $0.stringValue }
            return keys.isEmpty ? "the top level" : "'" + keys.joined(separator: ".") + "'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "required field \(path(context.codingPath, key)) is missing"
        case .valueNotFound(_, let context):
            return "field \(path(context.codingPath)) is null"
        case .typeMismatch(_, let context):
            return "field \(path(context.codingPath)) has the wrong type"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "field \(path(context.codingPath)) is invalid"
        @unknown default:
            return "not valid JSON"
        }
    }
}

/// An integer that platforms send either as a JSON number or as a decimal string.
struct LenientInt64: Decodable, Sendable {
    /// The integer value.
    let value: Int64

    /// Accepts `123` and `"123"`; anything else is a type mismatch.
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            value = number
        } else if let text = try? container.decode(String.self), let number = DecimalInteger.parse(text) {
            value = number
        } else {
            throw DecodingError.typeMismatch(
                Int64.self, .init(codingPath: decoder.codingPath, debugDescription: "expected an integer"))
        }
    }
}

/// A string that platforms send either as a JSON string or as a number (DingTalk's
/// `conversationType` is documented as a string but is a digit).
struct LenientString: Decodable, Sendable {
    /// The text value.
    let value: String

    /// Accepts `"2"` and `2`.
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            value = text
        } else {
            value = String(try container.decode(Int64.self))
        }
    }
}
