import ArgumentParser
import Foundation
import Server

/// `policydesk reload`: tells the running server to read `Intents/` and `Templates/` again.
struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make the running server read Intents/ and Templates/ again (SIGHUP to the pid in its pid file).",
        discussion: """
            The server writes its process id to POLICYDESK_PID_FILE (default policydesk.pid next to \
            POLICYDESK_DB) when it starts and removes it when it stops. This command signals that process \
            only; the server's log says whether the files loaded (a broken file keeps the old answers serving).
            """)

    @Option(name: .long, help: "The server's configuration file, to find its database and pid file.")
    var config: String?

    @Option(name: .long, help: "The pid file (default: from --config and the environment, as serve finds it).")
    var pidFile: String?

    func run() throws {
        let path: String
        if let pidFile {
            path = pidFile
        } else {
            do {
                path = try ServerConfiguration.load(file: config, environment: ProcessInfo.processInfo.environment)
                    .pidFilePath
            } catch {
                throw CommandFailure(description: error.description)
            }
        }
        do {
            let pid = try PidFile.signalReload(path: path)
            emit("sent SIGHUP to policydesk (pid \(pid)); its log says whether the reload succeeded")
        } catch {
            throw CommandFailure(description: error.description)
        }
    }
}
