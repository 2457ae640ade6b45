import Foundation
import Testing

/// A JSON value decoded from the vector files, `Sendable` so that vectors can be shared
/// between parameterised test cases.
enum JSON: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSON].self))
        }
    }

    /// Parses `text` as JSON; used to compare our reply bodies with the vectors' objects.
    static func parse(_ text: String) throws -> JSON {
        try JSONDecoder().decode(JSON.self, from: Data(text.utf8))
    }

    /// The member `key` of an object, or `.null`.
    subscript(_ key: String) -> JSON {
        if case .object(let members) = self { return members[key] ?? .null }
        return .null
    }

    /// The string value, or `nil` for any other kind.
    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer value, or `nil` for any other kind.
    var int: Int64? {
        if case .int(let value) = self { return value }
        return nil
    }

    /// The members of an object (empty for other kinds).
    var object: [String: JSON] {
        if case .object(let members) = self { return members }
        return [:]
    }

    /// The elements of an array (empty for other kinds).
    var array: [JSON] {
        if case .array(let elements) = self { return elements }
        return []
    }
}

/// The three vector files shipped as test resources.
enum Fixtures {
    /// The WeCom vector file.
    static let wecom = load("wecom")
    /// The DingTalk vector file.
    static let dingtalk = load("dingtalk")
    /// The Feishu vector file.
    static let feishu = load("feishu")

    /// The ids of every vector in `file`, in file order.
    static func ids(_ file: JSON) -> [String] {
        file["vectors"].array.compactMap { $0["id"].string }
    }

    /// The vector with `id` in `file`, or `.null`.
    static func vector(_ id: String, in file: JSON) -> JSON {
        file["vectors"].array.first { $0["id"].string == id } ?? .null
    }

    /// A missing or unreadable file yields `.null`, which the count tests report as a failure
    /// instead of silently running zero parameterised cases.
    private static func load(_ name: String) -> JSON {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
            let data = try? Data(contentsOf: url),
            let json = try? JSONDecoder().decode(JSON.self, from: data)
        else { return .null }
        return json
    }
}

/// Helpers shared by the platform test files.
enum TestSupport {
    /// The bytes of lower-case or upper-case hex text.
    static func bytes(hex: String) -> [UInt8] {
        var result: [UInt8] = []
        var high: UInt8?
        for character in hex.utf8 {
            guard let nibble = UInt8(String(UnicodeScalar(character)), radix: 16) else { continue }
            if let first = high {
                result.append(first << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return result
    }

    /// Lower-case hex of `bytes`.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
