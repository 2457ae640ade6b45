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

    /// The answer as one line of JSON.
    public func jsonLine() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        guard let data = try? encoder.encode(self), let line = String(data: data, encoding: .utf8) else {
            return #"{"matched":false,"error":"could not encode the answer"}"#
        }
        return line
    }
}
