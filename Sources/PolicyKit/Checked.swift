/// Integer arithmetic that reports overflow instead of trapping.
///
/// Amounts and counts reach the calculator from strangers' messages. Swift traps on overflow, and a
/// trap ends the whole server, so every sum and product of such numbers goes through here and an
/// overflow becomes nil, which the caller turns into an answer that says the figure is out of range.
public enum Checked {
    /// `a + b`, or nil when it does not fit in 64 bits.
    @inlinable
    public static func add(_ a: Int64, _ b: Int64) -> Int64? {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : sum
    }

    /// `a - b`, or nil when it does not fit in 64 bits.
    @inlinable
    public static func subtract(_ a: Int64, _ b: Int64) -> Int64? {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        return overflow ? nil : difference
    }

    /// `a × b`, or nil when it does not fit in 64 bits.
    @inlinable
    public static func multiply(_ a: Int64, _ b: Int64) -> Int64? {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? nil : product
    }

    /// The sum of `values`, or nil when it, or any partial sum, does not fit in 64 bits.
    @inlinable
    public static func sum(_ values: some Sequence<Int64>) -> Int64? {
        var total: Int64 = 0
        for value in values {
            guard let next = add(total, value) else { return nil }
            total = next
        }
        return total
    }
}
