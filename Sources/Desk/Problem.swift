/// One thing wrong with the files of a knowledge base, where a person can find it.
public struct Problem: Sendable, Equatable, CustomStringConvertible {
    /// The file, relative to the folder that was loaded (`clauses/12.yaml`).
    public var file: String
    /// The line, from 1; 0 when the problem concerns the whole file.
    public var line: Int
    /// What is wrong and what to do about it.
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `FILE:LINE: message`, as `policydesk lint` prints it.
    public var description: String { "\(file):\(line): \(message)" }
}

/// Why a knowledge base could not be loaded.
public enum KnowledgeBaseError: Error, Sendable, CustomStringConvertible {
    /// The files have problems; nothing was loaded.
    case invalid([Problem])

    /// The problems found.
    public var problems: [Problem] {
        switch self {
        case .invalid(let problems): problems
        }
    }

    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
