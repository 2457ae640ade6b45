/// Parsing of the query string of WeCom callbacks.
///
/// `echostr` is base64 and arrives with `+`, `/` and `=` percent-encoded; a form decoder that
/// turns a literal `+` into a space would corrupt it, so only `%XX` escapes are decoded here.
public enum WeComQueryString {
    /// The parameters of `query` (without the leading `?`), percent-decoded as UTF-8.
    ///
    /// A repeated name is refused rather than resolved, because the signature must cover
    /// exactly the value the platform meant and two candidates make that ambiguous.
    public static func parse(_ query: String) throws(ChannelError) -> [String: String] {
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try percentDecode(parts[0])
            let value = try percentDecode(parts.count > 1 ? parts[1] : "")
            guard parameters[name] == nil else {
                throw .malformed("query parameter '\(name)' appears more than once")
            }
            parameters[name] = value
        }
        return parameters
    }

    private static func percentDecode(_ text: Substring) throws(ChannelError) -> String {
        if !text.utf8.contains(UInt8(ascii: "%")) { return String(text) }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw .malformed("the query string has an incomplete percent escape")
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw .malformed("a query parameter is not valid UTF-8 after percent-decoding")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
