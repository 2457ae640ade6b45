import Foundation
import Yams

/// A YAML file parsed to nodes that remember their lines, so that every problem the loader
/// finds can be reported as `FILE:LINE: message`.
struct YAMLDocument {
    let file: String
    let root: Node?

    /// Parses `text`; a syntax error becomes a problem at the line the parser names.
    static func parse(_ text: String, file: String, problems: inout [Problem]) -> YAMLDocument? {
        do {
            return YAMLDocument(file: file, root: try Yams.compose(yaml: text))
        } catch let error as YamlError {
            problems.append(
                Problem(file: file, line: Self.line(of: error), message: "YAML syntax: \(Self.message(of: error))"))
        } catch {
            problems.append(Problem(file: file, line: 0, message: "YAML syntax: \(error)"))
        }
        return nil
    }

    private static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: 0
        }
    }

    /// The parser's words on one line: a problem is one line of `lint`'s output.
    private static func message(of error: YamlError) -> String {
        let text: String
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
            .composer(let context, let problem, _, _):
            text = [context.map { "\($0)" }, problem].compactMap { $0 }.joined(separator: ": ")
        default: text = "\(error)"
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ").replacingOccurrences(of: " :", with: ":")
    }
}

/// Typed reading of YAML nodes that records a problem, with its line, for anything missing
/// or of the wrong kind, and carries on so that one run of `lint` reports every problem.
struct NodeReader {
    let file: String
    var problems: [Problem] = []

    init(file: String) {
        self.file = file
    }

    func line(_ node: Node?) -> Int { node?.mark?.line ?? 0 }

    mutating func problem(_ node: Node?, _ message: String) {
        problems.append(Problem(file: file, line: line(node), message: message))
    }

    mutating func mapping(_ node: Node?, _ what: String) -> Node.Mapping? {
        guard let node else { return nil }
        guard case .mapping(let m) = node else {
            problem(node, "\(what) must be a mapping of keys to values")
            return nil
        }
        return m
    }

    mutating func string(_ map: Node.Mapping?, _ key: String, in parent: Node?, required: Bool = true) -> String? {
        guard let node = map?[key] else {
            if required { problem(parent, "missing `\(key)`") }
            return nil
        }
        guard case .scalar(let s) = node else {
            problem(node, "`\(key)` must be text")
            return nil
        }
        let value = s.string
        if required && value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            problem(node, "`\(key)` is empty")
            return nil
        }
        return value
    }

    mutating func int(_ map: Node.Mapping?, _ key: String, in parent: Node?, required: Bool = true) -> Int? {
        guard let node = map?[key] else {
            if required { problem(parent, "missing `\(key)`") }
            return nil
        }
        guard let value = node.int else {
            problem(node, "`\(key)` must be a whole number, not `\(node.string ?? "a list or mapping")`")
            return nil
        }
        return value
    }

    mutating func strings(_ map: Node.Mapping?, _ key: String, in parent: Node?, required: Bool = false) -> [String] {
        guard let node = map?[key] else {
            if required { problem(parent, "missing `\(key)`") }
            return []
        }
        if case .scalar(let s) = node, s.string.isEmpty || node.null != nil { return [] }
        guard case .sequence(let seq) = node else {
            problem(node, "`\(key)` must be a list")
            return []
        }
        var result: [String] = []
        for element in seq {
            guard case .scalar(let s) = element else {
                problem(element, "each entry of `\(key)` must be text")
                continue
            }
            result.append(s.string)
        }
        return result
    }

    mutating func sequence(_ map: Node.Mapping?, _ key: String, in parent: Node?, required: Bool = true) -> [Node] {
        guard let node = map?[key] else {
            if required { problem(parent, "missing `\(key)`") }
            return []
        }
        guard case .sequence(let seq) = node else {
            problem(node, "`\(key)` must be a list")
            return []
        }
        return Array(seq)
    }
}
