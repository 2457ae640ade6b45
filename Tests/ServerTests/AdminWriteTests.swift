import Desk
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PolicyKit
import Testing

@testable import Server

/// Every write path: the response, the file on disk (changed only in the intended lines, every
/// other line and comment the same bytes), the answer served at once, the audit entry, and an
/// undo that gives the file back byte for byte and is audited itself.
@Suite("Admin API: writing")
struct AdminWriteTests {
    static let staff = "王芳"

    /// Comments staff might have written in clause 12, inside and around the list of examples
    /// of 12.2, which every edit must leave exactly as they are.
    static func annotate(_ copy: KnowledgeCopy) throws {
        let file = "clauses/12.yaml"
        try copy.write("# 第12条：工作人员的注释，编辑后须原样保留\n" + (try copy.text(file)), to: file)
        try copy.replace(
            "    examples:\n      - 首次认定国家高新技术企业区里奖多少\n",
            with: "    examples:                     # 企业的各种问法\n      - 首次认定国家高新技术企业区里奖多少\n      # 以下几条由工作人员补充\n",
            in: file)
        try copy.replace("  - id: \"12.3\"\n", with: "    # —— 12.2 到此 ——\n\n  - id: \"12.3\"\n", in: file)
    }

    /// The audit entry in a write's response, checked for who, action and target.
    static func checkEntry(
        _ entry: [String: Any], action: String, target: String, who: String = "\(staff) (admin token)"
    ) throws -> Int {
        #expect(entry["who"] as? String == who)
        #expect(entry["action"] as? String == action)
        #expect(entry["target"] as? String == target)
        let at = try #require(entry["at"] as? String)
        let when = try #require(ISO8601DateFormatter().date(from: at), "at: \(at)")
        #expect(abs(when.timeIntervalSinceNow) < 120)
        return try #require(entry["id"] as? Int)
    }

    /// Undoes audit entry `id` and checks the file is back byte for byte, the undo is the newest
    /// audit entry with before and after swapped, and there are `count` entries in all.
    static func undo(
        _ id: Int, of entry: [String: Any], file: String, original: Data, copy: KnowledgeCopy,
        client: any TestClientProtocol,
        count: Int = 2
    ) async throws -> [String: Any] {
        let response = try await client.admin(.post, "/admin/audit/\(id)/undo", user: "李雷")
        #expect(response.status == .ok, "\(response.text)")
        let undo = response.json
        let undoID = try checkEntry(
            undo, action: "undo \(id)", target: entry["target"] as? String ?? "", who: "李雷 (admin token)")
        #expect(undoID > id)
        #expect(undo["before"] as? String == entry["after"] as? String)
        #expect(undo["after"] as? String == entry["before"] as? String)
        let now = try copy.bytes(file)
        #expect(now == original, "undo did not give \(file) back byte for byte: \(LineChange(original, now))")
        let log = try await client.auditEntries()
        #expect(log.count == count)
        #expect(log.first?["id"] as? Int == undoID)
        #expect(log.first?["action"] as? String == "undo \(id)")
        return undo
    }

    /// The 1-based number of the first line of `data` that is exactly `line`.
    static func lineNumber(of line: String, in data: Data) -> Int? {
        String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0 == line }.map { $0 + 1 }
    }

    // MARK: - Examples

    @Test func addingAnExampleAnswersItAtOnceWithConfidenceOne() async throws {
        try await AdminTest.run(prepare: Self.annotate) { client, parts, copy in
            let file = "clauses/12.yaml"
            let question = "刚拿到高企证书能领多少"
            let original = try copy.bytes(file)
            let oldExamples = try #require(examples(of: "12.2", in: parsedYAML(original)))
            // Before: the bot does not answer this way of asking with 12.2 for sure.
            let before = try await client.answer(question)
            #expect(!(before["item"] as? String == "12.2" && before["confidence"] as? Double == 1))

            let response = try await client.admin(
                .post, "/admin/items/12.2/examples", json: ["text": question], user: Self.staff)
            // (a) the response is the audit entry of the edit
            #expect(response.status == .ok, "\(response.text)")
            let entry = response.json
            let id = try Self.checkEntry(entry, action: "add example", target: "item:12.2/examples")
            #expect(jsonValue(entry["before"]) as? [String] == oldExamples)
            #expect(jsonValue(entry["after"]) as? [String] == oldExamples + [question])

            // (b) one line more on disk, after the last example of 12.2 and before the comment that follows
            let edited = try copy.bytes(file)
            let change = LineChange(original, edited)
            #expect(change.removed.isEmpty && change.added == ["      - \(question)"], "\(change)")
            let lines = String(decoding: edited, as: UTF8.self).components(separatedBy: "\n")
            #expect(lines[change.line - 2] == "      - \(oldExamples.last ?? "")")
            #expect(lines[change.line] == "    # —— 12.2 到此 ——")
            #expect(examples(of: "12.2", in: parsedYAML(edited)) == oldExamples + [question])
            #expect(try copy.snapshot().keys.allSatisfy { !$0.contains(".tmp") }, "a temporary file was left behind")

            // (c) served at once: the new way of asking matches 12.2 with confidence 1
            let after = try await client.answer(question)
            #expect(after["item"] as? String == "12.2")
            #expect(after["confidence"] as? Double == 1)
            #expect(parts.desks.desk.knowledge.policy.item("12.2")?.examples.last == question)
            let item = try await client.admin(.get, "/admin/items/12.2").json
            #expect((item["examples"] as? [String])?.last == question)

            // (d) the audit log has it
            let log = try await client.auditEntries()
            #expect(log.count == 1)
            #expect(log.first?["id"] as? Int == id)
            #expect(log.first?["who"] as? String == "\(Self.staff) (admin token)")
            #expect(log.first?["before"] as? String == entry["before"] as? String)
            #expect(log.first?["after"] as? String == entry["after"] as? String)

            // Undo: the file is back byte for byte, the answer is as before, and the undo is audited.
            _ = try await Self.undo(id, of: entry, file: file, original: original, copy: copy, client: client)
            let undone = try await client.answer(question)
            #expect(undone["item"] as? String == before["item"] as? String)
            #expect(parts.desks.desk.knowledge.policy.item("12.2")?.examples == oldExamples)
        }
    }

    @Test func anExampleWithYAMLCharactersIsWrittenQuotedAndReadBackTheSame() async throws {
        try await AdminTest.run(prepare: Self.annotate) { client, _, copy in
            let question = "高企: 首次认定 #1 能拿多少? \"规上\""
            let original = try copy.bytes("clauses/12.yaml")
            let response = try await client.admin(.post, "/admin/items/12.2/examples", json: ["text": question])
            #expect(response.status == .ok, "\(response.text)")
            let change = LineChange(original, try copy.bytes("clauses/12.yaml"))
            #expect(change.removed.isEmpty && change.added == [#"      - "高企: 首次认定 #1 能拿多少? \"规上\"""#], "\(change)")
            #expect(examples(of: "12.2", in: parsedYAML(try copy.bytes("clauses/12.yaml")))?.last == question)
            let answer = try await client.answer(question)
            #expect(answer["item"] as? String == "12.2")
            #expect(answer["confidence"] as? Double == 1)
            let id = try #require(response.json["id"] as? Int)
            _ = try await Self.undo(
                id, of: response.json, file: "clauses/12.yaml", original: original, copy: copy, client: client)
        }
    }

    @Test func removingAnExampleDeletesItsLineOnly() async throws {
        try await AdminTest.run(prepare: Self.annotate) { client, parts, copy in
            let file = "clauses/12.yaml"
            let example = "首次认定高企奖补找哪个局"
            let original = try copy.bytes(file)
            let oldExamples = try #require(examples(of: "12.2", in: parsedYAML(original)))
            #expect(oldExamples.contains(example) && oldExamples.last != example)

            let response = try await client.admin(
                .delete, "/admin/items/12.2/examples", json: ["text": example], user: Self.staff)
            #expect(response.status == .ok, "\(response.text)")
            let entry = response.json
            let id = try Self.checkEntry(entry, action: "remove example", target: "item:12.2/examples")
            #expect(jsonValue(entry["before"]) as? [String] == oldExamples)
            #expect(jsonValue(entry["after"]) as? [String] == oldExamples.filter { $0 != example })

            let change = LineChange(original, try copy.bytes(file))
            #expect(change.removed == ["      - \(example)"] && change.added.isEmpty, "\(change)")
            #expect(parts.desks.desk.knowledge.policy.item("12.2")?.examples == oldExamples.filter { $0 != example })
            let item = try await client.admin(.get, "/admin/items/12.2").json
            #expect((item["examples"] as? [String])?.contains(example) == false)

            // Undo puts the line back where it was.
            _ = try await Self.undo(id, of: entry, file: file, original: original, copy: copy, client: client)
            #expect(parts.desks.desk.knowledge.policy.item("12.2")?.examples == oldExamples)
        }
    }

    @Test func removingAnAddedExampleStopsAnsweringItAtOnce() async throws {
        try await AdminTest.run(prepare: Self.annotate) { client, _, copy in
            let question = "刚拿到高企证书能领多少"
            let original = try copy.bytes("clauses/12.yaml")
            let before = try await client.answer(question)
            #expect(try await client.admin(.post, "/admin/items/12.2/examples", json: ["text": question]).status == .ok)
            #expect(try await client.answer(question)["confidence"] as? Double == 1)
            let response = try await client.admin(.delete, "/admin/items/12.2/examples", json: ["text": question])
            #expect(response.status == .ok, "\(response.text)")
            #expect(try copy.bytes("clauses/12.yaml") == original)
            let after = try await client.answer(question)
            #expect(after["item"] as? String == before["item"] as? String)
            #expect(after["confidence"] as? Double == before["confidence"] as? Double)
        }
    }

    // MARK: - Text and checklist

    @Test func settingAnItemsTextChangesItsLineAndTheReply() async throws {
        try await AdminTest.run { client, _, copy in
            let file = "clauses/17.yaml"
            let original = try copy.bytes(file)
            let oldText = "鼓励东胜区产业链龙头企业组建创新联合体，以应用带创新，以创新促应用，着力攻克“卡脖子”技术和产品，对新批复备案的自治区创新联合体一次性给予30万元奖补。"
            let newText = "对新批复备案的自治区创新联合体，一次性给予30万元奖补（以区工信和科技局通知为准）。"
            let response = try await client.admin(
                .put, "/admin/items/17.1/text", json: ["text": "  \(newText)\n"], user: Self.staff)
            #expect(response.status == .ok, "\(response.text)")
            let entry = response.json
            let id = try Self.checkEntry(entry, action: "set text", target: "item:17.1/text")
            #expect(jsonValue(entry["before"]) as? String == oldText)
            #expect(jsonValue(entry["after"]) as? String == newText)

            let change = LineChange(original, try copy.bytes(file))
            #expect(
                change == LineChange(line: 14, removed: ["    text: \(oldText)"], added: ["    text: \(newText)"]),
                "\(change)")
            // The clause's own text (another `text:` in the file) is untouched: it is outside the change.

            let answer = try await client.answer("创新联合体一次性奖补多少万")
            #expect(answer["item"] as? String == "17.1")
            #expect((answer["reply"] as? String)?.contains("原文：\(newText)") == true)
            #expect(try await client.admin(.get, "/admin/items/17.1").json["text"] as? String == newText)

            _ = try await Self.undo(id, of: entry, file: file, original: original, copy: copy, client: client)
            #expect((try await client.answer("创新联合体一次性奖补多少万")["reply"] as? String)?.contains("原文：\(oldText)") == true)
        }
    }

    @Test func settingAChecklistKeepsTheCommentAfterTheKeyAndTheOtherEntries() async throws {
        try await AdminTest.run { client, _, copy in
            let file = "clauses/17.yaml"
            let original = try copy.bytes(file)
            let oldList = ["营业执照（副本复印件）", "自治区创新联合体批复备案文件", "创新联合体组建协议及成员单位名单", "奖补申请表"]
            let newList = ["营业执照（副本复印件）", "自治区创新联合体批复备案文件", "创新联合体组建协议及成员单位名单", "奖补申请表（加盖公章）"]
            let response = try await client.admin(
                .put, "/admin/items/17.1/checklist", json: ["checklist": newList], user: Self.staff)
            #expect(response.status == .ok, "\(response.text)")
            let entry = response.json
            let id = try Self.checkEntry(entry, action: "set checklist", target: "item:17.1/checklist")
            #expect(jsonValue(entry["before"]) as? [String] == oldList)
            #expect(jsonValue(entry["after"]) as? [String] == newList)

            // Only the one entry's line; 「checklist:                    # 草稿，以牵头单位通知为准」 stays as written.
            let change = LineChange(original, try copy.bytes(file))
            let entryLine = try #require(Self.lineNumber(of: "      - 奖补申请表", in: original))
            #expect(
                change == LineChange(line: entryLine, removed: ["      - 奖补申请表"], added: ["      - 奖补申请表（加盖公章）"]),
                "\(change)")
            #expect(
                String(decoding: try copy.bytes(file), as: UTF8.self).contains(
                    "    checklist:                    # 草稿，以牵头单位通知为准\n"))

            let answer = try await client.answer("创新联合体一次性奖补多少万")
            #expect(answer["checklist"] as? [String] == newList)
            #expect((answer["reply"] as? String)?.contains("· 奖补申请表（加盖公章）") == true)

            _ = try await Self.undo(id, of: entry, file: file, original: original, copy: copy, client: client)
            #expect(try await client.answer("创新联合体一次性奖补多少万")["checklist"] as? [String] == oldList)
        }
    }

    @Test func aChecklistCanBeEmptiedAndGivenBackWithItsComment() async throws {
        try await AdminTest.run { client, _, copy in
            let file = "clauses/17.yaml"
            let original = try copy.bytes(file)
            let response = try await client.admin(.put, "/admin/items/17.1/checklist", json: ["checklist": [String]()])
            #expect(response.status == .ok, "\(response.text)")
            let change = LineChange(original, try copy.bytes(file))
            #expect(
                change.line == Self.lineNumber(of: "    checklist:                    # 草稿，以牵头单位通知为准", in: original))
            #expect(change.added == ["    checklist: []                    # 草稿，以牵头单位通知为准"], "\(change)")
            #expect(change.removed.count == 5)
            #expect((try await client.answer("创新联合体一次性奖补多少万")["checklist"] as? [String])?.isEmpty == true)
            let id = try #require(response.json["id"] as? Int)
            _ = try await Self.undo(id, of: response.json, file: file, original: original, copy: copy, client: client)
        }
    }

    // MARK: - Contacts

    @Test func settingAUnitsAliasesIsAuditedAndTheNextQuestionKnowsThem() async throws {
        try await AdminTest.run { client, _, copy in
            let unit = "区发展和改革委员会"
            let path = "/admin/contacts/\(AdminTest.segment(unit))/aliases"
            let response = try await client.admin(.put, path, json: ["aliases": ["发改委", "计委"]], user: Self.staff)
            #expect(response.status == .ok, "\(response.text)")
            let entry = response.json
            _ = try Self.checkEntry(entry, action: "set aliases", target: "aliases:\(unit)")
            #expect(jsonValue(entry["before"]) as? [String] == ["发改委", "发改局", "发展改革委"])
            #expect(jsonValue(entry["after"]) as? [String] == ["发改委", "计委"])
            #expect(try copy.text("contacts.yaml").contains("aliases: [发改委, 计委]}"))
            #expect(try await client.answer("计委电话多少")["leadUnit"] as? String == unit)

            let before = try copy.snapshot()
            let missing = try await client.admin(.put, path, json: ["names": ["x"]])
            #expect(missing.status == .badRequest)
            #expect(missing.text.contains("missing `aliases`"))
            #expect(try copy.snapshot() == before)
        }
    }

    @Test func settingAContactRewritesItsLineAndTheReplyShowsIt() async throws {
        try await AdminTest.run { client, _, copy in
            let file = "contacts.yaml"
            let original = try copy.bytes(file)
            let unit = "区工信和科技局"
            let response = try await client.admin(
                .put, "/admin/contacts/\(AdminTest.segment(unit))",
                json: ["phone": "0477-8581234", "hours": "工作日 8:30-12:00"],
                user: Self.staff)
            #expect(response.status == .ok, "\(response.text)")
            let entry = response.json
            let id = try Self.checkEntry(entry, action: "set contact", target: "contact:\(unit)")
            #expect(
                jsonValue(entry["before"]) as? [String: String] == [
                    "phone": "", "address": "", "person": "", "hours": "",
                ])
            #expect(
                jsonValue(entry["after"]) as? [String: String] == [
                    "phone": "0477-8581234", "address": "", "person": "", "hours": "工作日 8:30-12:00",
                ])

            // The unit's line only; the comments at the top of the file are the same bytes.
            let change = LineChange(original, try copy.bytes(file))
            #expect(
                change
                    == LineChange(
                        line: 9,
                        removed: [
                            #"  - {name: 区工信和科技局, phone: "", address: "", person: "", hours: "", aliases: [工信局, 科技局, 工科局]}"#
                        ],
                        added: [
                            #"  - {name: 区工信和科技局, phone: "0477-8581234", address: "", person: "", hours: "工作日 8:30-12:00", aliases: [工信局, 科技局, 工科局]}"#
                        ]), "\(change)")

            // 12.2 is led by this unit: its reply shows the phone and hours at once.
            let answer = try await client.answer("规上企业新认定高企能拿多少钱")
            #expect(answer["leadUnit"] as? String == unit)
            let reply = try #require(answer["reply"] as? String)
            #expect(reply.contains("0477-8581234"), "\(reply)")
            #expect(reply.contains("工作日 8:30-12:00"))
            let contacts = try await client.admin(.get, "/admin/contacts").jsonArray
            #expect(contacts.first { $0["unit"] as? String == unit }?["phone"] as? String == "0477-8581234")

            _ = try await Self.undo(id, of: entry, file: file, original: original, copy: copy, client: client)
            #expect((try await client.answer("规上企业新认定高企能拿多少钱")["reply"] as? String)?.contains("0477-8581234") == false)
        }
    }

    @Test func aContactWrittenAsABlockOrWithACommentKeepsItsShape() async throws {
        let block = "  - name: 区财政局   # 财政\n    phone: \"\"\n    address: \"\"\n    person: \"\"\n    hours: \"\"\n"
        try await AdminTest.run(prepare: { copy in
            try copy.replace(
                "  - {name: 区财政局, phone: \"\", address: \"\", person: \"\", hours: \"\"}\n", with: block,
                in: "contacts.yaml")
            try copy.replace(
                "  - {name: 区科协, phone: \"\", address: \"\", person: \"\", hours: \"\", aliases: [科协, 科学技术协会]}\n",
                with:
                    "  - {name: 区科协, phone: \"\", address: \"\", person: \"\", hours: \"\", aliases: [科协, 科学技术协会]}   # 科协 {暂缺}\n",
                in: "contacts.yaml")
        }) { client, parts, copy in
            let file = "contacts.yaml"
            let original = try copy.bytes(file)
            let finance = "区财政局"
            let first = try await client.admin(
                .put, "/admin/contacts/\(AdminTest.segment(finance))", json: ["phone": "0477-8390000", "person": "张三"])
            #expect(first.status == .ok, "\(first.text)")
            let change = LineChange(original, try copy.bytes(file))
            #expect(change.removed == ["    phone: \"\"", "    address: \"\"", "    person: \"\""], "\(change)")
            #expect(change.added == ["    phone: 0477-8390000", "    address: \"\"", "    person: 张三"], "\(change)")
            #expect(parts.desks.desk.knowledge.contacts[finance]?.phone == "0477-8390000")
            #expect(parts.desks.desk.knowledge.contacts[finance]?.person == "张三")

            let afterFirst = try copy.bytes(file)
            let second = try await client.admin(
                .put, "/admin/contacts/\(AdminTest.segment("区科协"))", json: ["address": "东胜区 {科技大厦} 3楼"])
            #expect(second.status == .ok, "\(second.text)")
            let secondChange = LineChange(afterFirst, try copy.bytes(file))
            #expect(
                secondChange.added == [
                    #"  - {name: 区科协, phone: "", address: "东胜区 {科技大厦} 3楼", person: "", hours: "", aliases: [科协, 科学技术协会]}   # 科协 {暂缺}"#
                ], "\(secondChange)")
            #expect(parts.desks.desk.knowledge.contacts["区科协"]?.address == "东胜区 {科技大厦} 3楼")

            for id in [2, 1] {
                #expect(try await client.admin(.post, "/admin/audit/\(id)/undo").status == .ok)
            }
            #expect(try copy.bytes(file) == original)
        }
    }

    @Test("the bearer token alone is recorded as the admin token, a claimed name beside it")
    func whoDefaultsToAdminTokenWithoutTheHeader() async throws {
        try await AdminTest.run { client, _, _ in
            let response = try await client.admin(
                .post, "/admin/items/12.2/examples", json: ["text": "刚拿到高企证书能领多少"], user: nil)
            #expect(response.status == .ok)
            #expect(response.json["who"] as? String == "admin token")
        }
    }

    @Test func anUndoCanItselfBeUndone() async throws {
        try await AdminTest.run(prepare: Self.annotate) { client, _, copy in
            let question = "刚拿到高企证书能领多少"
            let original = try copy.bytes("clauses/12.yaml")
            #expect(try await client.admin(.post, "/admin/items/12.2/examples", json: ["text": question]).status == .ok)
            let edited = try copy.bytes("clauses/12.yaml")
            #expect(try await client.admin(.post, "/admin/audit/1/undo").status == .ok)
            #expect(try copy.bytes("clauses/12.yaml") == original)
            let redo = try await client.admin(.post, "/admin/audit/2/undo")
            #expect(redo.status == .ok)
            #expect(redo.json["action"] as? String == "undo 2")
            #expect(try copy.bytes("clauses/12.yaml") == edited)
            #expect(try await client.answer(question)["confidence"] as? Double == 1)
            let log = try await client.auditEntries()
            #expect(log.compactMap { $0["action"] as? String } == ["undo 2", "undo 1", "add example"])
            // Paging: newest first, limit and offset.
            let page = try await client.auditEntries(limit: 1, offset: 1)
            #expect(page.count == 1 && page.first?["action"] as? String == "undo 1")
        }
    }
}
