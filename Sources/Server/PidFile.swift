public import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The file in which `policydesk serve` leaves its process id, so that `policydesk reload` signals
/// exactly that process (never every process of the name).
///
/// `serve` claims it at start, refusing when it names a live `policydesk` process (a second
/// server on the same database), and removes it on a graceful stop. A file left by a process
/// that died (`kill -9`, a power cut) names a dead or unrelated process and is taken over.
public struct PidFile: Sendable {
    /// The file's path.
    public let path: String
    /// The process id written into it.
    public let pid: Int32

    /// Writes the current process's id into `path`, unless the file names another live
    /// `policydesk` process. `isPolicyDesk` tells whether a live process is one (tests replace it).
    public static func claim(
        path: String, isPolicyDesk: (Int32) -> Bool = PidFile.isPolicyDesk
    ) throws(PidFileError) -> PidFile {
        let own = getpid()
        if case .success(let pid) = readPid(path), pid != own, isAlive(pid), isPolicyDesk(pid) {
            throw .alreadyRunning(pid: pid, path: path)
        }
        // A temporary file renamed over the old one: a reader never sees half a number.
        let temporary = path + ".\(own).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data("\(own)\n".utf8)) else {
            throw .unwritable(path: path, reason: String(cString: strerror(errno)))
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .unwritable(path: path, reason: reason)
        }
        return PidFile(path: path, pid: own)
    }

    /// Removes the file if it still holds this process's id (a newer server may have taken it over).
    public func remove() {
        if case .success(let current) = Self.readPid(path), current == pid {
            unlink(path)
        }
    }

    /// The id of the running server named by the file at `path`, checked to be a live
    /// `policydesk` process.
    public static func runningServer(
        path: String, isPolicyDesk: (Int32) -> Bool = PidFile.isPolicyDesk
    ) throws(PidFileError) -> Int32 {
        let pid = try readPid(path).get()
        guard isAlive(pid) else { throw .processGone(pid: pid, path: path) }
        guard isPolicyDesk(pid) else { throw .notPolicyDesk(pid: pid, path: path) }
        return pid
    }

    /// Sends SIGHUP to the server named by the file at `path`; returns its process id.
    public static func signalReload(path: String) throws(PidFileError) -> Int32 {
        let pid = try runningServer(path: path)
        guard kill(pid, SIGHUP) == 0 else {
            throw .signalFailed(pid: pid, reason: String(cString: strerror(errno)))
        }
        return pid
    }

    /// The number in the file.
    static func readPid(_ path: String) -> Result<Int32, PidFileError> {
        guard let data = FileManager.default.contents(atPath: path) else { return .failure(.missing(path: path)) }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let pid = Int32(text), pid > 0 else { return .failure(.malformed(path: path)) }
        return .success(pid)
    }

    /// Whether a process with this id exists (EPERM: it exists, owned by someone else).
    static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// Whether the process runs the `policydesk` command, by its name in `/proc` on Linux
    /// (elsewhere any live process is taken to be one).
    public static func isPolicyDesk(_ pid: Int32) -> Bool {
        #if os(Linux)
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/comm") else { return false }
            let name = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return name == "policydesk"
        #else
            return true
        #endif
    }
}

/// Why a pid file could not be claimed or used.
public enum PidFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No pid file: no server runs with this configuration.
    case missing(path: String)
    /// The file holds no process id.
    case malformed(path: String)
    /// Another live `policydesk` process holds the file.
    case alreadyRunning(pid: Int32, path: String)
    /// The process the file names has ended.
    case processGone(pid: Int32, path: String)
    /// The process the file names runs something else (its id was reused).
    case notPolicyDesk(pid: Int32, path: String)
    /// The file could not be written.
    case unwritable(path: String, reason: String)
    /// `kill` refused.
    case signalFailed(pid: Int32, reason: String)

    /// One line that says what to do.
    public var description: String {
        switch self {
        case .missing(let path):
            "no pid file at \(path): is `policydesk serve` running with this database (POLICYDESK_DB) "
                + "or POLICYDESK_PID_FILE? (give --pid-file, or --config with the server's file)"
        case .malformed(let path):
            "\(path) does not hold a process id; remove it if no server is running"
        case .alreadyRunning(let pid, let path):
            "another policydesk server (pid \(pid)) is running with the pid file \(path); "
                + "stop it first, or give this one its own database and POLICYDESK_PID_FILE"
        case .processGone(let pid, let path):
            "the server named by \(path) (pid \(pid)) is not running; the file is left from a stop that was not "
                + "graceful. Start the server (it takes the file over), or remove the file"
        case .notPolicyDesk(let pid, let path):
            "\(path) names pid \(pid), which is not a policydesk process; nothing was signalled. "
                + "The file is stale: remove it"
        case .unwritable(let path, let reason):
            "cannot write the pid file \(path): \(reason)"
        case .signalFailed(let pid, let reason):
            "cannot send SIGHUP to pid \(pid): \(reason)"
        }
    }
}
