/// A store that can tell whether it takes writes, for the server's health check.
public protocol StoreProbe: Sendable {
    /// Makes one small durable write; throws what the store throws when it cannot.
    func probeWrite() async throws
}
