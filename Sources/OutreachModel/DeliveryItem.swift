/// One item of a delivery: what the message tells the enterprise about it.
public struct DeliveryItem: Sendable, Hashable, Codable {
    /// The item id, such as `12.2`.
    public var itemID: String
    /// The item's title.
    public var title: String
    /// The exact estimate, when the facts determine it.
    public var yuan: Int64?
    /// The ceiling, when only a ceiling is known.
    public var maxYuan: Int64?
    /// Whether the amount is per year.
    public var perYear: Bool
    /// The arithmetic in words.
    public var formula: String
    /// Why the enterprise qualifies, in words.
    public var reason: String

    /// Creates an item line.
    public init(
        itemID: String, title: String, yuan: Int64?, maxYuan: Int64?, perYear: Bool, formula: String, reason: String
    ) {
        self.itemID = itemID
        self.title = title
        self.yuan = yuan
        self.maxYuan = maxYuan
        self.perYear = perYear
        self.formula = formula
        self.reason = reason
    }
}
