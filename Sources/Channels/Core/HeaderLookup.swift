/// Case-insensitive access to HTTP headers passed as a plain dictionary.
enum HeaderLookup {
    /// The value of header `name`, whatever the capitalisation of the dictionary's keys.
    static func value(_ name: String, in headers: [String: String]) -> String? {
        if let exact = headers[name] { return exact }
        let wanted = name.lowercased()
        return headers.first { $0.key.lowercased() == wanted }?.value
    }
}
