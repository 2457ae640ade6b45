import ArgumentParser
import Desk
import Foundation
import PlanImport

/// `policydesk intents`: tools for the knowledge-base files.
struct Intents: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tools for the Intents/ folder that staff edit through the admin API.",
        subcommands: [IntentsDiff.self, IntentsReview.self])
}

/// `policydesk intents review`: the rules of a draft still marked `review: true`, or accepting
/// them all as they stand.
struct IntentsReview: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "List the rules still marked review: true (exit 1 if any), or accept them all with --accept-all.")

    @OptionGroup var knowledge: KnowledgeOptions

    @Flag(name: .long, help: "Delete every review: true mark: the rules are accepted as they stand.")
    var acceptAll = false

    func run() throws {
        let loader = knowledge.loader
        let clauses = loader.intents.appendingPathComponent("clauses")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: clauses.path) else {
            throw CommandFailure(description: "\(clauses.path): not found; give --intents DIR")
        }
        if !acceptAll {
            do {
                _ = try loader.load()
                emit("no rules to review")
            } catch {
                let unreviewed = error.problems.filter { $0.message.hasPrefix("rule not reviewed") }
                for problem in unreviewed { emit(problem.description) }
                if unreviewed.count < error.problems.count {
                    emit("(\(error.problems.count - unreviewed.count) other problems: run policydesk lint)")
                }
                throw ExitCode(1)
            }
            return
        }
        var total = 0
        var files = 0
        for name in names.sorted() where name.hasSuffix(".yaml") {
            let url = clauses.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: url.path) else { continue }
            let (text, count) = ReviewMarks.accepted(String(decoding: data, as: UTF8.self))
            guard count > 0 else { continue }
            try Data(text.utf8).write(to: url, options: .atomic)
            total += count
            files += 1
        }
        emit("accepted \(total) rules in \(files) files; run policydesk lint")
    }
}

/// `policydesk intents diff`: what staff changed in `Intents/`, as a patch.
struct IntentsDiff: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what changed in Intents/ against the shipped files, as a unified diff; exit 1 if anything did.",
        discussion: """
            Without --against, compares with git HEAD (the folder must be in a git checkout; files git does not \
            know yet are shown as new). With --against DIR, compares with that folder, such as the Intents/ of the \
            release tarball. Paths are relative to the Intents folder (a/clauses/12.yaml), so in a checkout \
            `git apply --directory=Intents FILE.patch` applies the output.
            """)

    @Option(name: .long, help: "The Intents folder (default: $POLICYDESK_INTENTS or ./Intents).")
    var intents: String?

    @Option(name: .long, help: "Compare with this folder instead of git HEAD.")
    var against: String?

    func run() throws {
        let folder = intents ?? ProcessInfo.processInfo.environment["POLICYDESK_INTENTS"] ?? "Intents"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure(description: "\(folder) is not a folder; give --intents DIR")
        }
        let changed: Bool
        if let against {
            guard FileManager.default.fileExists(atPath: against, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                throw CommandFailure(description: "\(against) is not a folder")
            }
            changed = try Self.diffFolders(shipped: against, current: folder)
        } else {
            changed = try Self.diffAgainstHead(folder)
        }
        if changed { throw ExitCode(1) }
    }

    /// `diff -ruN a/ b/` in a scratch folder whose `a` and `b` point at the two folders, so the
    /// patch names files relative to the Intents folder.
    static func diffFolders(shipped: String, current: String) throws -> Bool {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "policydesk-diff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let absolute = { (path: String) in URL(fileURLWithPath: path).standardizedFileURL.path }
        try FileManager.default.createSymbolicLink(
            atPath: scratch.appendingPathComponent("a").path, withDestinationPath: absolute(shipped))
        try FileManager.default.createSymbolicLink(
            atPath: scratch.appendingPathComponent("b").path, withDestinationPath: absolute(current))
        let status = try Self.run(["diff", "-ruN", "a/", "b/"], in: scratch.path)
        guard status <= 1 else { throw CommandFailure(description: "diff failed (exit \(status))") }
        return status == 1
    }

    /// `git diff HEAD` of the folder, plus the files git does not track yet.
    static func diffAgainstHead(_ folder: String) throws -> Bool {
        guard let (status, _) = try? Self.capture(["git", "rev-parse", "--show-toplevel"], in: folder), status == 0
        else {
            throw CommandFailure(
                description: "\(folder) is not in a git checkout; give --against DIR with the shipped Intents/ "
                    + "(the release tarball's) to compare with")
        }
        let tracked = try Self.run(
            ["git", "diff", "--no-color", "--exit-code", "--relative", "HEAD", "--", "."], in: folder)
        guard tracked <= 1 else { throw CommandFailure(description: "git diff failed (exit \(tracked))") }
        var changed = tracked == 1
        let (listed, untracked) = try Self.capture(
            ["git", "ls-files", "--others", "--exclude-standard", "--", "."], in: folder)
        guard listed == 0 else { throw CommandFailure(description: "git ls-files failed (exit \(listed))") }
        for file in untracked.split(separator: "\n") where !file.isEmpty {
            _ = try Self.run(["git", "diff", "--no-color", "--no-index", "--", "/dev/null", String(file)], in: folder)
            changed = true
        }
        return changed
    }

    /// Runs a program found on PATH with standard output passed through; returns its exit status.
    static func run(_ arguments: [String], in directory: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Runs a program and returns its exit status and standard output.
    static func capture(_ arguments: [String], in directory: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
