import Foundation

/// The status fields every platform wraps its JSON answers in, read leniently.
///
/// WeCom and DingTalk answer `{"errcode":0,"errmsg":"ok"}`, Feishu `{"code":0,"msg":"…"}`,
/// and older Feishu bot deployments `{"StatusCode":0,"StatusMessage":"…"}`; codes are
/// numbers, but a string holding a number is accepted too.
struct PlatformEnvelope {
    /// The decoded top-level JSON object.
    let object: [String: Any]

    /// Decodes a JSON object body; `nil` when the body is not one.
    init?(decoding body: Data) {
        guard !body.isEmpty,
            let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any]
        else { return nil }
        self.object = object
    }

    /// An integer field, from a JSON number or a numeric string.
    func integer(_ key: String) -> Int? {
        switch object[key] {
        case let number as NSNumber:
            number.intValue
        case let text as String:
            Int(text)
        default:
            nil
        }
    }

    /// A string field.
    func string(_ key: String) -> String? {
        object[key] as? String
    }

    /// The first present integer among `keys`.
    func code(_ keys: String...) -> Int? {
        keys.lazy.compactMap { integer($0) }.first
    }

    /// The first present message among `keys`, shortened so that a verbose platform cannot
    /// flood a log line.
    func message(_ keys: String...) -> String {
        let text = keys.lazy.compactMap { string($0) }.first ?? ""
        return text.count > 300 ? String(text.prefix(300)) + "…" : text
    }
}
