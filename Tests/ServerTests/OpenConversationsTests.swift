import Foundation
import Testing

@testable import Server

/// The index that spares most messages a read of the conversation store.
@Suite("Open conversations index")
struct OpenConversationsTests {
    private static let t0 = Date(timeIntervalSince1970: 1_750_000_000)

    @Test("a key is open until its expiry; a key never opened needs no read")
    func exactWhileSmall() {
        let open = OpenConversations(capacity: 10)
        open.insert("a", expiresAt: Self.t0 + 60, now: Self.t0)
        #expect(open.mayBeOpen("a", now: Self.t0 + 59))
        #expect(!open.mayBeOpen("a", now: Self.t0 + 60))
        #expect(!open.mayBeOpen("b", now: Self.t0))
        open.remove("a")
        #expect(!open.mayBeOpen("a", now: Self.t0))
    }

    @Test("expired keys are swept out, so one-off askers do not stay in memory")
    func expiredKeysAreSwept() {
        let open = OpenConversations(capacity: 100_000)
        for n in 0..<5000 { open.insert("user-\(n)", expiresAt: Self.t0 + 60, now: Self.t0) }
        for n in 0..<6000 { open.insert("later-\(n)", expiresAt: Self.t0 + 7200, now: Self.t0 + 3600) }
        #expect(open.count <= 6000)
        #expect(open.mayBeOpen("later-5999", now: Self.t0 + 3600))
    }

    @Test("past its capacity the index gives up: every key may be open, and nothing is kept")
    func givesUpPastCapacity() {
        let open = OpenConversations(capacity: 100)
        for n in 0...100 { open.insert("user-\(n)", expiresAt: Self.t0 + 600, now: Self.t0) }
        #expect(!open.isComplete)
        #expect(open.count == 0)
        #expect(open.mayBeOpen("never-seen", now: Self.t0))
    }

    @Test("a reload makes it exact again, unless a conversation opened while the store was read")
    func reloadRestoresExactness() {
        let open = OpenConversations(capacity: 100)
        for n in 0...100 { open.insert("user-\(n)", expiresAt: Self.t0 + 600, now: Self.t0) }
        let stale = open.mark
        open.insert("opened-during-the-read", expiresAt: Self.t0 + 600, now: Self.t0)
        open.load(["user-1": Self.t0 + 600], since: stale)
        #expect(!open.isComplete)

        let fresh = open.mark
        open.load(["user-1": Self.t0 + 600, "opened-during-the-read": Self.t0 + 600], since: fresh)
        #expect(open.isComplete)
        #expect(open.mayBeOpen("opened-during-the-read", now: Self.t0))
        #expect(!open.mayBeOpen("user-2", now: Self.t0))
    }

    @Test("a store holding more open conversations than the capacity leaves the index giving up")
    func tooManyInTheStore() {
        let open = OpenConversations(capacity: 2)
        open.load(["a": Self.t0 + 60, "b": Self.t0 + 60, "c": Self.t0 + 60], since: open.mark)
        #expect(!open.isComplete)
        #expect(open.mayBeOpen("z", now: Self.t0))
        open.load(nil, since: open.mark)
        #expect(!open.isComplete)
    }

    @Test("with a store shared by several instances the index is off: every key may be open and nothing is kept")
    func offForASharedStore() {
        let open = OpenConversations.disabled()
        open.insert("a", expiresAt: Self.t0 + 60, now: Self.t0)
        #expect(open.mayBeOpen("opened-on-another-instance", now: Self.t0))
        #expect(open.count == 0)
        open.load([:], since: open.mark)
        #expect(open.mayBeOpen("opened-on-another-instance", now: Self.t0), "a reload must not make it exact")
    }
}
