/// Strict parsing of the decimal timestamps that webhooks send as text.
enum DecimalInteger {
    /// The value of 1 to 18 ASCII digits, or `nil` for anything else.
    ///
    /// `Int64.init(_:)` would also accept a sign; at most 18 digits keeps every difference of
    /// two parsed values inside `Int64`, so window checks cannot overflow.
    static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard (1...18).contains(bytes.count),
            bytes.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        return bytes.reduce(Int64(0)) { $0 * 10 + Int64($1 - UInt8(ascii: "0")) }
    }
}
