import Desk
import Foundation
import Testing
import Yams

/// Every value the editor writes reads back as exactly that value, and a value that cannot
/// (a line break or an invisible character in a field of one line) is refused, naming the
/// field, the character and where it stands.
@Suite("Editing Intents files writes exactly what the edit says")
struct IntentFileEditorSafetyTests {
    /// A clause with the shapes the shipped files use.
    static let clause = IntentFileEditorTests.clause

    static let contacts = """
        # 各单位联系方式
        units:
          - {name: 区工信和科技局, phone: "", address: "", person: "", hours: ""}
          - {name: 区财政局, phone: "", address: "", person: "", hours: ""}
          - {name: 区科协, phone: "", address: "", person: "", hours: ""}
        """

    /// The examples of `item` in `text`, as parsed.
    static func examples(_ item: String, in text: String) throws -> [String] {
        let root = try Yams.compose(yaml: text)
        guard case .sequence(let items)? = root?["items"], let entry = items.first(where: { $0["id"]?.string == item })
        else { return [] }
        return entry["examples"]?.array().compactMap(\.string) ?? []
    }

    // MARK: - Refused characters

    struct Refusal: Sendable, CustomStringConvertible {
        var value: String
        var character: Unicode.Scalar
        var position: Int
        var says: String
        var description: String { "U+\(String(character.value, radix: 16, uppercase: true))" }
    }

    static let refusals: [Refusal] = [
        Refusal(
            value: "高企奖补\r    exclusions:", character: "\r", position: 5,
            says: "a carriage return (U+000D) at character 5"),
        Refusal(
            value: "首次认定高企\u{2028}奖多少", character: "\u{2028}", position: 7, says: "a line break (U+2028) at character 7"
        ),
        Refusal(value: "a\u{2029}b", character: "\u{2029}", position: 2, says: "a paragraph break (U+2029)"),
        Refusal(value: "a\u{85}b", character: "\u{85}", position: 2, says: "a line break (U+0085)"),
        Refusal(value: "第一行\n第二行", character: "\n", position: 4, says: "a line break (U+000A) at character 4"),
        Refusal(value: "a\r\nb", character: "\r", position: 2, says: "a carriage return (U+000D) at character 2"),
        Refusal(value: "a\tb", character: "\t", position: 2, says: "a tab (U+0009)"),
        Refusal(value: "\u{0}x", character: "\u{0}", position: 1, says: "a control character (U+0000)"),
        Refusal(value: "x\u{7F}", character: "\u{7F}", position: 2, says: "a control character (U+007F)"),
        Refusal(value: "x\u{9B}", character: "\u{9B}", position: 2, says: "a control character (U+009B)"),
        Refusal(value: "x\u{B}y", character: "\u{B}", position: 2, says: "a control character (U+000B)"),
        Refusal(value: "\u{FEFF}高企", character: "\u{FEFF}", position: 1, says: "a byte order mark (U+FEFF)"),
        Refusal(value: "高\u{200B}企", character: "\u{200B}", position: 2, says: "a zero-width space (U+200B)"),
        Refusal(value: "高\u{200D}企", character: "\u{200D}", position: 1, says: "a zero-width joiner (U+200D)"),
        Refusal(
            value: "abc\u{202E}def", character: "\u{202E}", position: 4, says: "an invisible direction mark (U+202E)"),
        Refusal(value: "x\u{FFFF}", character: "\u{FFFF}", position: 2, says: "a noncharacter (U+FFFF)"),
    ]

    @Test("a value with a line break or an invisible character is refused, naming it", arguments: refusals)
    func refused(_ refusal: Refusal) throws {
        let edits: [(IntentEdit, String)] = [
            (.addExample(item: "17.1", text: refusal.value), "the example contains "),
            (.setChecklist(item: "17.1", checklist: ["营业执照", refusal.value]), "checklist entry 2 contains "),
            (.setExamples(item: "17.1", examples: [refusal.value]), "example 1 contains "),
            (.setContact(unit: "区财政局", fields: ["phone": refusal.value]), "the phone of 区财政局 contains "),
        ]
        for (edit, field) in edits {
            let text = edit.item == nil ? Self.contacts : Self.clause
            do {
                _ = try IntentFileEditor.apply(edit, to: text)
                Issue.record("\(edit) was written")
            } catch {
                guard case .refusedCharacter(_, let character, let position, _) = error else {
                    Issue.record("\(edit): \(error)")
                    continue
                }
                #expect(character == refusal.character)
                #expect(position == refusal.position)
                #expect(error.description.hasPrefix(field + refusal.says), "\(error.description)")
            }
        }
    }

    @Test("an item's text may have several lines, but no other line break than \\n")
    func textLineBreaks() throws {
        let edited = try IntentFileEditor.apply(.setText(item: "17.1", text: "第一行\n第二行"), to: Self.clause)
        #expect(edited.contains("    text: |\n      第一行\n      第二行\n    award:"))
        #expect(
            throws: IntentEditError.refusedCharacter(field: "the text", character: "\r", position: 4, multiline: true)
        ) {
            try IntentFileEditor.apply(.setText(item: "17.1", text: "第一行\r\n第二行"), to: Self.clause)
        }
        let error = IntentEditError.refusedCharacter(
            field: "the text", character: "\u{2028}", position: 4, multiline: true)
        #expect(
            error.description
                == "the text contains a line break (U+2028) at character 4; break lines with a plain line feed (\\n) only"
        )
    }

    @Test("an emoji joined with zero-width joiners is one picture, not an invisible character")
    func emoji() throws {
        for value in ["👨‍👩‍👧 家庭", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "👍🏽好", "1️⃣ 第一"] {
            let edited = try IntentFileEditor.apply(.addExample(item: "17.1", text: value), to: Self.clause)
            #expect(try Self.examples("17.1", in: edited).last == value)
        }
    }

    // MARK: - Values that must be quoted

    static let tricky: [String] = [
        "\"引号\"", "'单引号'", "O'Brien", "反斜杠\\n不是换行", "#不是注释", "高企 #不是注释", "键: 值", "结尾冒号:",
        "- 不是列表", "-5", "{不是映射}", "[不是列表]", "&anchor", "*alias", "!tag", "|block", ">folded", "%directive",
        "@at", "`反引号`", " 前有空格", "后有空格 ", "  ", "null", "~", "yes", "No", "on", "true", "0x1F", "1_000", "12:30",
        ".inf", "3.14", "010", "2026-01-01", "<<", "---", "...", "? 问", ": 冒号", ",逗号", "a,b", "全角　空格", "\u{A0}不换行空格",
        "😀", "高企 first time 认定", String(repeating: "规上企业首次认定高企能拿多少", count: 80),
        // A combining mark makes one Character with the indicator before it; YAML still reads the indicator.
        "#\u{301}不是注释", "高企 #\u{301}不是注释", "键: \u{301}值", ",\u{301}逗号", "?\u{301} 问",
    ]

    @Test("a value with YAML's own characters is written so that it reads back the same", arguments: tricky)
    func roundTrip(_ value: String) throws {
        let added = try IntentFileEditor.apply(.addExample(item: "17.1", text: value), to: Self.clause)
        #expect(try Self.examples("17.1", in: added) == ["创新联合体奖多少", "联合体备案了给多少", value])
        let removed = try IntentFileEditor.apply(.removeExample(item: "17.1", text: value), to: added)
        #expect(removed == Self.clause)
        let contact = try IntentFileEditor.apply(.setContact(unit: "区财政局", fields: ["hours": value]), to: Self.contacts)
        let root = try Yams.compose(yaml: contact)
        guard case .sequence(let units)? = root?["units"] else { throw Missing() }
        #expect(units.map { $0["name"]?.string } == ["区工信和科技局", "区财政局", "区科协"])
        #expect(units[1]["hours"]?.string == value)
        let text = try IntentFileEditor.apply(.setText(item: "17.1", text: value), to: Self.clause)
        let item = try Yams.compose(yaml: text)?["items"]?[0]
        #expect(item?["text"]?.string == value)
    }

    struct Missing: Error {}

    // MARK: - The three reported cases

    @Test("a carriage return in an example cannot add a key to the item")
    func carriageReturnInjection() throws {
        let value = "新问法\r    exclusions:\r      - 注入的条件"
        #expect(
            throws: IntentEditError.refusedCharacter(
                field: "the example", character: "\r", position: 4, multiline: false)
        ) {
            try IntentFileEditor.apply(.addExample(item: "17.1", text: value), to: Self.clause)
        }
        #expect(throws: IntentEditError.self) {
            try IntentFileEditor.apply(.setChecklist(item: "17.1", checklist: [value]), to: Self.clause)
        }
    }

    @Test("removing an example removes that example, found by its value, never the line of another")
    func removeByValue() throws {
        // A file someone saved with a U+2028 inside an example: YAML counts one line more than
        // the file's \n do, so every line number after it would point one line off.
        let broken = Self.clause.replacingOccurrences(of: "- 创新联合体奖多少", with: "- 创新联合体\u{2028}        奖多少")
        #expect(throws: IntentEditError.self) {
            try IntentFileEditor.apply(.removeExample(item: "17.1", text: "联合体备案了给多少"), to: broken)
        }
        do {
            _ = try IntentFileEditor.apply(.removeExample(item: "17.1", text: "联合体备案了给多少"), to: broken)
        } catch {
            guard case .unsafe(let why) = error else { throw error }
            #expect(why.contains("line 12 of the file holds a line break (U+2028)"), "\(why)")
        }
        // On a sound file, the example removed is the one named, whatever the other examples hold.
        let added = try IntentFileEditor.apply(.addExample(item: "17.1", text: "联合体备案了给多少 # 不是注释"), to: Self.clause)
        let removed = try IntentFileEditor.apply(.removeExample(item: "17.1", text: "联合体备案了给多少"), to: added)
        #expect(try Self.examples("17.1", in: removed) == ["创新联合体奖多少", "联合体备案了给多少 # 不是注释"])
        #expect(throws: IntentEditError.notFound("example 「联合体备案」 of item 17.1")) {
            try IntentFileEditor.apply(.removeExample(item: "17.1", text: "联合体备案"), to: Self.clause)
        }
    }

    @Test("a U+2028 in a contact phone is refused, and later edits of other units touch only them")
    func contactLineSeparator() throws {
        #expect(throws: IntentEditError.self) {
            try IntentFileEditor.apply(
                .setContact(unit: "区财政局", fields: ["phone": "0477\u{2028}8581234"]), to: Self.contacts)
        }
        let phone = try IntentFileEditor.apply(
            .setContact(unit: "区财政局", fields: ["phone": "0477-8581234"]), to: Self.contacts)
        let science = try IntentFileEditor.apply(.setContact(unit: "区科协", fields: ["hours": "8:30-17:30"]), to: phone)
        let root = try Yams.compose(yaml: science)
        guard case .sequence(let units)? = root?["units"] else { throw Missing() }
        #expect(units.map { $0["name"]?.string } == ["区工信和科技局", "区财政局", "区科协"])
        #expect(units[1]["phone"]?.string == "0477-8581234")
        #expect(units[2]["hours"]?.string == "8:30-17:30")
        // Undone in turn, the file is back byte for byte.
        let back = try IntentFileEditor.apply(.setContact(unit: "区科协", fields: ["hours": ""]), to: science)
        #expect(try IntentFileEditor.apply(.setContact(unit: "区财政局", fields: ["phone": ""]), to: back) == Self.contacts)
    }

    @Test("a text whose lines start with # or are only spaces is replaced whole by the next edit")
    func textWithCommentLikeLines() throws {
        let text = "第一行\n  \n# 末行不是注释"
        let edited = try IntentFileEditor.apply(.setText(item: "17.1", text: text), to: Self.clause)
        let item = try Yams.compose(yaml: edited)?["items"]?[0]
        #expect(item?["text"]?.string == text + "\n")
        let back = try IntentFileEditor.apply(
            .setText(item: "17.1", text: "对新批复备案的自治区创新联合体一次性给予30万元奖补。"), to: edited)
        #expect(back == Self.clause)
    }

    @Test("a list with the same entry twice, or an entry of wide spaces, is still edited line by line")
    func listsEditedLineByLine() throws {
        for value in ["创新联合体奖多少", "\u{3000}", "\u{2003}"] {
            let examples = ["创新联合体奖多少", "联合体备案了给多少", value]
            let edited = try IntentFileEditor.apply(.setExamples(item: "17.1", examples: examples), to: Self.clause)
            #expect(edited.contains("# keep this comment"), "\(examples)")
            #expect(try Self.examples("17.1", in: edited) == examples)
            let back = try IntentFileEditor.apply(
                .setExamples(item: "17.1", examples: ["创新联合体奖多少", "联合体备案了给多少"]), to: edited)
            #expect(back == Self.clause)
        }
    }

    @Test("an unknown contact field is refused by the editor too")
    func unknownContactField() {
        #expect(throws: IntentEditError.invalid("unknown contact field fax; use phone, address, person, hours")) {
            try IntentFileEditor.apply(.setContact(unit: "区财政局", fields: ["fax": "1"]), to: Self.contacts)
        }
    }

    @Test("a file with carriage returns is not edited: its lines cannot be told apart safely")
    func carriageReturnFile() {
        let windows = Self.clause.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(throws: IntentEditError.self) {
            try IntentFileEditor.apply(.addExample(item: "17.1", text: "新问法"), to: windows)
        }
    }
}
