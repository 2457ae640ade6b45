/// The answer to ``CampaignStore/claimSend(deliveryID:at:noRepeatSince:)``.
public enum SendClaim: Sendable, Hashable {
    /// Marked sending; send now, then record the outcome for this attempt.
    case claimed(attemptID: Int64, attempt: Int)
    /// Marked skipped: an item of it reached the enterprise through another campaign in the window.
    case skipped(because: RecentSend)
    /// Not pending any more (another state was recorded); leave it alone.
    case notPending(DeliveryState)
}
