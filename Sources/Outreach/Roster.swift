public import Channels
import Crypto
public import Foundation
public import PolicyKit

/// A group robot an enterprise is reached through.
///
/// `description` and reflection show the platform and the key, never the address or the secret.
public struct RobotAddress: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
    /// The platform.
    public let platform: Platform
    /// The webhook address (secret-bearing).
    public let url: String
    /// The signing secret, if any (secret).
    public let secret: String?
    /// A stable id that reveals nothing: the first 12 hex digits of SHA-256 over platform and address.
    public let key: String

    /// Creates an address.
    public init(platform: Platform, url: String, secret: String?) {
        self.platform = platform
        self.url = url
        self.secret = secret
        let digest = SHA256.hash(data: Data("\(platform.rawValue)\n\(url)".utf8))
        let hex = Array("0123456789abcdef")
        self.key = String(digest.prefix(6).flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0x0F)]] })
    }

    /// What the sender posts to.
    public var webhook: RobotWebhook {
        switch platform {
        case .wecom: .weCom(url: url)
        case .dingtalk: .dingTalk(url: url, secret: secret)
        case .feishu: .feishu(url: url, secret: secret)
        }
    }

    /// The platform and the key only.
    public var description: String { "\(platform.displayName) robot \(key)" }

    /// A mirror without the address and the secret.
    public var customMirror: Mirror {
        Mirror(self, children: ["platform": platform.rawValue, "key": key])
    }
}

/// One enterprise of a roster.
public struct Enterprise: Sendable, Hashable {
    /// The line its row starts on.
    public var line: Int
    /// 企业名称.
    public var name: String
    /// 统一社会信用代码, canonical.
    public var creditCode: String
    /// The facts every item reads (规模, 专利 …).
    public var facts: Facts
    /// Facts that only one item reads, by item id.
    public var itemFacts: [String: Facts]
    /// The 是/否 status columns, by item id.
    public var statuses: [String: Bool]
    /// How to reach it.
    public var robot: RobotAddress

    /// Creates an enterprise.
    public init(
        line: Int, name: String, creditCode: String, facts: Facts, itemFacts: [String: Facts] = [:],
        statuses: [String: Bool] = [:], robot: RobotAddress
    ) {
        self.line = line
        self.name = name
        self.creditCode = creditCode
        self.facts = facts
        self.itemFacts = itemFacts
        self.statuses = statuses
        self.robot = robot
    }

    /// The facts for one item: the general ones plus that item's own.
    public func facts(for itemID: String) -> Facts {
        guard let own = itemFacts[itemID] else { return facts }
        return facts.merging(own)
    }
}

/// A problem on one line of a roster.
public struct RosterProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// The 1-based line.
    public var line: Int
    /// What is wrong and how to fix it.
    public var reason: String

    /// Creates a problem.
    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }

    /// `第N行：reason`.
    public var description: String { "第\(line)行：\(reason)" }
}

/// Why a roster could not be imported.
public enum RosterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file as a whole cannot be read (encoding, header, a missing column): nothing is imported.
    case fileLevel(line: Int, reason: String)
    /// Some lines are bad; nothing is imported unless bad lines may be skipped.
    case badLines([RosterProblem])

    /// Every problem, one per line.
    public var problems: [RosterProblem] {
        switch self {
        case .fileLevel(let line, let reason): [RosterProblem(line: line, reason: reason)]
        case .badLines(let problems): problems
        }
    }

    /// The problems, one per line, and what to do.
    public var description: String {
        switch self {
        case .fileLevel:
            problems.map(\.description).joined(separator: "\n")
        case .badLines(let problems):
            problems.map(\.description).joined(separator: "\n")
                + "\n名单有 \(problems.count) 行有问题，没有导入任何企业；改正后重试，或加 --skip-bad-lines 只导入没有问题的行。"
        }
    }
}

/// An imported roster.
public struct Roster: Sendable {
    /// The enterprises, in file order.
    public var enterprises: [Enterprise]
    /// The columns the file has.
    public var columns: [RosterColumn]
    /// Headers that match no column, as written: a typo here would silently drop a status.
    public var ignoredHeaders: [String]
    /// The bad lines left out because skipping was asked for.
    public var skippedLines: [RosterProblem]
    /// The encoding the file was read in.
    public var encoding: RosterText.Encoding

    /// The largest roster file read, in bytes.
    public static let maximumBytes = 20_000_000
    /// The most enterprises one roster holds.
    public static let maximumRows = 100_000

    /// Whether the file has the column with this header.
    public func hasColumn(_ header: String) -> Bool {
        columns.contains { $0.header == header }
    }

    /// Reads a roster from the bytes of a CSV file.
    ///
    /// Every bad line is reported with its number and reason. When `skipBadLines` is false, one bad
    /// line means nothing is imported; when true, the good lines are imported and the bad ones are
    /// listed in ``skippedLines``. Problems with the file as a whole are never skipped.
    public static func parse(_ data: Data, skipBadLines: Bool = false) throws(RosterError) -> Roster {
        guard data.count <= maximumBytes else {
            throw .fileLevel(line: 1, reason: "名单文件超过\(maximumBytes / 1_000_000)MB；请拆成几个文件分别导入")
        }
        let text = try RosterText.decode(data)
        let records = CSVReader.records(text)
        guard records.count <= maximumRows + 1 else {
            throw .fileLevel(
                line: records[maximumRows + 1].line, reason: "名单超过\(maximumRows)行企业；请拆成几个文件分别导入")
        }
        guard let headerIndex = records.firstIndex(where: { $0.problem == nil }) else {
            if let first = records.first {
                throw .fileLevel(line: first.line, reason: "找不到表头：\(first.problem ?? "")")
            }
            throw .fileLevel(line: 1, reason: "名单是空的：第一行应是表头（企业名称,统一社会信用代码,规模,平台,机器人地址,…）")
        }
        let header = records[headerIndex]
        if headerIndex > 0 {
            throw .fileLevel(line: records[0].line, reason: "表头之前的这一行读不出来：\(records[0].problem ?? "")")
        }

        var columns: [Int: RosterColumn] = [:]
        var ignored: [String] = []
        var seen: [String: Int] = [:]
        for (index, title) in header.fields.enumerated() {
            let key = RosterColumn.normalizedHeader(title)
            guard !key.isEmpty else { continue }
            guard let column = RosterColumn.byHeader[key] else {
                ignored.append(title.trimmingCharacters(in: .whitespaces))
                continue
            }
            if let other = seen[column.header] {
                throw .fileLevel(
                    line: header.line,
                    reason: "表头第\(other + 1)列和第\(index + 1)列都是「\(column.header)」；请删掉或改名其中一列")
            }
            seen[column.header] = index
            columns[index] = column
        }
        let missing = RosterColumn.all.filter { $0.isRequired && seen[$0.header] == nil }.map(\.header)
        if !missing.isEmpty {
            throw .fileLevel(
                line: header.line,
                reason: "表头缺少必需的列「\(missing.joined(separator: "」「"))」；表头是：\(header.fields.joined(separator: ","))")
        }

        var reader = RowReader(columns: columns, width: header.fields.count)
        var enterprises: [Enterprise] = []
        enterprises.reserveCapacity(records.count)
        var problems: [RosterProblem] = []
        for record in records[(headerIndex + 1)...] {
            if let problem = record.problem {
                problems.append(RosterProblem(line: record.line, reason: problem))
                continue
            }
            switch reader.read(record) {
            case .success(let enterprise): enterprises.append(enterprise)
            case .failure(let problem): problems.append(problem)
            }
        }
        problems.sort { $0.line < $1.line }
        if !problems.isEmpty && !skipBadLines { throw .badLines(problems) }
        return Roster(
            enterprises: enterprises, columns: columns.sorted { $0.key < $1.key }.map(\.value), ignoredHeaders: ignored,
            skippedLines: problems, encoding: text.encoding)
    }
}

/// Turns one record into an enterprise, remembering what earlier rows used so that duplicates
/// and conflicting robots are caught.
private struct RowReader {
    /// The known columns by position, in file order so that a row's first problem is the leftmost.
    let columns: [(index: Int, column: RosterColumn)]
    let width: Int
    var creditCodes: [String: Int] = [:]
    var robots: [String: (line: Int, robot: RobotAddress)] = [:]

    init(columns: [Int: RosterColumn], width: Int) {
        self.columns = columns.sorted { $0.key < $1.key }.map { (index: $0.key, column: $0.value) }
        self.width = width
    }

    mutating func read(_ record: CSVRecord) -> Result<Enterprise, RosterProblem> {
        func fail(_ reason: String) -> Result<Enterprise, RosterProblem> {
            .failure(RosterProblem(line: record.line, reason: reason))
        }
        if record.fields.count > width, record.fields[width...].contains(where: { !Self.clean($0).isEmpty }) {
            return fail("这一行有\(record.fields.count)列，表头只有\(width)列；多半是某个值里有逗号却没加引号")
        }
        var name = ""
        var code = ""
        var platform: Platform?
        var url = ""
        var secret: String?
        var facts = Facts()
        var itemFacts: [String: Facts] = [:]
        var statuses: [String: Bool] = [:]
        for (index, column) in columns {
            let value = index < record.fields.count ? Self.clean(record.fields[index]) : ""
            let label = column.header
            switch column.role {
            case .name:
                name = value
            case .creditCode:
                code = value
            case .scale:
                guard let scale = RosterValue.scale(value) else {
                    return fail(value.isEmpty ? "「规模」为空：填 规上 或 规下" : "「规模」的值「\(value)」不认识：填 规上 或 规下")
                }
                facts[.scale] = .choice(scale)
            case .platform:
                guard let parsed = RosterValue.platform(value) else {
                    return fail(value.isEmpty ? "「平台」为空：填 企业微信、钉钉 或 飞书" : "「平台」的值「\(value)」不认识：填 企业微信、钉钉 或 飞书")
                }
                platform = parsed
            case .webhook:
                url = value
            case .secret:
                secret = value.isEmpty ? nil : value
            case .fact(let fact):
                guard !value.isEmpty else { continue }
                switch RosterValue.fact(fact, value) {
                case .success(let parsed): facts[fact] = parsed
                case .failure(let problem): return fail("「\(label)」\(problem.reason)")
                }
            case .itemFact(let item, let fact):
                guard !value.isEmpty else { continue }
                switch RosterValue.fact(fact, value) {
                case .success(let parsed): itemFacts[item, default: Facts()][fact] = parsed
                case .failure(let problem): return fail("「\(label)」\(problem.reason)")
                }
            case .status(let item):
                guard let flag = RosterValue.flag(value) else {
                    return fail("「\(label)」的值「\(value)」不认识：填 是 或 否（空着算否）")
                }
                statuses[item] = flag
            }
        }
        guard !name.isEmpty else { return fail("「企业名称」为空") }
        switch CreditCode.validate(code) {
        case .success(let canonical): code = canonical
        case .failure(let problem): return fail(problem.description)
        }
        if let other = creditCodes[code] {
            return fail("统一社会信用代码 \(code) 与第\(other)行重复；同一家企业只能出现一次")
        }
        guard let platform else { return fail("「平台」为空：填 企业微信、钉钉 或 飞书") }
        guard !url.isEmpty else { return fail("「机器人地址」为空：填群机器人的 Webhook 地址") }
        let lowered = url.lowercased()
        guard lowered.hasPrefix("https://") || lowered.hasPrefix("http://"), !url.contains(" ") else {
            return fail("「机器人地址」不是网址：应以 https:// 开头（群设置 → 群机器人 → 复制 Webhook 地址）")
        }
        switch platform {
        case .wecom where secret != nil:
            return fail("企业微信群机器人没有加签密钥，「机器人密钥」应留空；这里填的可能是别的平台的密钥")
        case .dingtalk where secret.map { !$0.hasPrefix("SEC") } ?? false:
            return fail("钉钉机器人的加签密钥以 SEC 开头；这里填的不像加签密钥（是不是把 access_token 填进来了？）")
        default:
            break
        }
        if let industrialized = facts[.industrializedPatents]?.number {
            let patents = facts[.patents]?.number ?? 0
            if industrialized > patents {
                return fail("「产业化专利件数」(\(industrialized)) 大于「发明专利件数」(\(patents))：产业化的是发明专利中的一部分")
            }
        }
        let robot = RobotAddress(platform: platform, url: url, secret: secret)
        if let earlier = robots[url] {
            if earlier.robot.platform != platform {
                return fail(
                    "这个机器人地址在第\(earlier.line)行属于\(earlier.robot.platform.displayName)，这里却写\(platform.displayName)")
            }
            if earlier.robot.secret != secret {
                return fail("这个机器人地址在第\(earlier.line)行的密钥与这里不同；同一个机器人只有一个密钥")
            }
        } else {
            robots[url] = (record.line, robot)
        }
        creditCodes[code] = record.line
        return .success(
            Enterprise(
                line: record.line, name: name, creditCode: code, facts: facts, itemFacts: itemFacts, statuses: statuses,
                robot: robot))
    }

    /// Trims the spaces Excel users leave around values (ASCII, ideographic, no-break).
    static func clean(_ text: String) -> String {
        func isSpace(_ s: Unicode.Scalar) -> Bool {
            s == " " || s == "\t" || s == "\u{3000}" || s == "\u{A0}" || s == "\u{FEFF}"
        }
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isSpace($0) })!
        if first == scalars.startIndex && last == scalars.index(before: scalars.endIndex) { return text }
        return String(scalars[first...last])
    }
}

/// Why a cell's value cannot be read, worded to follow the column's name.
struct CellProblem: Error {
    /// The words after the column's name, such as 「的值「中型」不认识…」.
    let reason: String

    /// A problem in words.
    init(_ reason: String) {
        self.reason = reason
    }
}

/// How roster cells are read.
enum RosterValue {
    /// `above` or `below` from 规上 / 规下 and the ways staff write them.
    static func scale(_ text: String) -> String? {
        switch text.lowercased() {
        case "规上", "规模以上", "规上企业", "规模以上企业", "above": "above"
        case "规下", "规模以下", "规下企业", "规模以下企业", "below": "below"
        default: nil
        }
    }

    /// The platform from its Chinese or English name.
    static func platform(_ text: String) -> Platform? {
        switch text.lowercased() {
        case "企业微信", "企微", "wecom", "wework": .wecom
        case "钉钉", "dingtalk", "dingding": .dingtalk
        case "飞书", "feishu", "lark": .feishu
        default: nil
        }
    }

    /// 是 / 否 and their usual spellings; an empty cell is 否.
    static func flag(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "是", "y", "yes", "1", "√", "✓", "✔", "true", "有": true
        case "", "否", "n", "no", "0", "×", "✗", "false", "无": false
        default: nil
        }
    }

    /// A fact's value read the way its kind is written (amounts, counts, 是/否, 科创板 stages).
    static func fact(_ fact: FactName, _ text: String) -> Result<FactValue, CellProblem> {
        switch fact.kind {
        case .yuan:
            guard let yuan = yuan(text) else {
                return .failure(CellProblem("的值「\(text)」不是金额：写整数元（如 3000000）或带万（如 300万）"))
            }
            return .success(.yuan(yuan))
        case .count:
            var digits = text
            if digits.hasSuffix("件") { digits.removeLast() }
            guard let count = Int(digits), count >= 0, count <= 1_000_000 else {
                return .failure(CellProblem("的值「\(text)」不是件数：写 0 或正整数（不超过100万）"))
            }
            return .success(.count(count))
        case .flag:
            guard let flag = flag(text) else { return .failure(CellProblem("的值「\(text)」不认识：填 是 或 否")) }
            return .success(.flag(flag))
        case .choice(let allowed):
            let value: String? =
                switch text.lowercased() {
                case "挂牌", "科创板挂牌", "listed": "listed"
                case "受理", "获受理", "申请受理", "accepted": "accepted"
                case "上市", "上市发行", "成功上市", "ipo": "ipo"
                case "全部", "all": "all"
                default: nil
                }
            guard let value, allowed.contains(value) else {
                return .failure(CellProblem("的值「\(text)」不认识：填 挂牌、受理 或 上市"))
            }
            return .success(.choice(value))
        }
    }

    /// Integer yuan from `3000000`, `3,000,000`, `3000000元`, `300万`, `1.5万元` or `1.2亿`; nil for
    /// anything that is not exact in whole yuan.
    static func yuan(_ text: String) -> Int64? {
        var t = text.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "，", with: "")
        if t.hasSuffix("元") { t.removeLast() }
        var unit: Int64 = 1
        if t.hasSuffix("万") {
            unit = 10_000
            t.removeLast()
        } else if t.hasSuffix("亿") {
            unit = 100_000_000
            t.removeLast()
        }
        let parts = t.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].allSatisfy({ $0.isASCII && $0.isNumber }),
            let whole = Int64(parts[0])
        else {
            return nil
        }
        var fraction: Int64 = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 8, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = Int64(digits)
            else { return nil }
            var scale: Int64 = 1
            for _ in digits { scale *= 10 }
            // The fraction must come out in whole yuan: 1.5万 is 15000, 1.00005万 is not a sum of money.
            guard (value * unit) % scale == 0 else { return nil }
            fraction = value * unit / scale
        }
        guard let product = Checked.multiply(whole, unit), let total = Checked.add(product, fraction),
            total <= Money.plausibleYuan
        else { return nil }
        return total
    }
}
