import CCurl
import Dispatch
import Synchronization

/// ``HTTPTransport`` over libcurl's easy interface.
///
/// `curl_easy_perform` blocks its thread for the whole exchange, so transfers run on
/// dedicated dispatch queues and never on Swift's cooperative pool, whose few threads would
/// otherwise stall every other task while waiting for a slow platform. There is one serial
/// queue per transfer slot rather than one concurrent queue: on Linux, libdispatch runs a
/// concurrent queue's blocks on a pool only as wide as the CPU count and cannot see that a
/// block is waiting in `poll()`, so on two cores only two transfers ran at once; each serial
/// queue gets a thread of its own. A
/// ``CurlHandlePool`` bounds how many run at once and keeps connections alive between
/// requests. Proxies come from libcurl's usual environment variables (`https_proxy`,
/// `http_proxy`, `no_proxy`), which libcurl reads by default; redirects are not followed,
/// because none of the platforms' APIs redirects and a redirect would carry the secrets
/// in the URL to another host.
public final class CurlTransport: HTTPTransport {
    /// Limits that apply to every request sent through one transport.
    public struct Configuration: Sendable {
        /// How many transfers may run at once; also the number of pooled connections kept.
        public var maxConcurrentTransfers: Int
        /// Bodies larger than this abort the transfer, so that a misbehaving endpoint cannot
        /// exhaust memory.
        public var maxResponseBytes: Int
        /// The `User-Agent` header sent unless a request sets its own.
        public var userAgent: String

        /// Creates a configuration.
        public init(maxConcurrentTransfers: Int = 8, maxResponseBytes: Int = 8 << 20, userAgent: String = "PolicyDesk")
        {
            self.maxConcurrentTransfers = maxConcurrentTransfers
            self.maxResponseBytes = maxResponseBytes
            self.userAgent = userAgent
        }
    }

    /// The limits this transport was created with.
    public let configuration: Configuration
    private let pool: CurlHandlePool
    /// One serial queue per transfer slot; ``freeQueues`` holds the indices not in use.
    private let queues: [DispatchQueue]
    private let freeQueues: Mutex<[Int]>

    /// Creates a transport; libcurl's global state is initialised on first use.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.pool = CurlHandlePool(capacity: configuration.maxConcurrentTransfers)
        self.queues = (0..<pool.capacity).map { DispatchQueue(label: "policydesk.curl-transfer-\($0)") }
        self.freeQueues = Mutex(Array(0..<pool.capacity))
    }

    /// Sends the request with libcurl and returns the final response of any status.
    ///
    /// Cancelling the calling task aborts a running transfer within about a second. A task
    /// waiting for a free handle keeps waiting until one is returned, which every running
    /// transfer does within its own timeout.
    public func send(_ request: OutboundRequest) async throws(TransportError) -> OutboundResponse {
        let globalStatus = CurlGlobal.initialisation
        guard globalStatus == CURLE_OK else {
            throw .other(code: Int(globalStatus.rawValue), message: "libcurl could not be initialised")
        }
        guard let handle = await pool.checkOut() else {
            throw .other(
                code: Int(CURLE_OUT_OF_MEMORY.rawValue), message: "libcurl could not allocate a transfer handle")
        }
        let cancellation = CurlCancellationFlag()
        let configuration = configuration
        // The pool lets at most `capacity` transfers hold a handle, so a free queue always exists.
        let slot = freeQueues.withLock { $0.popLast() ?? 0 }
        let queue = queues[slot]
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<OutboundResponse, TransportError>, Never>) in
                queue.async {
                    let result = CurlTransfer.perform(
                        request, on: handle, configuration: configuration, cancellation: cancellation)
                    self.freeQueues.withLock { $0.append(slot) }
                    continuation.resume(returning: result)
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
        pool.checkIn(handle)
        return try result.get()
    }
}

/// libcurl's process-wide initialisation, done exactly once.
private enum CurlGlobal {
    /// The result of `curl_global_init`; a Swift global `let` is initialised once, thread-safely,
    /// on first access, which is the guarantee libcurl asks for.
    static let initialisation: CURLcode = pd_curl_global_init()
}

/// Set when the task that started a transfer is cancelled; read by libcurl's progress
/// callback on the transfer thread.
final class CurlCancellationFlag: Sendable {
    private let cancelled = Atomic(false)

    /// Requests that the transfer stop.
    func cancel() { cancelled.store(true, ordering: .releasing) }

    /// Whether ``cancel()`` was called.
    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }
}
