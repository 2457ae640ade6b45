import Foundation

/// A value shared between Swift tasks and libcurl's transfer threads, guarded by a lock.
///
/// Used instead of `Synchronization.Mutex`, which needs macOS 15 while the package still
/// declares macOS 14. `@unchecked Sendable` is sound because the value is only reachable
/// inside ``withLock(_:)``, which holds the lock for the whole access, and the value itself
/// is `Sendable`, so nothing non-Sendable can escape through it.
final class LockedValue<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    /// Wraps an initial value.
    init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with exclusive access to the value. Keep `body` short and non-blocking.
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
