import Foundation

/// The one JSON encoder configuration for request bodies.
enum JSONCoding {
    /// Encodes a request body. Sorted keys make bodies reproducible in tests and logs; slashes
    /// are left unescaped because `\/` is legal but surprises anyone reading the payload.
    static func encode(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The bodies are plain structs of strings, numbers and arrays, which cannot fail to encode.
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }
}
