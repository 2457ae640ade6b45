extension Duration {
    /// The duration in seconds, for adding to a `Date` or storing as a REAL.
    package var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
