import Desk
import Foundation
import PolicyKit

/// The knowledge base as shipped: `Intents/` and `Templates/` of this repository, found
/// relative to this file (Tests/DeskTests/Support.swift → the repository root).
enum Shipped {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // DeskTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // the repository
    static let intents = root.appendingPathComponent("Intents")
    static let templates = root.appendingPathComponent("Templates")

    /// Loaded once for every test; a failure to load is kept and reported by each test that needs it.
    private static let loaded: Result<KnowledgeBase, KnowledgeBaseError> = {
        do throws(KnowledgeBaseError) {
            return .success(try KnowledgeBaseLoader(intents: intents, templates: templates).load())
        } catch {
            return .failure(error)
        }
    }()

    /// The shipped knowledge base.
    static func knowledge() throws -> KnowledgeBase { try loaded.get() }

    /// A desk over the shipped knowledge base.
    static func desk() throws -> Desk { Desk(knowledge: try knowledge()) }
}

/// The files in `Tests/DeskTests/Fixtures`, copied into the test bundle.
enum Fixture {
    struct Missing: Error, CustomStringConvertible {
        var name: String
        var description: String { "fixture \(name) not found in the test bundle" }
    }

    /// The text of a fixture file.
    static func text(_ name: String) throws -> String {
        guard let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw Missing(name: "Fixtures")
        }
        let url = folder.appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8)
        else {
            throw Missing(name: name)
        }
        return text
    }

    /// The seed, read into its measures.
    static func seed() throws -> Seed { Seed(try text("seed.txt")) }
}

/// The seed's own structure: the ten 行动 of 二、重点任务 and the 30 measures under them.
struct Seed {
    /// One numbered measure: its lines from 「N.」 up to its 责任单位 line.
    struct Measure {
        var number: Int
        var section: Int
        var title: String
        var text: String
        var leader: String
        var leadUnit: String
        var units: [String]
        var lines: [String]
    }

    let full: String
    private(set) var sections: [Int: String] = [:]
    private(set) var measures: [Int: Measure] = [:]

    init(_ text: String) {
        full = text
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(where: { $0.contains("二、重点任务") }),
            let end = lines.firstIndex(where: { $0.contains("三、保障措施") })
        else { return }
        var section = 0
        var current: Measure?
        for raw in lines[(start + 1)..<end] {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if let heading = Self.sectionHeading(line) {
                section = heading.number
                sections[heading.number] = heading.title
                continue
            }
            if let (number, rest) = Self.numbered(line) {
                let title = String(rest.prefix { $0 != "。" })
                let body = String(rest.dropFirst(title.count + 1)).trimmingCharacters(in: .whitespaces)
                current = Measure(
                    number: number, section: section, title: title, text: body, leader: "", leadUnit: "", units: [],
                    lines: [raw])
                continue
            }
            guard var measure = current else { continue }
            measure.lines.append(raw)
            if let value = Self.field("责任领导", line) { measure.leader = value }
            if let value = Self.field("牵头单位", line) { measure.leadUnit = value }
            if let value = Self.field("责任单位", line) {
                measure.units = value.split(separator: "、").map { $0.trimmingCharacters(in: .whitespaces) }
                measures[measure.number] = measure
                current = nil
                continue
            }
            current = measure
        }
    }

    /// 「（三）科技创新主体生态强基行动」 → (3, 科技创新主体生态强基行动).
    private static func sectionHeading(_ line: String) -> (number: Int, title: String)? {
        let numerals: [Character: Int] = [
            "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
        ]
        guard line.hasPrefix("（"), let close = line.firstIndex(of: "）") else { return nil }
        let inner = line[line.index(after: line.startIndex)..<close]
        guard inner.count == 1, let number = inner.first.flatMap({ numerals[$0] }) else { return nil }
        return (number, String(line[line.index(after: close)...]).trimmingCharacters(in: .whitespaces))
    }

    /// 「12.扶优做强…」 → (12, 扶优做强…).
    private static func numbered(_ line: String) -> (Int, String)? {
        let digits = line.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = Int(digits) else { return nil }
        let rest = line.dropFirst(digits.count)
        guard rest.first == "." else { return nil }
        return (number, String(rest.dropFirst()))
    }

    /// 「牵头单位：区金融办」 → 区金融办.
    private static func field(_ name: String, _ line: String) -> String? {
        guard line.hasPrefix(name + "：") else { return nil }
        return String(line.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces)
    }
}
