import CCurl
import Synchronization

/// A libcurl easy handle owned by exactly one transfer at a time.
///
/// `@unchecked Sendable` is sound because a handle only moves between threads through
/// ``CurlHandlePool``: it is checked out to a single transfer, used by the one thread that
/// runs `curl_easy_perform`, and checked back in only after that call returned. libcurl
/// allows a handle to change threads between uses as long as it is never used concurrently.
struct CurlEasyHandle: @unchecked Sendable {
    /// The `CURL *` pointer.
    let raw: UnsafeMutableRawPointer
}

/// A bounded set of reusable easy handles.
///
/// Reuse matters because each easy handle keeps its own connection cache: taking the most
/// recently returned handle lets consecutive requests to one platform ride the same
/// keep-alive connection instead of paying TCP and TLS setup each time. The bound also caps
/// how many blocking `curl_easy_perform` calls (hence threads) can run at once; callers
/// beyond it wait here without holding a thread.
final class CurlHandlePool: Sendable {
    private struct State: Sendable {
        var idle: [CurlEasyHandle] = []
        var created = 0
        var waiters: [CheckedContinuation<CurlEasyHandle?, Never>] = []
    }

    private enum Ticket {
        case reuse(CurlEasyHandle)
        case create
        case wait
    }

    /// The most handles, and so concurrent transfers, that ever exist.
    let capacity: Int
    private let state = Mutex(State())

    /// Creates an empty pool; handles are created on demand up to `capacity`.
    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    deinit {
        // Every transfer holds a reference to the pool until it has checked its handle back
        // in, so at this point all handles are idle.
        state.withLock { state in
            for handle in state.idle { curl_easy_cleanup(handle.raw) }
            state.idle.removeAll()
        }
    }

    /// Takes a handle, creating one if the pool is below capacity and waiting otherwise.
    ///
    /// Returns `nil` only when libcurl cannot allocate a handle.
    func checkOut() async -> CurlEasyHandle? {
        await withCheckedContinuation { (continuation: CheckedContinuation<CurlEasyHandle?, Never>) in
            let ticket = state.withLock { state -> Ticket in
                if let handle = state.idle.popLast() { return .reuse(handle) }
                if state.created < capacity {
                    state.created += 1
                    return .create
                }
                state.waiters.append(continuation)
                return .wait
            }
            switch ticket {
            case .reuse(let handle):
                continuation.resume(returning: handle)
            case .create:
                if let raw = curl_easy_init() {
                    continuation.resume(returning: CurlEasyHandle(raw: raw))
                } else {
                    state.withLock { $0.created -= 1 }
                    continuation.resume(returning: nil)
                }
            case .wait:
                break
            }
        }
    }

    /// Returns a handle after its transfer finished, handing it straight to the longest
    /// waiter if there is one.
    func checkIn(_ handle: CurlEasyHandle) {
        let waiter = state.withLock { state -> CheckedContinuation<CurlEasyHandle?, Never>? in
            if state.waiters.isEmpty {
                state.idle.append(handle)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: handle)
    }
}
