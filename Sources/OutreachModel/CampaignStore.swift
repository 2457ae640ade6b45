public import Foundation

/// Keeps outreach campaigns and the journal of every message they send.
///
/// The journal is what makes a campaign safe to kill: a delivery is marked ``DeliveryState/sending``
/// and committed before its HTTP call, and its outcome is committed after, so a restarted run knows
/// exactly which messages went out, which did not, and which were in flight when the process died.
public protocol CampaignStore: Sendable {
    /// Stores a planned campaign with its robots, deliveries and skips in one transaction; returns its id.
    func createCampaign(_ campaign: NewCampaign) async throws -> Int64

    /// The campaign with this id, or nil.
    func campaign(id: Int64) async throws -> CampaignRecord?

    /// Every campaign, newest first, with its deliveries counted by state.
    func campaigns() async throws -> [CampaignListing]

    /// The robots a campaign sends to, secrets included: only the sender may read them.
    func robots(campaignID: Int64) async throws -> [CampaignRobot]

    /// Every delivery of a campaign, in plan order.
    func deliveries(campaignID: Int64) async throws -> [DeliveryRecord]

    /// The enterprise–item pairs the plan left out because they were sent recently.
    func skips(campaignID: Int64) async throws -> [CampaignSkip]

    /// Every send attempt of a campaign, oldest first.
    func attempts(campaignID: Int64) async throws -> [DeliveryAttempt]

    /// Items sent, being sent or possibly sent (uncertain) to any enterprise since `since`, by any campaign,
    /// for the items in `itemIDs`: what the no-repeat window is checked against when planning.
    func recentSends(itemIDs: Set<String>, since: Date) async throws -> [RecentSend]

    /// Turns every delivery still marked ``DeliveryState/sending`` into ``DeliveryState/uncertain``.
    ///
    /// Call it only while holding the run lock: then no other process can be sending, and such a row
    /// is a send that a stopped process left in flight. Returns the ids of the deliveries changed.
    func recoverInterruptedSends(at: Date) async throws -> [Int64]

    /// Marks a pending delivery ``DeliveryState/sending`` and opens an attempt, in one transaction that
    /// first checks the no-repeat window again (another campaign may have sent an item since the plan).
    func claimSend(deliveryID: Int64, at: Date, noRepeatSince: Date) async throws -> SendClaim

    /// Records the outcome of the attempt opened by ``claimSend(deliveryID:at:noRepeatSince:)``.
    func finishSend(deliveryID: Int64, attemptID: Int64, outcome: SendOutcome, at: Date) async throws

    /// Applies claims and outcomes in order, in one transaction: what a busy run uses so that many
    /// sends share one commit. Each write means exactly what its single-write method means.
    func writeJournal(_ writes: [JournalWrite]) async throws -> [JournalResult]

    /// Attempts made to these robots since `since`, by any campaign, oldest first: what the rate
    /// limiter of a restarted run must still count.
    func recentAttempts(robotKeys: Set<String>, since: Date) async throws -> [DeliveryAttempt]

    /// Records a person's decision about an uncertain delivery; false when it is not uncertain.
    func resolveUncertain(deliveryID: Int64, as decision: UncertainDecision, at: Date) async throws -> Bool
}
