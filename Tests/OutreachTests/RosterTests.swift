import Channels
import Foundation
import Outreach
import PolicyKit
import Testing

/// A roster with the required columns, a secret column and two status columns.
private func baseRoster() -> RosterBuilder {
    RosterBuilder(["企业名称", "统一社会信用代码", "规模", "平台", "机器人地址", "机器人密钥", "首次认定高企", "小巨人"])
}

private func row(
    _ name: String, _ serial: Int, scale: String = "规上", platform: String = "企业微信", url: String? = nil,
    secret: String = "", firstHighTech: String = "是", giant: String = ""
) -> [String: String] {
    [
        "企业名称": name, "统一社会信用代码": RosterBuilder.code(serial), "规模": scale, "平台": platform,
        "机器人地址": url ?? "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k\(serial)", "机器人密钥": secret,
        "首次认定高企": firstHighTech, "小巨人": giant,
    ]
}

/// The problems a roster is refused with.
private func problems(_ data: Data) -> [RosterProblem] {
    do {
        _ = try Roster.parse(data)
        return []
    } catch {
        return error.problems
    }
}

@Suite("roster import")
struct RosterTests {
    @Test("a good roster reads every column: facts, statuses and the robot")
    func goodRoster() throws {
        var b = RosterBuilder([
            "企业名称", "统一社会信用代码", "规模", "平台", "机器人地址", "机器人密钥", "发明专利件数", "产业化专利件数",
            "专利已用于高企申报", "首台套自治区奖励", "首次认定高企（是/否）", "备注",
        ])
        b.add([
            "企业名称": "甲公司", "统一社会信用代码": RosterBuilder.code(1), "规模": "规模以上", "平台": "钉钉",
            "机器人地址": "https://oapi.dingtalk.com/robot/send?access_token=t1", "机器人密钥": "SECt1",
            "发明专利件数": "5", "产业化专利件数": "2", "专利已用于高企申报": "否", "首台套自治区奖励": "1.5万",
            "首次认定高企（是/否）": "是", "备注": "老客户",
        ])
        let roster = try Roster.parse(b.data)
        let enterprise = try #require(roster.enterprises.first)
        #expect(enterprise.line == 2)
        #expect(enterprise.name == "甲公司")
        #expect(enterprise.creditCode == RosterBuilder.code(1))
        #expect(enterprise.facts[.scale] == .choice("above"))
        #expect(enterprise.facts[.patents] == .count(5))
        #expect(enterprise.facts[.industrializedPatents] == .count(2))
        #expect(enterprise.facts[.usedForHighTech] == .flag(false))
        #expect(enterprise.facts(for: "9.1")[.regionAmount] == .yuan(15_000))
        #expect(enterprise.facts[.regionAmount] == nil, "an item's own amount does not leak into other items")
        #expect(enterprise.statuses["12.2"] == true)
        #expect(enterprise.robot.platform == .dingtalk)
        #expect(enterprise.robot.secret == "SECt1")
        #expect(roster.ignoredHeaders == ["备注"])
        #expect(roster.encoding == .utf8)
    }

    @Test("a bad check character is reported with its line and the character expected")
    func badCheckCharacter() {
        var b = baseRoster()
        b.add(row("甲公司", 1))
        var bad = row("乙公司", 2)
        let good = RosterBuilder.code(2)
        let wrong = good.dropLast() + (good.last == "0" ? "1" : "0")
        bad["统一社会信用代码"] = String(wrong)
        b.add(bad)
        #expect(
            problems(b.data) == [
                RosterProblem(
                    line: 3,
                    reason: "统一社会信用代码校验位不对：按前17位应为「\(good.last!)」，这里是「\(wrong.last!)」；请核对是否抄错")
            ])
    }

    @Test("an unknown scale is reported with its line and the values allowed")
    func unknownScale() {
        var b = baseRoster()
        b.add(row("甲公司", 1))
        b.add(row("乙公司", 2))
        b.add(row("丙公司", 3, scale: "中型"))
        #expect(problems(b.data) == [RosterProblem(line: 4, reason: "「规模」的值「中型」不认识：填 规上 或 规下")])
    }

    @Test("a missing required column refuses the whole file, naming the column and the header line")
    func missingColumn() {
        let text = """
            # 说明行
            企业名称,规模,平台,机器人地址
            甲公司,规上,企业微信,https://example.invalid/hook
            """
        let found = problems(Data(text.utf8))
        #expect(found.count == 1)
        #expect(found.first?.line == 2)
        #expect(found.first?.reason.hasPrefix("表头缺少必需的列「统一社会信用代码」") == true)
    }

    @Test("a line in another encoding is reported by number; the other lines read as the file's encoding")
    func badEncoding() {
        var b = baseRoster()
        b.add(row("甲公司", 1))
        b.add(row("乙公司", 2))
        b.add(row("丙公司", 3))
        var bytes = [UInt8](b.data)
        // Replace 「丙」 (UTF-8 E4 B8 99) on line 4 with its GBK bytes (B1 FB): a copy-and-paste from a GBK file.
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        var line4 = Array(lines[3])
        line4.replaceSubrange(0..<3, with: [0xB1, 0xFB])
        bytes = Array(lines[0..<3].joined(separator: [0x0A])) + [0x0A] + line4 + [0x0A]
        #expect(
            problems(Data(bytes)) == [
                RosterProblem(line: 4, reason: "这一行不是有效的 UTF-8 文本，而文件其余部分是 UTF-8；请用同一种编码重新保存整个文件")
            ])
    }

    @Test("bytes that are neither UTF-8 nor GB18030 are reported by line")
    func neitherEncoding() {
        let company: [UInt8] = [0xBC, 0xD7, 0xB9, 0xAB, 0xCB, 0xBE]  // 甲公司 in GBK
        let header = Array("name,credit_code,scale,platform,webhook\n".utf8)
        let line2 = company + Array(",\(RosterBuilder.code(1)),above,wecom,https://example.invalid/h1\n".utf8)
        // 0xFF is never a byte of GB18030.
        let line3 = company + [0xFF] + Array(",\(RosterBuilder.code(2)),above,wecom,https://example.invalid/h2\n".utf8)
        #expect(
            problems(Data(header + line2 + line3)) == [
                RosterProblem(
                    line: 3, reason: "这一行不是有效的 GB18030/GBK 文本（文件其余部分是 GB18030/GBK）；请用同一种编码重新保存整个文件")
            ])
    }

    @Test("a roster saved by Excel as GB18030/GBK reads correctly, four-byte characters included")
    func gb18030File() throws {
        let roster = try Roster.parse(try Repository.fixture("roster-gb18030.csv"))
        #expect(roster.encoding == .gb18030)
        #expect(roster.enterprises.map(\.name) == ["鄂尔多斯示例甲煤炭装备有限公司", "东胜示例乙羊绒制品有限公司", "示例丙㐀科技有限公司"])
        #expect(roster.enterprises.map(\.facts[.scale]) == [.choice("above"), .choice("below"), .choice("below")])
        #expect(roster.enterprises.map(\.robot.platform) == [.wecom, .dingtalk, .feishu])
    }

    @Test("a UTF-8 BOM (Excel's CSV UTF-8) is dropped, so the first header still matches")
    func byteOrderMark() throws {
        var b = baseRoster()
        b.add(row("甲公司", 1))
        let roster = try Roster.parse(Data([0xEF, 0xBB, 0xBF]) + b.data)
        #expect(roster.encoding == .utf8WithBOM)
        #expect(roster.enterprises.map(\.name) == ["甲公司"])
    }

    @Test("UTF-16 (Excel's Unicode text) is refused with how to save the file instead")
    func utf16() {
        let found = problems(Data([0xFF, 0xFE, 0x41, 0x00]))
        #expect(found.first?.reason.contains("CSV UTF-8") == true)
    }

    @Test("every bad line is listed and nothing is imported")
    func allProblemsNothingImported() {
        var b = baseRoster()
        b.add(row("甲公司", 1))
        b.add(row("", 2))
        b.add(row("丙公司", 3, platform: "微信"))
        b.add(row("丁公司", 1))
        b.add(row("戊公司", 5, secret: "SECxyz"))
        b.add(row("己公司", 6, firstHighTech: "可能"))
        b.add(row("庚公司", 7, url: "qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"))
        b.add(row("辛公司", 8, platform: "钉钉", url: "https://oapi.dingtalk.com/robot/send?access_token=t8", secret: "t8"))
        let found = problems(b.data)
        #expect(found.map(\.line) == [3, 4, 5, 6, 7, 8, 9])
        #expect(found[0].reason == "「企业名称」为空")
        #expect(found[1].reason == "「平台」的值「微信」不认识：填 企业微信、钉钉 或 飞书")
        #expect(found[2].reason == "统一社会信用代码 \(RosterBuilder.code(1)) 与第2行重复；同一家企业只能出现一次")
        #expect(found[3].reason.hasPrefix("企业微信群机器人没有加签密钥"))
        #expect(found[4].reason == "「首次认定高企」的值「可能」不认识：填 是 或 否（空着算否）")
        #expect(found[5].reason.hasPrefix("「机器人地址」不是网址"))
        #expect(found[6].reason.hasPrefix("钉钉机器人的加签密钥以 SEC 开头"))
    }

    @Test("--skip-bad-lines imports the good lines and lists the bad ones")
    func skipBadLines() throws {
        var b = baseRoster()
        b.add(row("甲公司", 1))
        b.add(row("乙公司", 2, scale: "中型"))
        b.add(row("丙公司", 3))
        let roster = try Roster.parse(b.data, skipBadLines: true)
        #expect(roster.enterprises.map(\.name) == ["甲公司", "丙公司"])
        #expect(roster.skippedLines == [RosterProblem(line: 3, reason: "「规模」的值「中型」不认识：填 规上 或 规下")])
    }

    @Test("a missing column is not a bad line: skipping bad lines does not import the file")
    func skipDoesNotCoverFileProblems() {
        let text = "企业名称,规模,平台,机器人地址\n甲公司,规上,企业微信,https://example.invalid/hook\n"
        #expect(throws: RosterError.self) { try Roster.parse(Data(text.utf8), skipBadLines: true) }
    }

    @Test("comments, quoted commas and line breaks inside quotes keep line numbers right")
    func quotingAndLineNumbers() throws {
        let text = """
            # 名单说明：第一行
            # 第二行
            企业名称,统一社会信用代码,规模,平台,机器人地址
            "甲公司,鄂尔多斯分公司",\(RosterBuilder.code(1)),规上,企业微信,https://example.invalid/h1

            "乙""公司""
            第二行名字",\(RosterBuilder.code(2)),规下,企业微信,https://example.invalid/h2
            ,,,,
            丙公司,\(RosterBuilder.code(3)),小型,企业微信,https://example.invalid/h3
            """
        do {
            _ = try Roster.parse(Data(text.utf8))
            Issue.record("the bad scale on line 9 was not reported")
        } catch {
            #expect(error.problems == [RosterProblem(line: 9, reason: "「规模」的值「小型」不认识：填 规上 或 规下")])
        }
        let roster = try Roster.parse(Data(text.utf8), skipBadLines: true)
        #expect(roster.enterprises.map(\.name) == ["甲公司,鄂尔多斯分公司", "乙\"公司\"\n第二行名字"])
        #expect(roster.enterprises.map(\.line) == [4, 6])
    }

    @Test("an unclosed quote is reported on the line where it opens")
    func unclosedQuote() {
        let text = "企业名称,统一社会信用代码,规模,平台,机器人地址\n\"甲公司,\(RosterBuilder.code(1)),规上,企业微信,https://example.invalid/h\n"
        #expect(problems(Data(text.utf8)).map(\.line) == [2])
    }

    @Test(
        "amounts are read in yuan, with 万 and 亿 and thousands separators",
        arguments: [
            ("3000000", Int64(3_000_000)), ("3,000,000", 3_000_000), ("300万", 3_000_000), ("1.5万元", 15_000),
            ("1.2亿", 120_000_000), ("800元", 800),
        ])
    func amounts(text: String, yuan: Int64) throws {
        var b = RosterBuilder(["企业名称", "统一社会信用代码", "规模", "平台", "机器人地址", "风险投资额"])
        b.add([
            "企业名称": "甲", "统一社会信用代码": RosterBuilder.code(1), "规模": "规上", "平台": "企业微信",
            "机器人地址": "https://example.invalid/h", "风险投资额": text,
        ])
        #expect(try Roster.parse(b.data).enterprises.first?.facts[.investment] == .yuan(yuan))
    }

    @Test("an amount that is not whole yuan, or not a number, is refused")
    func badAmount() {
        for text in ["1.00005万", "三百万", "-5", "1e6"] {
            var b = RosterBuilder(["企业名称", "统一社会信用代码", "规模", "平台", "机器人地址", "风险投资额"])
            b.add([
                "企业名称": "甲", "统一社会信用代码": RosterBuilder.code(1), "规模": "规上", "平台": "企业微信",
                "机器人地址": "https://example.invalid/h", "风险投资额": text,
            ])
            #expect(
                problems(b.data) == [
                    RosterProblem(line: 2, reason: "「风险投资额」的值「\(text)」不是金额：写整数元（如 3000000）或带万（如 300万）")
                ], "\(text)")
        }
    }

    @Test("more industrialised patents than patents is a contradiction")
    func industrialisedPatents() {
        var b = RosterBuilder(["企业名称", "统一社会信用代码", "规模", "平台", "机器人地址", "发明专利件数", "产业化专利件数"])
        b.add([
            "企业名称": "甲", "统一社会信用代码": RosterBuilder.code(1), "规模": "规上", "平台": "企业微信",
            "机器人地址": "https://example.invalid/h", "发明专利件数": "2", "产业化专利件数": "3",
        ])
        #expect(problems(b.data).first?.reason.hasPrefix("「产业化专利件数」(3) 大于「发明专利件数」(2)") == true)
    }

    @Test("the sample roster in Examples/ imports cleanly")
    func sampleRoster() throws {
        let data = try Data(contentsOf: Repository.root.appendingPathComponent("Examples/roster-sample.csv"))
        let roster = try Roster.parse(data)
        #expect(roster.enterprises.count == 5)
        #expect(roster.ignoredHeaders.isEmpty)
        #expect(roster.columns.count == RosterColumn.all.count, "the sample documents and uses every column")
    }
}

@Suite("roster limits")
struct RosterLimitTests {
    @Test("a roster of more than 100,000 enterprises is refused whole, naming the line and what to do")
    func tooManyRows() throws {
        var text = "企业名称,统一社会信用代码,规模,平台,机器人地址\n"
        text += String(repeating: "a,b,c,d,e\n", count: Roster.maximumRows + 1)
        #expect {
            try Roster.parse(Data(text.utf8))
        } throws: { error in
            "\(error)".contains("超过100000行") && "\(error)".contains("\(Roster.maximumRows + 2)")
        }
    }

    @Test("a roster file over 20 MB is refused before it is read")
    func tooBig() throws {
        let data = Data(repeating: 0x61, count: Roster.maximumBytes + 1)
        #expect {
            try Roster.parse(data)
        } throws: { error in
            "\(error)".contains("超过20MB")
        }
    }
}
