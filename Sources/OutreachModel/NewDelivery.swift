/// A delivery as planned, before it has an id.
public struct NewDelivery: Sendable {
    /// The position in the plan, from 1.
    public var seq: Int
    /// 企业名称.
    public var enterpriseName: String
    /// 统一社会信用代码.
    public var creditCode: String
    /// The robot's ``CampaignRobot/key``.
    public var robotKey: String
    /// The message title (Markdown messages and Feishu cards show it).
    public var title: String
    /// The rendered message.
    public var body: String
    /// The items the message announces.
    public var items: [DeliveryItem]

    /// Creates a planned delivery.
    public init(
        seq: Int, enterpriseName: String, creditCode: String, robotKey: String, title: String, body: String,
        items: [DeliveryItem]
    ) {
        self.seq = seq
        self.enterpriseName = enterpriseName
        self.creditCode = creditCode
        self.robotKey = robotKey
        self.title = title
        self.body = body
        self.items = items
    }
}
