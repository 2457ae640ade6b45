extension Duration {
    /// The duration in seconds, for adding to a `Date` or storing as a REAL.
    package var seconds: Double {
        self / .seconds(1)
    }
}
