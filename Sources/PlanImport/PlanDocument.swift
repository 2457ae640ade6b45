import Foundation
import TextRules

/// The layout of a plan as the seed lays it out: a title, a preamble, parts headed 一、二、…,
/// sub-parts headed （一）（二）…, and in one part the numbered measures (1.标题。正文…), each
/// followed by its 责任领导, 牵头单位 and 责任单位 lines.
struct PlanDocument: Sendable {
    /// One line of the document, trimmed, with its number from 1.
    struct Line: Sendable {
        var number: Int
        var text: String
    }

    /// A sub-part (（一）指导思想) and its lines.
    struct SubPart: Sendable {
        var heading: Line
        var title: String
        var lines: [Line] = []
    }

    /// A part headed 一、二、… with its own lines and its sub-parts.
    struct Part: Sendable {
        var heading: Line
        var title: String
        var lines: [Line] = []
        var subParts: [SubPart] = []
    }

    /// One numbered measure.
    struct Measure: Sendable {
        var number: Int
        var line: Int
        var section: Int?
        var title: String
        var textLines: [Line] = []
        var leader: String?
        var leadUnit: String?
        var units: [String] = []

        var text: String { textLines.map(\.text).joined() }
    }

    var title: String = ""
    var preamble: [Line] = []
    /// The parts before the measures (总体要求).
    var opening: [Part] = []
    /// The part that holds the measures, and its sub-part titles as sections (行动).
    var measuresPart: Part?
    var sections: [String] = []
    var measures: [Measure] = []
    /// The parts after the measures (保障措施, 其他事项).
    var closing: [Part] = []
    var notes: [PlanImporter.Note] = []

    static let chineseNumerals: Set<Character> = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]

    /// 「一、总体要求」 → 总体要求.
    static func partTitle(_ text: String) -> String? {
        let prefix = text.prefix { chineseNumerals.contains($0) }
        guard !prefix.isEmpty, text.dropFirst(prefix.count).first == "、" else { return nil }
        return String(text.dropFirst(prefix.count + 1)).trimmed
    }

    /// 「（一）指导思想」 → 指导思想.
    static func subPartTitle(_ text: String) -> String? {
        guard text.first == "（" || text.first == "(" else { return nil }
        let rest = text.dropFirst()
        let prefix = rest.prefix { chineseNumerals.contains($0) }
        guard !prefix.isEmpty, let close = rest.dropFirst(prefix.count).first, close == "）" || close == ")" else {
            return nil
        }
        return String(rest.dropFirst(prefix.count + 1)).trimmed
    }

    /// 「12.扶优做强高新技术企业。对首次认定…」 → (12, the rest).
    static func numbered(_ text: String) -> (Int, String)? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 3, let n = Int(digits) else { return nil }
        let rest = text.dropFirst(digits.count)
        guard let mark = rest.first, mark == "." || mark == "．" || mark == "、" else { return nil }
        return (n, String(rest.dropFirst()).trimmed)
    }

    /// 「牵头单位：区工信和科技局」 → (牵头单位, 区工信和科技局).
    static func label(_ text: String) -> (String, String)? {
        for name in ["责任领导", "牵头单位", "责任单位"] where text.hasPrefix(name) {
            let rest = text.dropFirst(name.count)
            guard let colon = rest.first, colon == "：" || colon == ":" else { continue }
            return (name, String(rest.dropFirst()).trimmed)
        }
        return nil
    }

    init(text: String) {
        let raw = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        let lines = raw.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { Line(number: $0.offset + 1, text: String($0.element).trimmed) }
            .filter { !$0.text.isEmpty }
        var parts: [Part] = []
        var before: [Line] = []
        for line in lines {
            if let title = Self.partTitle(line.text) {
                parts.append(Part(heading: line, title: title))
            } else if parts.isEmpty {
                before.append(line)
            } else if let title = Self.subPartTitle(line.text) {
                parts[parts.count - 1].subParts.append(SubPart(heading: line, title: title))
            } else if parts[parts.count - 1].subParts.isEmpty {
                parts[parts.count - 1].lines.append(line)
            } else {
                let p = parts.count - 1
                parts[p].subParts[parts[p].subParts.count - 1].lines.append(line)
            }
        }
        // The title is the short lines at the top; the preamble starts at the first sentence.
        let titleLines = before.prefix { !$0.text.contains("。") && $0.text.count <= 40 }
        title = titleLines.map(\.text).joined()
        preamble = Array(before.dropFirst(titleLines.count))

        // The part of the measures: the one whose lines carry 牵头单位 labels.
        func hasMeasures(_ part: Part) -> Bool {
            (part.lines + part.subParts.flatMap(\.lines)).contains { Self.label($0.text) != nil }
        }
        guard let index = parts.firstIndex(where: hasMeasures) else {
            opening = parts
            return
        }
        opening = Array(parts[..<index])
        closing = Array(parts[(index + 1)...])
        let part = parts[index]
        measuresPart = part
        readMeasures(part)
    }

    private mutating func readMeasures(_ part: Part) {
        var groups: [(section: Int?, lines: [Line])] = []
        if !part.lines.isEmpty { groups.append((nil, part.lines)) }
        for (i, sub) in part.subParts.enumerated() {
            sections.append(sub.title)
            groups.append((i + 1, sub.lines))
        }
        for (section, lines) in groups {
            for line in lines {
                if let (n, rest) = Self.numbered(line.text) {
                    let (title, body) = Self.splitTitle(rest)
                    var measure = Measure(number: n, line: line.number, section: section, title: title)
                    if !body.isEmpty { measure.textLines.append(Line(number: line.number, text: body)) }
                    measures.append(measure)
                } else if let (name, value) = Self.label(line.text) {
                    guard !measures.isEmpty else {
                        notes.append(.init(line: line.number, message: "\(name) before any numbered measure; ignored"))
                        continue
                    }
                    let m = measures.count - 1
                    switch name {
                    case "责任领导": measures[m].leader = value
                    case "牵头单位": measures[m].leadUnit = value
                    default: measures[m].units = Self.units(value)
                    }
                } else if let last = measures.last, last.leader == nil, last.leadUnit == nil, last.units.isEmpty {
                    measures[measures.count - 1].textLines.append(line)
                } else {
                    notes.append(
                        .init(
                            line: line.number,
                            message: "text outside any measure, not imported: 「\(line.text.prefix(30))…」"))
                }
            }
        }
        for (i, m) in measures.enumerated() {
            if m.number != i + 1 {
                notes.append(
                    .init(
                        line: m.line,
                        message: "measure numbered \(m.number) where \(i + 1) was expected; kept as \(m.number)"))
            }
            if m.leader == nil { notes.append(.init(line: m.line, message: "measure \(m.number) has no 责任领导 line")) }
            if m.leadUnit == nil { notes.append(.init(line: m.line, message: "measure \(m.number) has no 牵头单位 line")) }
            if m.units.isEmpty { notes.append(.init(line: m.line, message: "measure \(m.number) has no 责任单位 line")) }
            if m.text.isEmpty {
                notes.append(.init(line: m.line, message: "measure \(m.number) has no text after its title"))
            }
        }
    }

    /// 「强化科技创新政策支撑。加速建立…」 → (强化科技创新政策支撑, 加速建立…).
    static func splitTitle(_ text: String) -> (String, String) {
        guard let stop = text.firstIndex(of: "。"), text.distance(from: text.startIndex, to: stop) <= 30 else {
            return (text, "")
        }
        return (String(text[..<stop]).trimmed, String(text[text.index(after: stop)...]).trimmed)
    }

    /// 「区能源局、区财政局」 → [区能源局, 区财政局].
    static func units(_ text: String) -> [String] {
        text.split(whereSeparator: { "、，,；;".contains($0) }).map { String($0).trimmed }.filter { !$0.isEmpty }
    }
}
