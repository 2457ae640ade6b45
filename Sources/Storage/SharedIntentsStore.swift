/// Staff edits of `Intents/` files kept where every instance of a deployment reads them.
///
/// With one process on an SQLite file the files on disk are the knowledge base and this store is
/// not used. With several instances on PostgreSQL an edit made through one instance is a row that
/// every other instance is told of and loads as an override of its files, so all of them answer
/// from the same text within a second.
public protocol SharedIntentsStore: Sendable {
    /// Every edited file's text, each with the revision that last wrote it, and the newest revision.
    func intentsOverrides() async throws -> IntentsOverrides

    /// The newest revision: what an instance compares with the one it serves, cheaply.
    func intentsRevision() async throws -> Int64

    /// Stores `text` as the file `name` and appends `audit`, in one transaction, and tells every
    /// instance; refused with ``IntentsEditConflict`` when the file's revision is no longer `basedOn`
    /// (nil: the file was never edited), because another instance edited it since this one read it.
    ///
    /// - Returns: the audit entry's id and the new revision.
    func publishIntentsEdit(file name: String, text: String, basedOn: Int64?, audit: AuditEntry) async throws
        -> (auditID: Int64, revision: Int64)

    /// Calls `changed` each time any instance publishes an edit, until cancelled; throws when the
    /// connection it listens on is lost (the caller listens again and checks meanwhile).
    func watchIntents(_ changed: @escaping @Sendable () async -> Void) async throws
}

/// The edited `Intents/` files as the shared store holds them.
public struct IntentsOverrides: Sendable, Hashable {
    /// The newest revision of any file (0 when nothing was edited).
    public var revision: Int64
    /// Each edited file's whole text, by its path under `Intents/` (`clauses/03.yaml`).
    public var files: [String: String]
    /// The revision that last wrote each file.
    public var fileRevisions: [String: Int64]

    /// Edits as read from the store.
    public init(revision: Int64 = 0, files: [String: String] = [:], fileRevisions: [String: Int64] = [:]) {
        self.revision = revision
        self.files = files
        self.fileRevisions = fileRevisions
    }
}

/// Another instance edited the file since this one read it: the edit was refused, nothing changed.
public struct IntentsEditConflict: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file's path under `Intents/`.
    public var file: String

    /// A conflict on `file`.
    public init(file: String) {
        self.file = file
    }

    public var description: String {
        "Intents/\(file) was edited through another instance a moment ago; nothing was changed. Read it again and retry."
    }
}
