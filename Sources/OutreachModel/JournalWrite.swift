public import Foundation

/// One write to the delivery journal.
public enum JournalWrite: Sendable, Hashable {
    /// ``CampaignStore/claimSend(deliveryID:at:noRepeatSince:)``.
    case claim(deliveryID: Int64, at: Date, noRepeatSince: Date)
    /// ``CampaignStore/finishSend(deliveryID:attemptID:outcome:at:)``.
    case finish(deliveryID: Int64, attemptID: Int64, outcome: SendOutcome, at: Date)
}

/// What one journal write came to.
public enum JournalResult: Sendable, Hashable {
    /// The answer to a claim.
    case claimed(SendClaim)
    /// An outcome was recorded.
    case finished
}
