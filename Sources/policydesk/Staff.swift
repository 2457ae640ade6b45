import ArgumentParser
import Foundation
import Logging
import PostgresStorage
import Server
import Storage

/// `policydesk staff`: the accounts that sign in to the staff pages (`/admin/`).
struct Staff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage staff accounts for the staff pages: add, remove, passwd, list.",
        discussion: """
            Passwords are read from the terminal without echo (twice), or from the first line of standard input \
            when it is not a terminal, for scripts. They are kept only as scrypt hashes (N=32768, r=8, p=1, a \
            random salt per account). Removing an account or changing its password ends its open sessions.
            """,
        subcommands: [StaffAdd.self, StaffRemove.self, StaffPasswd.self, StaffList.self])
}

/// Where the accounts are kept: the server's database.
struct StaffDatabaseOptions: ParsableArguments {
    @Option(
        name: .long, help: "The database (default: $POLICYDESK_DB, or the one --config names, or policydesk.sqlite).")
    var db: String?

    @Option(name: .long, help: "The server's configuration file, to find its database.")
    var config: String?

    /// Runs `body` with the database open, closing it afterwards: the SQLite file, or the
    /// PostgreSQL database that several instances share (migrated first, as `serve` does).
    func withStore<T: Sendable>(_ body: (any StaffStore) async throws -> T) async throws -> T {
        try await OpenDatabase.with(location: try location()) { database in try await body(database.staff) }
    }

    /// The database's path or address, from --db, the configuration file or the environment.
    func location() throws -> String {
        if let db { return db }
        if let config {
            do {
                return try ServerConfiguration.load(file: config, environment: ProcessInfo.processInfo.environment)
                    .databasePath
            } catch {
                throw CommandFailure(description: error.description)
            }
        }
        return ProcessInfo.processInfo.environment["POLICYDESK_DB"] ?? "policydesk.sqlite"
    }
}

/// What a staff name may be: what the audit log shows and the sign-in form takes.
enum StaffName {
    static func check(_ name: String) throws -> String {
        guard !name.isEmpty, name.count <= 64 else {
            throw CommandFailure(description: "a staff name is 1 to 64 characters")
        }
        if let bad = name.unicodeScalars.first(where: {
            $0 == ":" || $0.properties.isWhitespace || $0.properties.generalCategory == .control
                || $0.properties.generalCategory == .format
        }) {
            throw CommandFailure(
                description: "a staff name may not contain U+\(String(bad.value, radix: 16, uppercase: true)) "
                    + "(spaces, colons and control characters are not allowed)")
        }
        return name
    }
}

/// Reads a new password: twice without echo from a terminal, or one line of standard input.
enum PasswordPrompt {
    static let minimumLength = 8

    static func newPassword(for name: String) throws -> String {
        let password: String
        if isatty(STDIN_FILENO) == 1 {
            let first = try read(prompt: "Password for \(name): ")
            let second = try read(prompt: "Again: ")
            guard first == second else {
                throw CommandFailure(description: "the two passwords differ; nothing was changed")
            }
            password = first
        } else {
            guard let line = readLine(strippingNewline: true) else {
                throw CommandFailure(description: "no password on standard input; give it as the first line")
            }
            password = line
        }
        guard password.count >= minimumLength else {
            throw CommandFailure(
                description: "the password is shorter than \(minimumLength) characters; nothing was changed")
        }
        guard password.count <= 1024 else {
            throw CommandFailure(description: "the password is longer than 1024 characters")
        }
        return password
    }

    /// One line from the terminal with echo turned off (and back on, whatever happens).
    private static func read(prompt: String) throws -> String {
        FileHandle.standardError.write(Data(prompt.utf8))
        var saved = termios()
        tcgetattr(STDIN_FILENO, &saved)
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        guard let line = readLine(strippingNewline: true) else {
            throw CommandFailure(description: "no password given")
        }
        return line
    }

    static func hash(_ password: String) throws -> String {
        do {
            return try PasswordHash.make(password: password).encoded
        } catch {
            throw CommandFailure(description: error.description)
        }
    }
}

/// The database and the account a command acts on.
struct StaffAccountOptions: ParsableArguments {
    @OptionGroup var database: StaffDatabaseOptions

    @Argument(help: "The sign-in name, as the history shows it (such as 李伟 or li.wei).")
    var name: String
}

struct StaffAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a staff account and set its password.")

    @OptionGroup var account: StaffAccountOptions

    func run() async throws {
        let name = try StaffName.check(account.name)
        try await account.database.withStore { store in
            let taken = CommandFailure(
                description: "a staff account named \(name) exists; use `policydesk staff passwd \(name)`")
            guard try await store.staff(named: name) == nil else { throw taken }
            let hash = try PasswordPrompt.hash(try PasswordPrompt.newPassword(for: name))
            guard try await store.addStaff(StaffAccount(name: name, passwordHash: hash, createdAt: Date())) else {
                throw taken
            }
        }
        emit("added staff account \(name)")
    }
}

struct StaffRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a staff account; its sessions end.")

    @OptionGroup var account: StaffAccountOptions

    func run() async throws {
        let name = account.name
        try await account.database.withStore { store in
            guard try await store.removeStaff(named: name) else {
                throw CommandFailure(description: "no staff account named \(name)")
            }
        }
        emit("removed staff account \(name)")
    }
}

struct StaffPasswd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd", abstract: "Set a new password; open sessions end.")

    @OptionGroup var account: StaffAccountOptions

    func run() async throws {
        let name = account.name
        try await account.database.withStore { store in
            let missing = CommandFailure(description: "no staff account named \(name)")
            guard try await store.staff(named: name) != nil else { throw missing }
            let hash = try PasswordPrompt.hash(try PasswordPrompt.newPassword(for: name))
            guard try await store.setStaffPassword(named: name, passwordHash: hash, at: Date()) else { throw missing }
        }
        emit("changed the password of \(name)")
    }
}

struct StaffList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the staff accounts (never their passwords).")

    @OptionGroup var database: StaffDatabaseOptions

    func run() async throws {
        let accounts = try await database.withStore { try await $0.listStaff() }
        let formatter = ISO8601DateFormatter()
        for account in accounts {
            emit(
                "\(account.name)\tadded \(formatter.string(from: account.createdAt))\tpassword set \(formatter.string(from: account.passwordChangedAt))"
            )
        }
    }
}
