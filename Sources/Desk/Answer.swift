import Foundation

/// The answer object of the JSON API, `ask --json` and each line of `ask --jsonl`.
public struct Answer: Sendable, Equatable, Encodable {
    /// The amount part of an answer.
    public struct Amount: Sendable, Equatable, Encodable {
        public var yuan: Int64?
        public var maxYuan: Int64?
        public var perYear: Bool
        public var formula: String
        /// Whether the amount is worked out from a figure given only roughly (「80多万」).
        /// Not part of the JSON; the reply says so.
        public var approximate = false
        /// The condition in words the question breaks (首次认定), when that makes the amount 0.
        /// Not part of the JSON; the reply names it.
        public var brokenCondition: String?

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
        String(decoding: jsonBytes(), as: UTF8.self)
    }

    /// ``jsonLine()`` as UTF-8 bytes, ready for a response body.
    public func jsonBytes() -> [UInt8] {
        var out = JSONBytes(capacity: reply.utf8.count + 768)
        out.raw("{\"alternatives\":[")
        for (i, a) in alternatives.enumerated() {
            if i > 0 { out.raw(",") }
            out.raw("{\"clause\":\(a.clause),\"confidence\":" + Self.number(a.confidence) + ",\"item\":")
            out.string(a.item)
            out.raw("}")
        }
        out.raw("],\"amount\":")
        if let amount {
            out.raw("{\"formula\":")
            out.string(amount.formula)
            out.raw(",\"maxYuan\":" + (amount.maxYuan.map { "\($0)" } ?? "null"))
            out.raw(",\"perYear\":" + (amount.perYear ? "true" : "false"))
            out.raw(",\"yuan\":" + (amount.yuan.map { "\($0)" } ?? "null") + "}")
        } else {
            out.raw("null")
        }
        out.raw(",\"checklist\":")
        out.strings(checklist)
        out.raw(",\"clause\":" + (clause.map { "\($0)" } ?? "null"))
        out.raw(",\"confidence\":" + Self.number(confidence))
        out.raw(",\"item\":")
        out.string(item)
        out.raw(",\"kind\":")
        out.string(kind.rawValue)
        out.raw(",\"leadUnit\":")
        out.string(leadUnit)
        out.raw(",\"leader\":")
        out.string(leader)
        out.raw(",\"matched\":" + (matched ? "true" : "false"))
        out.raw(",\"needs\":")
        out.strings(needs)
        out.raw(",\"reply\":")
        out.string(reply)
        out.raw(",\"title\":")
        out.string(title)
        out.raw(",\"units\":")
        out.strings(units)
        out.raw("}")
        return out.bytes
    }

    /// A confidence with at most three decimals, as JSON writes numbers.
    static func number(_ v: Double) -> String {
        let rounded = (v * 1000).rounded() / 1000
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(rounded)
    }
}

/// A JSON text built as UTF-8 bytes. Strings are escaped on their UTF-8 bytes and copied
/// in runs between the bytes that need escaping: replies are kilobytes of Chinese with
/// hardly a quote or newline, and walking them character by character cost more than the
/// rest of an answer.
struct JSONBytes {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    /// Appends JSON syntax (or a number) as it is.
    mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// Appends `text` as a string literal, or `null`.
    mutating func string(_ text: String?) {
        guard var text else { return raw("null") }
        text.withUTF8 { append(literal: $0) }
    }

    /// Appends an array of string literals.
    mutating func strings(_ texts: [String]) {
        bytes.append(0x5B)
        for (i, text) in texts.enumerated() {
            if i > 0 { bytes.append(0x2C) }
            string(text)
        }
        bytes.append(0x5D)
    }

    private mutating func append(literal utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(0x22)
        var runStart = 0
        for (i, b) in utf8.enumerated() where b < 0x20 || b == 0x22 || b == 0x5C {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
            runStart = i + 1
            switch b {
            case 0x22, 0x5C: bytes.append(0x5C); bytes.append(b)
            case 0x0A: bytes.append(0x5C); bytes.append(0x6E)
            case 0x0D: bytes.append(0x5C); bytes.append(0x72)
            case 0x09: bytes.append(0x5C); bytes.append(0x74)
            default:
                let hex: StaticString = "0123456789abcdef"
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30])
                hex.withUTF8Buffer { hex in
                    bytes.append(hex[Int(b >> 4)])
                    bytes.append(hex[Int(b & 15)])
                }
            }
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        bytes.append(0x22)
    }
}
