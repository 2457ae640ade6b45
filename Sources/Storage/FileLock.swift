import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive `flock` on a file, taken without waiting: the one home of the locks that sit beside
/// an SQLite database (the server's `<database>.lock`, the campaign runner's
/// `<database>.campaign-run.lock`).
///
/// The kernel releases an `flock` when its process ends however it ends, `kill -9` included, so a
/// stale lock file never blocks a restart. The holder writes its pid into the file, only so that
/// the process refused can name it; the lock is what counts.
package final class FileLock: Sendable {
    /// The lock file's path.
    package let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Why a lock was not taken.
    package enum Failure: Error, Sendable, Equatable {
        /// Another open file description holds it; `pid` is what its holder wrote, when readable.
        case held(pid: Int32?)
        /// The file cannot be created or locked.
        case unusable(reason: String)
    }

    /// Locks `path` (creating it), or fails at once.
    package static func acquire(path: String) throws(Failure) -> FileLock {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .unusable(reason: String(cString: strerror(errno))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = readHolder(descriptor)
            close(descriptor)
            if code == EWOULDBLOCK { throw .held(pid: holder) }
            throw .unusable(reason: String(cString: strerror(code)))
        }
        let text = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        return FileLock(path: path, descriptor: descriptor)
    }

    /// Releases the lock; also released when the process ends.
    package func release() {
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    private static func readHolder(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 31, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
