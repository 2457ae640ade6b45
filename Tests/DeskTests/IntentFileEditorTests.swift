import Desk
import Foundation
import Testing
import Yams

@Suite("Editing Intents files keeps every line the edit does not touch")
struct IntentFileEditorTests {
    static let clause = """
        # a comment staff wrote
        clause: 17
        items:
          - id: "17.1"
            title: 创新联合体
            text: 对新批复备案的自治区创新联合体一次性给予30万元奖补。
            award: {shape: fixed, yuan: 300000}
            checklist:                    # 草稿
              - 营业执照
              - 批复备案文件
            examples:
              - 创新联合体奖多少
              # keep this comment
              - 联合体备案了给多少
          - id: "17.2"
            title: other
            text: x
            award: {shape: none}
            examples: [a, b]
        """

    @Test("adding an example inserts one line after the last example, at its indentation")
    func addExample() throws {
        let edited = try IntentFileEditor.apply(.addExample(item: "17.1", text: "新问法: 带冒号"), to: Self.clause)
        let before = Self.clause.components(separatedBy: "\n")
        let after = edited.components(separatedBy: "\n")
        #expect(after.count == before.count + 1)
        #expect(after[14] == "      - \"新问法: 带冒号\"")
        #expect(Array(after[0..<14]) == Array(before[0..<14]))
        #expect(Array(after[15...]) == Array(before[14...]))
    }

    @Test("removing an example deletes its line only; a one-line list is rewritten")
    func removeExample() throws {
        let edited = try IntentFileEditor.apply(.removeExample(item: "17.1", text: "创新联合体奖多少"), to: Self.clause)
        #expect(!edited.contains("创新联合体奖多少"))
        #expect(edited.contains("# keep this comment"))
        let flow = try IntentFileEditor.apply(.removeExample(item: "17.2", text: "a"), to: Self.clause)
        #expect(flow.contains("    examples:\n      - b"))
    }

    @Test("replacing a checklist keeps the comment after the key")
    func checklist() throws {
        let edited = try IntentFileEditor.apply(.setChecklist(item: "17.1", checklist: ["申请表"]), to: Self.clause)
        #expect(edited.contains("    checklist:                    # 草稿\n      - 申请表\n    examples:"))
        #expect(edited.hasPrefix("# a comment staff wrote\n"))
        // Back to what it was, byte for byte, through an empty list and back.
        let emptied = try IntentFileEditor.apply(.setChecklist(item: "17.1", checklist: []), to: edited)
        #expect(emptied.contains("    checklist: []                    # 草稿\n    examples:"))
        let restored = try IntentFileEditor.apply(
            .setChecklist(item: "17.1", checklist: ["营业执照", "批复备案文件"]), to: emptied)
        #expect(restored == Self.clause)
    }

    @Test("setting a list keeps the lines of entries that stay and the comments between them")
    func setExamplesLineByLine() throws {
        let added = try IntentFileEditor.apply(.addExample(item: "17.1", text: "新问法"), to: Self.clause)
        let undone = try IntentFileEditor.apply(
            .setExamples(item: "17.1", examples: ["创新联合体奖多少", "联合体备案了给多少"]), to: added)
        #expect(undone == Self.clause)
        let removed = try IntentFileEditor.apply(.removeExample(item: "17.1", text: "创新联合体奖多少"), to: Self.clause)
        let back = try IntentFileEditor.apply(
            .setExamples(item: "17.1", examples: ["创新联合体奖多少", "联合体备案了给多少"]), to: removed)
        #expect(back == Self.clause)
        let reordered = try IntentFileEditor.apply(
            .setExamples(item: "17.1", examples: ["联合体备案了给多少", "创新联合体奖多少"]), to: Self.clause)
        #expect(
            reordered.contains("    examples:\n      # keep this comment\n      - 联合体备案了给多少\n      - 创新联合体奖多少\n  - id"))
    }

    @Test("a text with several lines becomes a block scalar")
    func text() throws {
        let edited = try IntentFileEditor.apply(.setText(item: "17.1", text: "第一行\n第二行"), to: Self.clause)
        #expect(edited.contains("    text: |\n      第一行\n      第二行\n    award:"))
    }

    @Test("a unit written on one line is rewritten on that line")
    func contact() throws {
        let contacts = "# header\nunits:\n  - {name: 区金融办, phone: \"\", address: \"\"}\n  - {name: 区财政局, phone: \"\"}\n"
        let edited = try IntentFileEditor.apply(
            .setContact(unit: "区金融办", fields: ["phone": "0477-1", "person": "王\"某"]), to: contacts)
        #expect(
            edited
                == "# header\nunits:\n  - {name: 区金融办, phone: \"0477-1\", address: \"\", person: \"王\\\"某\"}\n  - {name: 区财政局, phone: \"\"}\n"
        )
    }

    @Test("a comment after a unit written on one line stays")
    func contactComment() throws {
        let contacts = "units:\n  - {name: 区金融办, phone: \"\", hours: \"{8:30}\"}   # 金融办 }\n"
        let edited = try IntentFileEditor.apply(.setContact(unit: "区金融办", fields: ["phone": "0477-1"]), to: contacts)
        #expect(edited == "units:\n  - {name: 区金融办, phone: \"0477-1\", hours: \"{8:30}\"}   # 金融办 }\n")
    }

    @Test("a unit's other names, a list on its line, stay a list when its phone is set")
    func contactAliases() throws {
        let contacts = "units:\n  - {name: 区发展和改革委员会, phone: \"\", aliases: [发改委, \"发改局\"]}\n"
        let edited = try IntentFileEditor.apply(
            .setContact(unit: "区发展和改革委员会", fields: ["phone": "0477-2"]), to: contacts)
        #expect(edited == "units:\n  - {name: 区发展和改革委员会, phone: \"0477-2\", aliases: [发改委, 发改局]}\n")
    }

    @Test("a unit's other names are set on its line, and none removes the key, so an undo gives the bytes back")
    func aliasesOneLine() throws {
        let contacts = "units:\n  - {name: 区金融办, phone: \"\"}   # 金融\n"
        let set = try IntentFileEditor.apply(.setAliases(unit: "区金融办", aliases: ["金融局", "a, b"]), to: contacts)
        #expect(set == "units:\n  - {name: 区金融办, phone: \"\", aliases: [金融局, \"a, b\"]}   # 金融\n")
        #expect(try IntentFileEditor.apply(.setAliases(unit: "区金融办", aliases: []), to: set) == contacts)
        #expect(throws: IntentEditError.self) {
            try IntentFileEditor.apply(.setAliases(unit: "区金融办", aliases: []), to: contacts)
        }
    }

    @Test("a unit written as a block gets an aliases line at its end, and loses it again for none")
    func aliasesBlock() throws {
        let contacts = "units:\n  - name: 区金融办\n    phone: \"\"\n  - name: 区财政局\n"
        let set = try IntentFileEditor.apply(.setAliases(unit: "区金融办", aliases: ["金融局"]), to: contacts)
        #expect(set == "units:\n  - name: 区金融办\n    phone: \"\"\n    aliases: [金融局]\n  - name: 区财政局\n")
        let changed = try IntentFileEditor.apply(.setAliases(unit: "区金融办", aliases: ["金融局", "金融办公室"]), to: set)
        #expect(
            try Yams.compose(yaml: changed)?["units"]?[0]?["aliases"]?.array().compactMap(\.string) == ["金融局", "金融办公室"])
        #expect(try IntentFileEditor.apply(.setAliases(unit: "区金融办", aliases: []), to: set) == contacts)
    }

    @Test("an unknown item or example is refused, naming it")
    func refusals() {
        #expect(throws: IntentEditError.notFound("item 99.1")) {
            try IntentFileEditor.apply(.addExample(item: "99.1", text: "x"), to: Self.clause)
        }
        #expect(throws: IntentEditError.self) {
            try IntentFileEditor.apply(.addExample(item: "17.1", text: "创新联合体奖多少"), to: Self.clause)
        }
    }
}
