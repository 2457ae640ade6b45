import Foundation
import Testing

@testable import Server

/// The pid file `serve` writes and `reload` reads.
struct PidFileTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("policydesk-\(UUID().uuidString).pid").path
    }

    /// The id of a process that has exited.
    static func deadPid() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test func claimWritesTheProcessIdAndRemoveTakesItAway() throws {
        let path = Self.temporaryPath()
        let file = try PidFile.claim(path: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "\(getpid())\n")
        file.remove()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aFileNamingALivePolicyDeskProcessIsRefused() throws {
        let path = Self.temporaryPath()
        defer { unlink(path) }
        let other = getppid()
        try Data("\(other)\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: PidFileError.alreadyRunning(pid: other, path: path)) {
            try PidFile.claim(path: path, isPolicyDesk: { _ in true })
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "\(other)\n", "the file is left as it was")
    }

    @Test func aStaleFileIsTakenOver() throws {
        let path = Self.temporaryPath()
        defer { unlink(path) }
        try Data("\(try Self.deadPid())\n".utf8).write(to: URL(fileURLWithPath: path))
        _ = try PidFile.claim(path: path, isPolicyDesk: { _ in true })
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "\(getpid())\n")
        // A live process that is not policydesk (a reused pid) does not block either.
        try Data("\(getppid())\n".utf8).write(to: URL(fileURLWithPath: path))
        _ = try PidFile.claim(path: path, isPolicyDesk: { _ in false })
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "\(getpid())\n")
    }

    @Test func removeLeavesAFileAnotherServerTookOver() throws {
        let path = Self.temporaryPath()
        defer { unlink(path) }
        let file = try PidFile.claim(path: path)
        try Data("\(getppid())\n".utf8).write(to: URL(fileURLWithPath: path))
        file.remove()
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func reloadSaysWhatIsWrong() throws {
        let path = Self.temporaryPath()
        defer { unlink(path) }
        #expect(throws: PidFileError.missing(path: path)) { try PidFile.runningServer(path: path) }
        try Data("not a number\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: PidFileError.malformed(path: path)) { try PidFile.runningServer(path: path) }
        let dead = try Self.deadPid()
        try Data("\(dead)\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: PidFileError.processGone(pid: dead, path: path)) { try PidFile.runningServer(path: path) }
        // The test runner is alive but is not policydesk: never signalled.
        try Data("\(getpid())\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: PidFileError.notPolicyDesk(pid: getpid(), path: path)) { try PidFile.signalReload(path: path) }
        #expect(PidFileError.missing(path: path).description.contains("no pid file at \(path)"))
    }
}
