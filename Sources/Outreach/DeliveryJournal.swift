import Foundation
import OutreachModel

/// Group commit for the delivery journal: claims and outcomes from all lanes that arrive while a
/// transaction is being written go into the next one together.
///
/// Every send needs two commits (the claim before the call, the outcome after), and SQLite has one
/// writer, so at hundreds of sends a second the commits, not the network, would set the pace.
/// Nobody waits longer than one transaction for their own write, a caller is answered only once
/// its write is committed (the claim is still on disk before the HTTP call), and at low load each
/// write is simply committed at once.
actor DeliveryJournal {
    private let store: any CampaignStore
    private var pending: [(write: JournalWrite, continuation: CheckedContinuation<JournalResult, any Error>)] = []
    private var flushing = false

    /// A journal writing to `store`.
    init(store: any CampaignStore) {
        self.store = store
    }

    /// ``CampaignStore/claimSend(deliveryID:at:noRepeatSince:)``, committed with whatever else is waiting.
    func claim(deliveryID: Int64, at: Date, noRepeatSince: Date) async throws -> SendClaim {
        let result = try await submit(.claim(deliveryID: deliveryID, at: at, noRepeatSince: noRepeatSince))
        guard case .claimed(let claim) = result else { return .notPending(.planned) }
        return claim
    }

    /// ``CampaignStore/finishSend(deliveryID:attemptID:outcome:at:)``, committed with whatever else is waiting.
    func finish(deliveryID: Int64, attemptID: Int64, outcome: SendOutcome, at: Date) async throws {
        _ = try await submit(.finish(deliveryID: deliveryID, attemptID: attemptID, outcome: outcome, at: at))
    }

    private func submit(_ write: JournalWrite) async throws -> JournalResult {
        try await withCheckedThrowingContinuation { continuation in
            pending.append((write, continuation))
            if !flushing {
                flushing = true
                // The flush runs apart from the caller's task so that cancelling one lane cannot
                // abandon the writes of others; it ends as soon as nothing is waiting.
                Task { await self.flush() }
            }
        }
    }

    private func flush() async {
        while !pending.isEmpty {
            let batch = pending
            pending = []
            do {
                let results = try await store.writeJournal(batch.map(\.write))
                for (entry, result) in zip(batch, results) { entry.continuation.resume(returning: result) }
            } catch {
                for entry in batch { entry.continuation.resume(throwing: error) }
            }
        }
        flushing = false
    }
}
