public import PolicyKit

/// One column a roster may have: its header, what it means, and the values it takes.
///
/// The table below is the roster format; the README and the sample roster's header comment are
/// written from it, so a change here is a change of the documented format.
public struct RosterColumn: Sendable, Hashable {
    /// What a column holds.
    public enum Role: Sendable, Hashable {
        /// 企业名称.
        case name
        /// 统一社会信用代码.
        case creditCode
        /// 规模 (a fact: `scale`).
        case scale
        /// 平台: which kind of group robot.
        case platform
        /// 机器人地址: the webhook URL.
        case webhook
        /// 机器人密钥: the signing secret.
        case secret
        /// A fact every item reads.
        case fact(FactName)
        /// A fact that only one item reads: an amount that belongs to that award alone.
        case itemFact(itemID: String, fact: FactName)
        /// 是/否: whether the enterprise has the status an item rewards.
        case status(itemID: String)
    }

    /// The header as the sample roster writes it.
    public var header: String
    /// Other headers accepted for the same column.
    public var aliases: [String]
    /// What the column holds.
    public var role: Role
    /// Whether every roster must have it.
    public var isRequired: Bool
    /// The values and what they mean, in words for the README.
    public var values: String

    /// Creates a column.
    public init(_ header: String, aliases: [String] = [], role: Role, isRequired: Bool = false, values: String) {
        self.header = header
        self.aliases = aliases
        self.role = role
        self.isRequired = isRequired
        self.values = values
    }

    /// Every column, in the order the sample roster lists them.
    public static let all: [RosterColumn] = [
        RosterColumn(
            "企业名称", aliases: ["企业", "单位名称", "name"], role: .name, isRequired: true,
            values: "企业全称，写进消息的称呼"),
        RosterColumn(
            "统一社会信用代码", aliases: ["信用代码", "社会信用代码", "uscc", "credit_code"], role: .creditCode,
            isRequired: true, values: "18位，按 GB 32100-2015 核对校验位；同一名单不能重复"),
        RosterColumn(
            "规模", aliases: ["企业规模", "scale"], role: .scale, isRequired: true,
            values: "规上 或 规下（也认 规模以上、规模以下）"),
        RosterColumn(
            "平台", aliases: ["机器人平台", "platform"], role: .platform, isRequired: true,
            values: "企业微信、钉钉 或 飞书：企业所在群的群机器人属于哪个平台"),
        RosterColumn(
            "机器人地址", aliases: ["webhook", "webhook地址", "群机器人地址", "机器人webhook"], role: .webhook,
            isRequired: true, values: "群机器人的 Webhook 地址（http 或 https）；几家企业在同一个群时可以相同"),
        RosterColumn(
            "机器人密钥", aliases: ["密钥", "加签密钥", "secret"], role: .secret,
            values: "钉钉的加签密钥（SEC 开头）或飞书的签名校验密钥；企业微信不填；没开加签也不填"),
        RosterColumn(
            "发明专利件数", aliases: ["发明专利", "patents"], role: .fact(.patents),
            values: "整数；1 件以上即适用 7.3 核心发明专利"),
        RosterColumn(
            "产业化专利件数", aliases: ["产业化专利", "industrializedPatents"], role: .fact(.industrializedPatents),
            values: "整数，不大于发明专利件数；每件再奖 5 万"),
        RosterColumn(
            "专利已用于高企申报", aliases: ["usedForHighTech"], role: .fact(.usedForHighTech),
            values: "是/否；为是时 7.3 不予奖补"),
        RosterColumn(
            "迁入当年销售收入", aliases: ["salesRevenue"], role: .fact(.salesRevenue),
            values: "金额（元，也可写 300万）；12.4 要求 200 万元以上"),
        RosterColumn(
            "风险投资额", aliases: ["investment"], role: .fact(.investment),
            values: "金额；大于 0 即适用 28.2 风险投资奖补"),
        RosterColumn(
            "科创板阶段", aliases: ["上市阶段", "listingStage"], role: .fact(.listingStage),
            values: "挂牌、受理 或 上市；填了即适用 30.1 科创板分阶段奖补"),
        RosterColumn(
            "市级研发经费补助", role: .itemFact(itemID: "7.1", fact: .cityAmount),
            values: "金额：鄂尔多斯市给的研发经费分段补助；大于 0 即适用 7.1（1:1 配套，只面向规上）"),
        RosterColumn(
            "自治区科学技术奖奖金", role: .itemFact(itemID: "7.4", fact: .regionAmount),
            values: "金额：自治区科学技术奖的奖金；大于 0 即适用 7.4（1:1 配套）"),
        RosterColumn(
            "首台套自治区奖励", role: .itemFact(itemID: "9.1", fact: .regionAmount),
            values: "金额：自治区首台（套）、新材料、新技术的奖励；大于 0 即适用 9.1（20%，最高 100 万）"),
        RosterColumn("研发中心复核", role: .status(itemID: "7.2"), values: "是/否：复核通过自治区企业技术研究开发中心 → 7.2（只面向规上）"),
        RosterColumn("市级专精特新", aliases: ["专精特新"], role: .status(itemID: "9.2"), values: "是/否：新认定市级专精特新中小企业 → 9.2"),
        RosterColumn("小巨人", aliases: ["市级小巨人"], role: .status(itemID: "9.3"), values: "是/否：新认定市级小巨人企业 → 9.3"),
        RosterColumn(
            "科技型中小企业入库", aliases: ["科小入库"], role: .status(itemID: "11.2"),
            values: "是/否：首次评价入库国家科技型中小企业 → 11.2"),
        RosterColumn("科技领军企业", role: .status(itemID: "12.1"), values: "是/否：首次认定自治区科技领军企业 → 12.1"),
        RosterColumn(
            "首次认定高企", aliases: ["高企首次认定", "首次认定高新技术企业"], role: .status(itemID: "12.2"),
            values: "是/否：首次认定国家高新技术企业 → 12.2（规上 20 万，规下 10 万）"),
        RosterColumn(
            "高企复审", aliases: ["高新技术企业复审"], role: .status(itemID: "12.3"),
            values: "是/否：连续通过复审的国家高新技术企业 → 12.3"),
        RosterColumn(
            "整体迁入高企", role: .status(itemID: "12.4"),
            values: "是/否：整体迁入的国家高新技术企业 → 12.4（另看迁入当年销售收入）"),
        RosterColumn("创新联合体", role: .status(itemID: "17.1"), values: "是/否：新批复备案的自治区创新联合体 → 17.1"),
        RosterColumn("知识产权贯标", role: .status(itemID: "21.2"), values: "是/否：知识产权贯标新认证 → 21.2"),
    ]

    /// The header with notes in brackets and spaces removed, lowercased: `首次认定高企（是/否）` and
    /// `首次认定高企` are the same column.
    static func normalizedHeader(_ text: String) -> String {
        var out = ""
        var depth = 0
        for character in text {
            switch character {
            case "(", "（", "[", "【": depth += 1
            case ")", "）", "]", "】": depth = max(0, depth - 1)
            case " ", "\u{3000}", "\t", "\u{FEFF}": continue
            default: if depth == 0 { out.append(character) }
            }
        }
        return out.lowercased()
    }

    /// The columns by every normalized header and alias.
    static let byHeader: [String: RosterColumn] = {
        var map: [String: RosterColumn] = [:]
        for column in all {
            for name in [column.header] + column.aliases {
                map[normalizedHeader(name)] = column
            }
        }
        return map
    }()
}
