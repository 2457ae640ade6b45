import Foundation
import JSONWriter

/// The answer object of the JSON API, `ask --json` and each line of `ask --jsonl`, written by
/// ``jsonBytes()`` alone (there is no second encoder to disagree with it).
public struct Answer: Sendable, Equatable {
    /// The amount part of an answer.
    public struct Amount: Sendable, Equatable {
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
    }

    /// A runner-up.
    public struct Alternative: Sendable, Equatable {
        public var clause: Int
        public var item: String
        public var confidence: Double
    }

    /// What kind of reply this is; not part of the stable JSON, but shown for staff tools.
    public enum Kind: String, Sendable {
        case answer, clarification, refusal, smalltalk, empty
        /// A unit's contact or the measures it handles (「工信局电话多少」).
        case unit
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
    /// Whether the answer comes from a draft knowledge base (rules not yet reviewed). Written to
    /// the JSON as `"draft": true` only then, so answers of a reviewed one are byte for byte as before.
    public var draft = false

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
        if draft { out.raw(",\"draft\":true") }
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
