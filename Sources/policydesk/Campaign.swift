import ArgumentParser
import Channels
import Desk
import Dispatch
import Foundation
import Outreach
import OutreachModel
import PolicyKit
import PostgresStorage
import Server
import Storage
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `policydesk campaign`: outreach campaigns (政策敲门找企业).
struct Campaign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tell enterprises on a roster, in their own group chats, which measures they qualify for.",
        discussion: """
            Plan a campaign from a roster (see Examples/roster-sample.csv), send it through the group robots, \
            and follow it up. Campaigns live in $POLICYDESK_DB (default policydesk.sqlite, or the \
            postgres:// database several instances share).
            """,
        subcommands: [
            CampaignPlanCommand.self, CampaignRehearseCommand.self, CampaignRunCommand.self, CampaignStatusCommand.self,
            CampaignReportCommand.self,
            CampaignResolveCommand.self, CampaignListCommand.self, CampaignColumnsCommand.self,
        ]
    )
}

/// The campaign database, as every other command finds it: the SQLite file or the PostgreSQL
/// database the servers use.
enum CampaignDatabase {
    /// `$POLICYDESK_DB` or `policydesk.sqlite`.
    static var location: String {
        ProcessInfo.processInfo.environment["POLICYDESK_DB"] ?? "policydesk.sqlite"
    }

    /// Where the database is, as messages name it (a PostgreSQL password hidden).
    static var name: String {
        (try? PostgresAddress(url: location).description) ?? location
    }

    /// Runs `body` with the database open, closing it afterwards.
    static func with<T: Sendable>(_ body: (OpenDatabase) async throws -> T) async throws -> T {
        try await OpenDatabase.with(location: location, body)
    }
}

/// `policydesk campaign plan`.
struct CampaignPlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Read a roster, decide who qualifies for which items, store the campaign and preview its messages.")

    @OptionGroup var knowledge: KnowledgeOptions

    @Argument(help: "The roster: a CSV file in UTF-8 (with or without BOM) or GB18030/GBK.")
    var roster: String

    @Option(name: .long, help: "The items to announce, comma-separated, such as 12.2,9.3.")
    var items: String

    @Option(name: .long, help: "The template in Templates/ without its ending (default outreach).")
    var template = "outreach"

    @Flag(name: .long, help: "Send plain text (TEMPLATE.txt) instead of Markdown (TEMPLATE.md).")
    var text = false

    @Flag(name: .long, help: "Import the good lines of a roster with bad ones, listing the bad ones.")
    var skipBadLines = false

    @Option(name: .long, help: "Do not tell an enterprise about the same item again within this many days.")
    var windowDays = 30

    @Option(name: .long, help: "How many messages to show in the preview.")
    var show = 3

    @Flag(name: .long, help: "Show the plan without storing it.")
    var dryRun = false

    func validate() throws {
        if windowDays < 0 { throw ValidationError("--window-days must be 0 or more") }
        if show < 0 { throw ValidationError("--show must be 0 or more") }
    }

    func run() async throws {
        let kb = try knowledge.load()
        let started = ContinuousClock.now
        guard let data = FileManager.default.contents(atPath: roster) else {
            throw CommandFailure(
                description: "Cannot read the roster \(roster): the file does not exist or is not readable.")
        }
        let rosterName = URL(fileURLWithPath: roster).lastPathComponent
        let parsed: Roster
        do {
            parsed = try Roster.parse(data, skipBadLines: skipBadLines)
        } catch {
            for problem in error.problems { emit("\(rosterName):\(problem.line): \(problem.reason)") }
            if case .badLines(let problems) = error {
                emit(
                    "\(problems.count) bad lines; nothing was imported. Fix them, or add --skip-bad-lines to import "
                        + "the good lines only.")
            }
            throw ExitCode(1)
        }
        let format: MessageFormat = text ? .text : .markdown
        let planned = try await CampaignDatabase.with { database -> CampaignLaunch.Planned in
            do {
                return try await CampaignLaunch.plan(
                    .init(
                        roster: parsed, rosterName: rosterName, itemIDs: CampaignLaunch.itemIDs(items),
                        template: template, format: format, windowDays: windowDays),
                    knowledge: kb, store: database.campaigns, dryRun: dryRun, now: Date())
            } catch let error as OutreachError {
                throw CommandFailure(description: error.description)
            }
        }
        let plan = planned.plan
        let notes = planned.notes
        let campaignID = planned.campaignID
        let elapsed = ContinuousClock.now - started

        emit(
            "Roster \(rosterName): \(parsed.enterprises.count) enterprises (\(parsed.encoding.rawValue))"
                + (parsed.skippedLines.isEmpty ? "" : ", \(parsed.skippedLines.count) bad lines skipped"))
        for note in notes { emit("  \(note)") }
        let header =
            if let campaignID { "Campaign \(campaignID) planned" } else if dryRun { "Dry run (nothing stored)" } else {
                "Nothing to send (no campaign stored)"
            }
        emit(
            "\(header): \(Self.count(plan.messages.count, "message")) to \(Self.count(plan.messages.count, "enterprise")) "
                + "through \(Self.count(plan.robotCount, "robot")); \(Self.count(plan.ineligibleCount, "enterprise")) "
                + (plan.ineligibleCount == 1 ? "qualifies" : "qualify")
                + " for none of the items; planned in \(Self.milliseconds(elapsed)) ms")
        for total in plan.totals {
            var line =
                "  \(total.itemID) \(total.title): \(Self.count(total.enterprises, "enterprise")), "
                + "estimated \(Self.yuan(total.exactYuan))"
            if total.ceilingCount > 0 { line += " + up to \(Self.yuan(total.ceilingYuan)) for \(total.ceilingCount)" }
            if total.unknownCount > 0 { line += " + \(total.unknownCount) with no figure" }
            if total.skipped > 0 { line += "; \(total.skipped) skipped as sent recently" }
            emit(line)
        }
        emit("  Estimated total: \(Self.yuan(plan.estimatedYuan)) (sum of exact estimates; yuan \(plan.estimatedYuan))")
        if !plan.skips.isEmpty {
            emit("Skipped, already told within \(windowDays) days (\(plan.skips.count)):")
            for skip in plan.skips {
                emit("  \(skip.enterpriseName) (\(skip.creditCode)) item \(skip.itemID): \(skip.reason)")
            }
        }
        if show > 0 && !plan.messages.isEmpty {
            let shown = plan.messages.prefix(show)
            emit("Preview (\(shown.count) of \(plan.messages.count) messages):")
            for (index, message) in shown.enumerated() {
                emit(
                    "--- \(index + 1)/\(plan.messages.count) to \(message.enterprise.name) via \(message.enterprise.robot) ---"
                )
                emit(message.body)
            }
            emit("---")
        }
        if let campaignID {
            emit("Send it with: policydesk campaign run \(campaignID)")
        }
    }

    /// `1 message`, `2 messages`.
    static func count(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }

    /// An amount as the plan writes it, always ending in 元.
    static func yuan(_ yuan: Int64) -> String {
        let words = Money.words(yuan)
        return words.hasSuffix("元") ? words : words + "元"
    }

    /// Whole milliseconds of a duration.
    static func milliseconds(_ duration: Duration) -> Int {
        Int((duration / .milliseconds(1)).rounded(.down))
    }
}

/// `policydesk campaign rehearse`.
struct CampaignRehearseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rehearse",
        abstract: "Play a campaign through against a local fake platform and print what each enterprise would receive.",
        discussion: """
            Plans the campaign as `campaign plan` does, then sends it as `campaign run` does (the same messages, \
            signatures and sender), but every robot address is rewritten to a listener this command starts on \
            127.0.0.1, which answers as the platforms do and records what it got. Nothing reaches a real group, \
            nothing is stored in $POLICYDESK_DB (the rehearsal's ledger is in memory; the real database is only \
            read, for whom recent campaigns already told), and the robots' rate limits are not waited for.
            """)

    @OptionGroup var knowledge: KnowledgeOptions

    @Argument(help: "The roster: a CSV file in UTF-8 (with or without BOM) or GB18030/GBK.")
    var roster: String

    @Option(name: .long, help: "The items to announce, comma-separated, such as 12.2,9.3.")
    var items: String

    @Option(name: .long, help: "The template in Templates/ without its ending (default outreach).")
    var template = "outreach"

    @Flag(name: .long, help: "Send plain text (TEMPLATE.txt) instead of Markdown (TEMPLATE.md).")
    var text = false

    @Flag(name: .long, help: "Rehearse the good lines of a roster with bad ones, listing the bad ones.")
    var skipBadLines = false

    @Option(name: .long, help: "Do not tell an enterprise about the same item again within this many days.")
    var windowDays = 30

    @Flag(name: .long, help: "Also print each request body (JSON) as the robot would receive it.")
    var raw = false

    func validate() throws {
        if windowDays < 0 { throw ValidationError("--window-days must be 0 or more") }
    }

    func run() async throws {
        let kb = try knowledge.load()
        guard let data = FileManager.default.contents(atPath: roster) else {
            throw CommandFailure(
                description: "Cannot read the roster \(roster): the file does not exist or is not readable.")
        }
        let rosterName = URL(fileURLWithPath: roster).lastPathComponent
        let parsed: Roster
        do {
            parsed = try Roster.parse(data, skipBadLines: skipBadLines)
        } catch {
            for problem in error.problems { emit("\(rosterName):\(problem.line): \(problem.reason)") }
            throw ExitCode(1)
        }
        let itemIDs = items.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let now = Date()
        // Whom real campaigns told recently, read from the real database when there is one; it is not written.
        var recent: [RecentSend] = []
        let location = CampaignDatabase.location
        if PostgresAddress.isPostgresURL(location) || FileManager.default.fileExists(atPath: location) {
            recent = try await CampaignDatabase.with { database in
                try await database.campaigns.recentSends(
                    itemIDs: Set(itemIDs), since: now.addingTimeInterval(-Double(windowDays) * 86_400))
            }
        }
        let format: MessageFormat = text ? .text : .markdown
        let outcome: CampaignRehearsal.Outcome
        do {
            outcome = try await CampaignRehearsal.rehearse(
                roster: parsed, planner: CampaignPlanner(knowledge: kb, template: template, format: format),
                itemIDs: itemIDs, recentSends: recent, windowDays: windowDays, rosterName: rosterName,
                template: template, format: format, now: now)
        } catch let error as OutreachError {
            throw CommandFailure(description: error.description)
        }
        let plan = outcome.plan
        emit(
            "Rehearsal of \(rosterName): \(CampaignPlanCommand.count(plan.messages.count, "message")) to "
                + "\(CampaignPlanCommand.count(plan.messages.count, "enterprise")) through "
                + "\(CampaignPlanCommand.count(plan.robotCount, "robot")); "
                + "\(CampaignPlanCommand.count(plan.ineligibleCount, "enterprise")) "
                + (plan.ineligibleCount == 1 ? "qualifies" : "qualify") + " for none of the items; "
                + "estimated \(CampaignPlanCommand.yuan(plan.estimatedYuan))")
        for skip in plan.skips {
            emit("  skipped \(skip.enterpriseName) (\(skip.creditCode)) item \(skip.itemID): \(skip.reason)")
        }
        for message in outcome.messages {
            emit(
                "=== \(message.seq)/\(outcome.messages.count) \(message.enterpriseName) (\(message.creditCode)) "
                    + "via \(message.robot): \(message.state.rawValue) ===")
            guard let request = message.request else {
                emit("(the fake platform received nothing for this message)")
                continue
            }
            emit(request.text ?? "(a message the fake platform could not read)")
            if raw { emit("--- request body ---\n" + String(decoding: request.body, as: UTF8.self)) }
        }
        let delivered = outcome.messages.filter { $0.request != nil }.count
        emit(
            "Rehearsal only: the local fake platform received \(outcome.requests.count) requests, "
                + "\(delivered) of \(outcome.messages.count) messages; nothing was sent to a real group and nothing "
                + "was recorded in \(CampaignDatabase.name).")
        if delivered != outcome.messages.count { throw ExitCode(1) }
    }
}

/// `policydesk campaign run`.
struct CampaignRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Send a campaign's messages within each robot's limits; safe to stop and start again.",
        discussion: """
            Every message is recorded as being sent before its HTTP call and with its outcome after, so a run \
            stopped in any way (even kill -9) and started again sends nothing twice. A message that was in flight \
            when a run died is marked uncertain and never resent on its own: `campaign status` lists them, and \
            `campaign resolve` records what a person found in the group chat. Ctrl-C, SIGTERM and SIGHUP stop \
            cleanly: calls in flight finish first, then the run exits with status 130.
            """)

    @Argument(help: "The campaign id that `campaign plan` printed.")
    var id: Int64

    @Option(name: .long, help: "HTTP calls in flight at once, across all robots.")
    var maxInFlight = 16

    @Option(name: .long, help: "Seconds to wait for a platform's answer; after that the message is uncertain.")
    var timeout = 10.0

    @Flag(name: .long, help: "Print only the summary.")
    var quiet = false

    @Flag(name: .long, help: "Print every delivery, not only problems and progress.")
    var verbose = false

    @Option(name: .long, help: .hidden)
    var timeScale = 1.0

    func validate() throws {
        if maxInFlight < 1 { throw ValidationError("--max-in-flight must be at least 1") }
        if timeout <= 0 { throw ValidationError("--timeout must be positive") }
        if timeScale <= 0 { throw ValidationError("--time-scale must be positive") }
    }

    func run() async throws {
        try await CampaignDatabase.with { database in
            let lock: any CampaignRunLock
            do {
                lock = try await database.takeCampaignRunLock()
            } catch {
                throw CommandFailure(description: "\(error)")
            }
            do {
                try await send(from: database.campaigns)
            } catch {
                await lock.release()
                throw error
            }
            await lock.release()
        }
    }

    /// Runs the campaign from `store`, holding the run lock.
    private func send(from store: any CampaignStore) async throws {
        let transport = CurlTransport(configuration: .init(maxConcurrentTransfers: maxInFlight))
        let delivered = Mutex(0)
        let quiet = quiet
        let verbose = verbose
        let runner = CampaignLaunch.runner(
            store: store, transport: transport,
            settings: .init(maxInFlight: maxInFlight, timeout: timeout, timeScale: timeScale),
            onEvent: { event in
                guard !quiet else { return }
                if event.kind == .delivered {
                    let count = delivered.withLock { value -> Int in
                        value += 1
                        return value
                    }
                    if verbose || count % 100 == 0 { emit("\(Self.stamp()) delivered \(count) so far — \(event)") }
                } else {
                    emit("\(Self.stamp()) \(event)")
                }
            })
        let id = id
        let task = Task { try await runner.run(campaignID: id) }
        let stops = Self.stopOnSignals { task.cancel() }
        defer { stops.forEach { $0.cancel() } }
        let summary: CampaignRunner.Summary
        do {
            summary = try await task.value
        } catch let error as OutreachError {
            throw CommandFailure(description: error.description)
        } catch is CancellationError {
            // Stopped before the first send began: nothing was in flight.
            emit("Campaign \(id): stopped before sending began; `policydesk campaign run \(id)` starts it again.")
            throw ExitCode(130)
        }
        let counts = summary.counts
        let pending = (counts[.planned] ?? 0) + (counts[.retrying] ?? 0)
        emit(
            "Campaign \(id): \(counts[.delivered] ?? 0) delivered, \(pending) still to send, "
                + "\(counts[.uncertain] ?? 0) uncertain, \(counts[.failed] ?? 0) failed, \(counts[.skipped] ?? 0) skipped; "
                + "\(summary.attempts) calls this run"
                + (summary.recovered.isEmpty
                    ? "" : "; \(summary.recovered.count) left in flight by the previous run are now uncertain"))
        if (counts[.uncertain] ?? 0) > 0 || (counts[.failed] ?? 0) > 0 {
            emit("See `policydesk campaign status \(id)` for the uncertain and failed messages.")
        }
        if summary.stopped {
            emit("Stopped before the end; `policydesk campaign run \(id)` continues where this run stopped.")
            throw ExitCode(130)
        }
    }

    /// Cancels the run on SIGINT, SIGTERM and SIGHUP instead of dying, so calls in flight can
    /// finish. SIGHUP would otherwise end the process mid-send when its terminal closes, and to
    /// the server it means "reload": here there is nothing to reload, so it means "stop cleanly".
    static func stopOnSignals(_ stop: @escaping @Sendable () -> Void) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM, SIGHUP].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                FileHandle.standardError.write(Data("stopping: letting the calls in flight finish…\n".utf8))
                stop()
            }
            source.resume()
            return source
        }
    }

    /// The wall-clock time in China as HH:mm:ss, for progress lines.
    static func stamp() -> String {
        let seconds = Date().timeIntervalSince1970
        let day = Int(seconds + 8 * 3_600) % 86_400
        return String(format: "%02d:%02d:%02d", day / 3_600, day / 60 % 60, day % 60)
    }
}

/// `policydesk campaign status`.
struct CampaignStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show where a campaign stands, with the uncertain and failed messages.")

    @Argument(help: "The campaign id.")
    var id: Int64

    func run() async throws {
        let id = id
        let status = try await CampaignDatabase.with { database in
            do {
                return try await CampaignReport.load(campaignID: id, from: database.campaigns).statusText()
            } catch let error as OutreachError {
                throw CommandFailure(description: error.description)
            }
        }
        emit(status)
    }
}

/// `policydesk campaign report`.
struct CampaignReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract:
            "Write a campaign's report: CSV (one row per message) or an HTML page with totals, items, enterprises and failures."
    )

    /// The report formats.
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case csv, html
    }

    @Argument(help: "The campaign id.")
    var id: Int64

    @Option(name: .long, help: "csv or html.")
    var format: Format

    @Option(name: .long, help: "Write to this file instead of standard output.")
    var output: String?

    func run() async throws {
        let id = id
        let report = try await CampaignDatabase.with { database in
            do {
                return try await CampaignReport.load(campaignID: id, from: database.campaigns)
            } catch let error as OutreachError {
                throw CommandFailure(description: error.description)
            }
        }
        let text =
            switch format {
            case .csv: report.csv()
            case .html: report.html(generatedAt: Date())
            }
        if let output {
            do {
                try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw CommandFailure(description: "Cannot write \(output): \(error.localizedDescription)")
            }
            emit("Wrote \(output)")
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}

/// `policydesk campaign resolve`.
struct CampaignResolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Record what a person found about an uncertain message: it arrived, or send it again.")

    @Argument(help: "The campaign id.")
    var id: Int64

    @Argument(help: "The delivery number (#N in `campaign status`).")
    var delivery: Int64

    @Flag(name: .long, help: "The message is in the group chat: record it as delivered.")
    var delivered = false

    @Flag(name: .long, help: "The message is not in the group chat: send it on the next run.")
    var resend = false

    func validate() throws {
        if delivered == resend { throw ValidationError("give exactly one of --delivered and --resend") }
    }

    func run() async throws {
        let (id, delivery, delivered) = (id, delivery, delivered)
        let resolved = try await CampaignDatabase.with { database in
            let store = database.campaigns
            let belongs = try await store.deliveries(campaignID: id).contains {
                $0.id == delivery && $0.state == .uncertain
            }
            guard belongs else { return false }
            return try await store.resolveUncertain(
                deliveryID: delivery, as: delivered ? .delivered : .resend, at: Date())
        }
        guard resolved else {
            throw CommandFailure(description: OutreachError.notUncertain(delivery: delivery, campaign: id).description)
        }
        emit(
            delivered
                ? "Delivery \(delivery) recorded as delivered."
                : "Delivery \(delivery) will be sent again by `policydesk campaign run \(id)`.")
    }
}

/// `policydesk campaign list`.
struct CampaignListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the campaigns, newest first.")

    func run() async throws {
        let listings = try await CampaignDatabase.with { try await $0.campaigns.campaigns() }
        if listings.isEmpty { emit("No campaigns yet; `policydesk campaign plan ROSTER --items …` plans one.") }
        for listing in listings {
            let c = listing.campaign
            let total = listing.counts.values.reduce(0, +)
            let states = DeliveryState.allCases.compactMap { state in
                listing.counts[state].map { "\($0) \(state.rawValue)" }
            }
            emit(
                "\(c.id)  \(c.rosterName)  items \(c.itemIDs.joined(separator: ","))  "
                    + "\(CampaignPlanCommand.count(total, "message")): "
                    + states.joined(separator: ", "))
        }
    }
}

/// `policydesk campaign columns`.
struct CampaignColumnsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "columns", abstract: "List the roster columns a campaign reads, as a Markdown table.")

    func run() {
        emit("| 列 | 也认 | 必填 | 值和含义 |")
        emit("| --- | --- | --- | --- |")
        for column in RosterColumn.all {
            emit(
                "| \(column.header) | \(column.aliases.joined(separator: "、")) | \(column.isRequired ? "是" : "") | "
                    + "\(column.values) |")
        }
        emit("")
        emit("Items a campaign can announce, and the column that decides who qualifies:")
        for id in CampaignItemRule.itemIDs {
            guard let rule = CampaignItemRule.all[id] else { continue }
            let how =
                switch rule.gate {
                case .status: "「\(rule.column)」为是"
                case .atLeast(_, let minimum): "「\(rule.column)」≥ \(minimum)"
                case .filled: "「\(rule.column)」已填"
                }
            emit("  \(id): \(how)")
        }
    }
}
