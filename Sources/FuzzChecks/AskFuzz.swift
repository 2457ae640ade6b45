import Channels
import Foundation

/// The `/v1/ask` body: never a trap, and what it reads survives being written out and read again,
/// with white space around the object and a BOM in front.
enum AskFuzz {
    static func check(_ input: [UInt8]) throws(FuzzFailure) {
        let request: AskRequest
        do {
            request = try AskRequest.parse(input)
        } catch {
            try expect(!error.description.isEmpty, "a refusal without a reason")
            return
        }
        let padded: [UInt8] = [0xEF, 0xBB, 0xBF, 0x20, 0x0A] + input + [0x0D, 0x0A, 0x09]
        if !input.starts(with: [0xEF, 0xBB, 0xBF]) {
            try expect((try? AskRequest.parse(padded)) == request, "white space or a BOM around the body changed it")
        }
        var members: [String] = []
        if let text = request.text { members.append(#""text":"# + quote(text)) }
        if let user = request.user { members.append(#""user":"# + quote(user)) }
        let rewritten = "{" + members.joined(separator: ",") + "}"
        switch Result(catching: { () throws(AskRequestError) in try AskRequest.parse(Array(rewritten.utf8)) }) {
        case .success(let again):
            try expect(again == request, "\(request) reads back as \(again) from \(rewritten.debugDescription)")
        case .failure(let error):
            throw FuzzFailure("\(request) written as \(rewritten.debugDescription) is refused: \(error)")
        }
    }

    /// A JSON string literal, escaping only what RFC 8259 requires.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
