import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Server

/// The units page: staff fill in each unit's contact without YAML or curl, and the bot's replies
/// carry it at once.
@Suite("Staff pages: units and their contacts")
struct StaffUnitsPageTests {
    private static let finance = "区金融办"

    private static func segment(_ unit: String) -> String {
        unit.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? unit
    }

    @Test("the page lists every unit of contacts.yaml in the plan's order, with the measures it leads and shares")
    func lists() async throws {
        try await StaffSessionTests.run { client, _, copy in
            let cookie = try await client.sessionCookie(StaffSessionTests.name, StaffSessionTests.password)
            let page = try await client.page("/admin/units", cookie: cookie)
            #expect(page.status == .ok)
            let names = try copy.text("contacts.yaml").split(separator: "\n").compactMap { line -> String? in
                guard let start = line.range(of: "{name: ") else { return nil }
                return String(line[start.upperBound...].prefix { $0 != "," })
            }
            #expect(names.count == 28)
            for name in names { #expect(page.text.contains("<h2>\(name)"), "\(name)") }
            // The first unit the plan names is measure 1's lead unit.
            let first = try #require(page.text.range(of: "id=\"unit-0\""))
            #expect(page.text[first.upperBound...].prefix(200).contains("区工信和科技局"))
            #expect(page.text.contains("牵头：第28、30条"))  // 区金融办, as the plan's measures 28 and 30 say
            #expect(page.text.contains(#"name="aliases" value="发改委、发改局、发展改革委""#))
        }
    }

    @Test("saving a unit's phone writes its line, is audited as the person, and the next reply carries it")
    func saves() async throws {
        try await StaffSessionTests.run { client, _, copy in
            let cookie = try await client.sessionCookie(StaffSessionTests.name, StaffSessionTests.password)
            let csrf = try #require(try await client.page("/admin/units", cookie: cookie).csrf)
            #expect(try await client.ask("金融办电话").text.contains("联系方式还没有登记"))

            let response = try await client.form(
                "/admin/units/\(Self.segment(Self.finance))",
                ["csrf": csrf, "phone": " 0477-8370000 ", "address": "", "person": "", "hours": "工作日 8:30-17:30"],
                cookie: cookie)
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location])
            #expect(location.hasPrefix("/admin/units?saved=1#unit-"))
            #expect(
                try copy.text("contacts.yaml").contains(
                    #"{name: 区金融办, phone: "0477-8370000", address: "", person: "", hours: "工作日 8:30-17:30"}"#))
            #expect(try await client.auditEntries().first?["who"] as? String == StaffSessionTests.name)

            let saved = try await client.page(location, cookie: cookie)
            #expect(saved.text.contains("已保存（历史记录 #1）"))
            #expect(saved.text.contains(#"value="0477-8370000""#))

            let unitReply = try await client.ask("金融办电话").text
            #expect(unitReply.contains("联系方式：电话：0477-8370000，办公时间：工作日 8:30-17:30"), "\(unitReply)")
            // A measure the unit leads carries it too.
            let measureReply = try await client.ask("科技贷款贴息找哪个单位").text
            #expect(measureReply.contains("牵头单位：区金融办（电话：0477-8370000，办公时间：工作日 8:30-17:30）"), "\(measureReply)")
        }
    }

    @Test(
        "a unit's other names typed in one line are saved as its aliases, asked by at once, and undone from the history"
    )
    func aliases() async throws {
        try await StaffSessionTests.run { client, _, copy in
            let cookie = try await client.sessionCookie(StaffSessionTests.name, StaffSessionTests.password)
            let csrf = try #require(try await client.page("/admin/units", cookie: cookie).csrf)
            let original = try copy.snapshot()
            #expect(!(try await client.ask("金融局电话").text.contains("【区金融办】")))

            let saved = try await client.form(
                "/admin/units/\(Self.segment(Self.finance))/aliases", ["csrf": csrf, "aliases": "金融局、 金融办公室，金融局"],
                cookie: cookie)
            #expect(saved.status == .seeOther)
            #expect(
                try copy.text("contacts.yaml").contains(
                    #"{name: 区金融办, phone: "", address: "", person: "", hours: "", aliases: [金融局, 金融办公室]}"#))
            #expect(try await client.ask("金融局电话").text.contains("【区金融办】"))
            let entry = try #require(try await client.auditEntries().first)
            #expect(entry["action"] as? String == "set aliases")
            #expect(entry["target"] as? String == "aliases:区金融办")

            let undone = try await client.form(
                "/admin/history/\(entry["id"] as? Int ?? 0)/undo", ["csrf": csrf], cookie: cookie)
            #expect(undone.status == .seeOther)
            #expect(try copy.snapshot() == original, "undo gives contacts.yaml back byte for byte")
        }
    }

    @Test(
        "another unit's name given as an alias is refused beside the names form with lint's reason; nothing is written")
    func aliasOfAnotherUnit() async throws {
        try await StaffSessionTests.run { client, _, copy in
            let cookie = try await client.sessionCookie(StaffSessionTests.name, StaffSessionTests.password)
            let csrf = try #require(try await client.page("/admin/units", cookie: cookie).csrf)
            let before = try copy.snapshot()
            let response = try await client.form(
                "/admin/units/\(Self.segment(Self.finance))/aliases", ["csrf": csrf, "aliases": "发改委"], cookie: cookie)
            #expect(response.status == .unprocessableContent)
            #expect(response.text.contains("id=\"error-aliases-"))
            #expect(response.text.contains("「发改委」 is given as another name of both"))
            #expect(response.text.contains(#"name="aliases" value="发改委""#))
            #expect(try copy.snapshot() == before)
        }
    }

    @Test("an invisible character is refused beside that unit's form, keeping what was typed; nothing is written")
    func refuses() async throws {
        try await StaffSessionTests.run { client, _, copy in
            let cookie = try await client.sessionCookie(StaffSessionTests.name, StaffSessionTests.password)
            let csrf = try #require(try await client.page("/admin/units", cookie: cookie).csrf)
            let before = try copy.snapshot()
            let typed = "0477\u{200B}8370000"
            let response = try await client.form(
                "/admin/units/\(Self.segment(Self.finance))", ["csrf": csrf, "phone": typed], cookie: cookie)
            #expect(response.status == .badRequest)
            #expect(response.text.contains("内容不符合要求，文件未修改"))
            let index = try #require(response.text.range(of: "role=\"alert\""))
            let form = response.text[index.lowerBound...]
            #expect(form.prefix(600).contains("value=\"\(typed)\""))
            #expect(response.text[..<index.lowerBound].suffix(600).contains("<h2>区金融办"))
            #expect(try copy.snapshot() == before)

            let unknown = try await client.form(
                "/admin/units/\(Self.segment("区不存在局"))", ["csrf": csrf, "phone": "1"], cookie: cookie)
            #expect(unknown.status == .notFound)
            #expect(try copy.snapshot() == before)
        }
    }
}
