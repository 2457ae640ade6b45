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
        var first = true
        func key(_ k: String) {
            out += (first ? "\"" : ",\"") + k + "\":"
            first = false
        }
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
    /// escaped, everything else (Chinese included) as UTF-8. Works on UTF-8 bytes, since
    /// walking characters costs more than the rest of an answer.
    static func append(_ text: String, to out: inout String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 16)
        bytes.append(0x22)
        for b in text.utf8 {
            switch b {
            case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
            case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]])
            default: bytes.append(b)
            }
        }
        bytes.append(0x22)
        out += String(decoding: bytes, as: UTF8.self)
    }
}
