import Foundation

/// The answer object of the JSON API, `ask --json` and each line of `ask --jsonl`.
public struct Answer: Sendable, Equatable, Encodable {
    /// The amount part of an answer.
    public struct Amount: Sendable, Equatable, Encodable {
        public var yuan: Int64?
        public var maxYuan: Int64?
        public var perYear: Bool
        public var formula: String

        public init(yuan: Int64?, maxYuan: Int64?, perYear: Bool, formula: String) {
            self.yuan = yuan
            self.maxYuan = maxYuan
            self.perYear = perYear
            self.formula = formula
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(yuan, forKey: .yuan)
            try c.encode(maxYuan, forKey: .maxYuan)
            try c.encode(perYear, forKey: .perYear)
            try c.encode(formula, forKey: .formula)
        }

        enum CodingKeys: String, CodingKey { case yuan, maxYuan, perYear, formula }
    }

    /// A runner-up.
    public struct Alternative: Sendable, Equatable, Encodable {
        public var clause: Int
        public var item: String
        public var confidence: Double

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(clause, forKey: .clause)
            try c.encode(item, forKey: .item)
            try c.encode((confidence * 1000).rounded() / 1000, forKey: .confidence)
        }

        enum CodingKeys: String, CodingKey { case clause, item, confidence }
    }

    /// What kind of reply this is; not part of the stable JSON, but shown for staff tools.
    public enum Kind: String, Sendable, Encodable {
        case answer, clarification, refusal, smalltalk, empty
    }

    public var matched: Bool
    public var clause: Int?
    public var item: String?
    public var title: String?
    public var confidence: Double
    public var amount: Amount?
    public var needs: [String]
    public var leader: String?
    public var leadUnit: String?
    public var units: [String]
    public var checklist: [String]
    public var reply: String
    public var alternatives: [Alternative]
    public var kind: Kind

    enum CodingKeys: String, CodingKey {
        case matched, clause, item, title, confidence, amount, needs, leader, leadUnit, units, checklist, reply, alternatives, kind
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(matched, forKey: .matched)
        try c.encode(clause, forKey: .clause)
        try c.encode(item, forKey: .item)
        try c.encode(title, forKey: .title)
        try c.encode((confidence * 1000).rounded() / 1000, forKey: .confidence)
        try c.encode(amount, forKey: .amount)
        try c.encode(needs, forKey: .needs)
        try c.encode(leader, forKey: .leader)
        try c.encode(leadUnit, forKey: .leadUnit)
        try c.encode(units, forKey: .units)
        try c.encode(checklist, forKey: .checklist)
        try c.encode(reply, forKey: .reply)
        try c.encode(alternatives, forKey: .alternatives)
        try c.encode(kind, forKey: .kind)
    }

    /// The answer as one line of JSON, keys sorted. Written by hand: this is the hot path of
    /// `/v1/ask` and `ask --jsonl`, and Foundation's encoder costs more than the answer itself.
    public func jsonLine() -> String {
        var out = "{"
        out.reserveCapacity(reply.utf8.count * 2 + 512)
        func key(_ k: String) { out += (out.count > 1 ? ",\"" : "\"") + k + "\":" }
        func string(_ v: String?) { if let v { JSONText.append(v, to: &out) } else { out += "null" } }
        func number(_ v: Double) { out += Self.number(v) }
        key("alternatives")
        out += "["
        for (i, a) in alternatives.enumerated() {
            if i > 0 { out += "," }
            out += "{\"clause\":\(a.clause),\"confidence\":" + Self.number(a.confidence) + ",\"item\":"
            JSONText.append(a.item, to: &out)
            out += "}"
        }
        out += "]"
        key("amount")
        if let amount {
            out += "{\"formula\":"
            JSONText.append(amount.formula, to: &out)
            out += ",\"maxYuan\":" + (amount.maxYuan.map { "\($0)" } ?? "null")
            out += ",\"perYear\":" + (amount.perYear ? "true" : "false")
            out += ",\"yuan\":" + (amount.yuan.map { "\($0)" } ?? "null") + "}"
        } else {
            out += "null"
        }
        key("checklist")
        out += "["
        for (i, c) in checklist.enumerated() {
            if i > 0 { out += "," }
            JSONText.append(c, to: &out)
        }
        out += "]"
        key("clause")
        out += clause.map { "\($0)" } ?? "null"
        key("confidence")
        number(confidence)
        key("item")
        string(item)
        key("kind")
        string(kind.rawValue)
        key("leadUnit")
        string(leadUnit)
        key("leader")
        string(leader)
        key("matched")
        out += matched ? "true" : "false"
        key("needs")
        out += "[" + needs.map { n -> String in var s = ""; JSONText.append(n, to: &s); return s }.joined(separator: ",") + "]"
        key("reply")
        string(reply)
        key("title")
        string(title)
        key("units")
        out += "[" + units.map { u -> String in var s = ""; JSONText.append(u, to: &s); return s }.joined(separator: ",") + "]"
        out += "}"
        return out
    }

    /// A confidence with at most three decimals, as JSON writes numbers.
    static func number(_ v: Double) -> String {
        let rounded = (v * 1000).rounded() / 1000
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(rounded)
    }
}

/// Writing JSON strings.
enum JSONText {
    /// Appends `text` as a JSON string literal: quotes, backslashes and control characters
    /// escaped, everything else (Chinese included) as UTF-8.
    static func append(_ text: String, to out: inout String) {
        out += "\""
        var start = text.unicodeScalars.startIndex
        let scalars = text.unicodeScalars
        var i = start
        while i < scalars.endIndex {
            let v = scalars[i].value
            if v == 0x22 || v == 0x5C || v < 0x20 {
                out.unicodeScalars.append(contentsOf: scalars[start..<i])
                switch v {
                case 0x22: out += "\\\""
                case 0x5C: out += "\\\\"
                case 0x0A: out += "\\n"
                case 0x0D: out += "\\r"
                case 0x09: out += "\\t"
                default: out += String(format: "\\u%04x", v)
                }
                start = scalars.index(after: i)
            }
            i = scalars.index(after: i)
        }
        out.unicodeScalars.append(contentsOf: scalars[start..<scalars.endIndex])
        out += "\""
    }
}
