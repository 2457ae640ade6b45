/// Where one outreach message stands.
public enum DeliveryState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Planned and not yet tried.
    case planned
    /// Committed as being sent: the HTTP call is under way (or the process died during it).
    case sending
    /// The platform accepted it.
    case delivered
    /// Refused for a reason that may pass (network, 5xx, rate limit); tried again at `nextAttemptAt`.
    case retrying
    /// Refused for good, or given up after too many tries; `lastError` holds the platform's text.
    case failed
    /// It may or may not have arrived (the process died mid-send, or the platform did not answer in
    /// time); never resent automatically: a person decides.
    case uncertain
    /// Not sent: an item of it reached the enterprise through another campaign within the window.
    case skipped

    /// Whether a run still has to send it.
    public var isPending: Bool { self == .planned || self == .retrying }
}
