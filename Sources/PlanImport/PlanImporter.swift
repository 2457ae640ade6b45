import Foundation
public import PolicyKit
import TextRules

/// Turns a plan's text into a draft `Intents/` folder: a function of text in, files out, with
/// no file system inside, so that a web upload can call it as the command line does.
public enum PlanImporter {
    /// Something the importer could not read, or read with a doubt, and where.
    public struct Note: Sendable, Equatable, CustomStringConvertible {
        /// The line of the document, from 1.
        public var line: Int
        public var message: String

        public init(line: Int, message: String) {
            self.line = line
            self.message = message
        }

        public var description: String { "line \(line): \(message)" }
    }

    /// What to do beyond reading the text.
    public struct Options: Sendable {
        /// Mark every rule read from a measure `review: true` (the default); off writes them as
        /// if staff had confirmed them as they stand.
        public var markForReview = true
        /// Files to copy into the draft as they are, by path (`lexicon.yaml`, `out_of_scope.yaml`):
        /// what a plan does not say, such as abbreviations and questions to refuse, carries over
        /// from the knowledge base in use.
        public var carryOver: [String: String] = [:]

        public init(markForReview: Bool = true, carryOver: [String: String] = [:]) {
            self.markForReview = markForReview
            self.carryOver = carryOver
        }
    }

    /// The draft knowledge base.
    public struct Draft: Sendable {
        /// File contents by path inside the `Intents/` folder (`clauses/04.yaml`, `policy.yaml`).
        public var files: [String: String]
        /// The same plan as values, for comparison and tests.
        public var policy: Policy
        /// What could not be read, with line numbers.
        public var notes: [Note]
        /// How many numbered measures were found.
        public var measures: Int
        /// Items whose award was read as an amount, share, ceiling, per-unit, yearly or staged rule.
        public var rulesRecognised: Int
        /// Rules written with `review: true`.
        public var rulesToReview: Int

        /// The summary `policydesk import` prints.
        public var summary: [String] {
            [
                "measures found: \(measures)", "items: \(policy.items.count)",
                "rules recognised (an amount, a share, a ceiling …): \(rulesRecognised)",
                "rules needing review (review: true): \(rulesToReview)",
                "notes: \(notes.count)",
            ] + notes.map { "  \($0)" }
        }
    }

    /// Reads `text` into a draft.
    public static func draft(from text: String, options: Options = Options()) throws(PlanImportError) -> Draft {
        guard !text.trimmed.isEmpty else { throw .empty }
        let document = PlanDocument(text: text)
        guard !document.measures.isEmpty else {
            throw .noMeasures(lines: text.split(separator: "\n", omittingEmptySubsequences: false).count)
        }
        var notes = document.notes
        var builder = ClauseBuilder()
        var clauses: [Clause] = []
        clauses.append(builder.opening(document))
        for measure in document.measures {
            clauses.append(builder.measure(measure, notes: &notes))
        }
        // The short words of each clause that few others use: what a question names a measure by.
        let texts = clauses.map { $0.title + "。" + $0.text }
        for k in clauses.indices {
            let own = ClauseBuilder.distinctiveWords(texts[k]).filter { word in
                texts.filter { $0.contains(word) }.count <= 2
            }
            clauses[k].keywords += own.filter { !clauses[k].keywords.contains($0) }
        }
        // A word named by three measures or more points at none of them.
        var clauseCount: [String: Int] = [:]
        for clause in clauses { for word in Set(clause.keywords) { clauseCount[word, default: 0] += 1 } }
        for k in clauses.indices { clauses[k].keywords.removeAll { clauseCount[$0, default: 0] >= 3 } }
        if !document.closing.isEmpty {
            clauses.append(builder.closing(document, number: (document.measures.map(\.number).max() ?? 0) + 1))
        }
        if document.measures.count != 30 {
            notes.append(
                Note(
                    line: document.measures[0].line,
                    message:
                        "\(document.measures.count) measures; the loader expects 30 (clauses 0 to 31), so lint will list the missing or extra clause numbers"
                ))
        }
        var sections: [Int: String] = [:]
        for (i, title) in document.sections.enumerated() { sections[i + 1] = title }
        let policy = Policy(
            title: document.title, sections: sections, clauses: clauses, checklistNote: "以牵头单位通知为准",
            notes: DraftWriter.generalNotes(document))
        let writer = DraftWriter(markForReview: options.markForReview)
        var files = writer.files(policy: policy, document: document)
        for (path, content) in options.carryOver { files[path] = content }
        let measureNumbers = Set(document.measures.map(\.number))
        let measureItems = policy.clauses.filter { measureNumbers.contains($0.number) }.flatMap(\.items)
        let recognised = measureItems.filter {
            switch $0.award {
            case .none, .unspecified: false
            default: true
            }
        }.count
        return Draft(
            files: files, policy: policy, notes: notes.sorted { $0.line < $1.line }, measures: document.measures.count,
            rulesRecognised: recognised, rulesToReview: options.markForReview ? measureItems.count : 0)
    }
}

/// Builds the clauses and their items from the document's parts.
struct ClauseBuilder {
    private var examplesUsed = Set<String>()

    /// Clause 0: the preamble and the parts before the measures (总体要求), one item per sub-part.
    mutating func opening(_ document: PlanDocument) -> Clause {
        var (textLines, items) = textItems(document.opening, clause: 0)
        textLines = document.preamble.map(\.text) + textLines
        if items.isEmpty {
            items.append(plainItem(clause: 0, index: 1, title: "总体要求", text: textLines.joined(separator: "\n")))
        }
        let title = document.opening.map(\.title).joined(separator: "、")
        return Clause(
            number: 0, section: nil, title: title.isEmpty ? "总体要求" : title, leader: nil, leadUnit: nil, units: [],
            text: textLines.joined(separator: "\n"),
            keywords: document.opening.flatMap { [$0.title] + $0.subParts.map(\.title) },
            items: items)
    }

    /// The clause after the measures: 保障措施 and 其他事项, one item per sub-part or part.
    mutating func closing(_ document: PlanDocument, number: Int) -> Clause {
        let (textLines, items) = textItems(document.closing, clause: number)
        return Clause(
            number: number, section: nil, title: document.closing.map(\.title).joined(separator: "与"), leader: nil,
            leadUnit: nil, units: [], text: textLines.joined(separator: "\n"),
            keywords: document.closing.flatMap { [$0.title] + $0.subParts.map(\.title) }, items: items)
    }

    /// The lines of parts that hold no measure, headings included, and a task item for each
    /// part's own text and for each sub-part.
    private mutating func textItems(_ parts: [PlanDocument.Part], clause: Int) -> (lines: [String], items: [Item]) {
        var textLines: [String] = []
        var items: [Item] = []
        let pieces = parts.flatMap { part in
            [(part.heading, part.title, part.lines)] + part.subParts.map { ($0.heading, $0.title, $0.lines) }
        }
        for (heading, title, lines) in pieces {
            textLines.append(heading.text)
            textLines += lines.map(\.text)
            guard !lines.isEmpty else { continue }
            items.append(
                plainItem(
                    clause: clause, index: items.count + 1, title: title,
                    text: lines.map(\.text).joined(separator: "\n")))
        }
        return (textLines, items)
    }

    private mutating func plainItem(clause: Int, index: Int, title: String, text: String) -> Item {
        Item(
            id: "\(clause).\(index)", clause: clause, title: title, text: text, award: .none,
            examples: examples(title: title, pays: false))
    }

    /// One measure: each sentence that pays becomes an item; the sentences around that pay
    /// nothing become a task item of their own, or a condition of the awards when they say who
    /// may enjoy them (「不同级别研发平台可同时享受」).
    mutating func measure(_ m: PlanDocument.Measure, notes: inout [PlanImporter.Note]) -> Clause {
        let sentences = Self.sentences(m.text)
        var items: [Item] = []
        var pending: [String] = []
        func flushPending() {
            guard !pending.isEmpty else { return }
            let text = pending.joined()
            pending = []
            let title = items.isEmpty && sentences.count == 1 ? m.title : Self.taskTitle(text, fallback: m.title)
            items.append(Item(id: "", clause: m.number, title: title, text: text, award: .none))
        }
        var hasAward = false
        for sentence in sentences {
            let readings = RuleReader.read(sentence, fallbackTitle: m.title)
            if readings.isEmpty {
                if hasAward, sentence.contains("享受") {
                    let words = String(sentence.dropLast(sentence.hasSuffix("。") ? 1 : 0))
                    for k in items.indices where items[k].award != .none { items[k].conditions.append(words) }
                } else {
                    pending.append(sentence)
                }
                continue
            }
            flushPending()
            hasAward = true
            for reading in readings {
                for doubt in reading.doubts {
                    notes.append(
                        .init(line: m.line, message: "measure \(m.number) 「\(sentence.prefix(24))…」: \(doubt)"))
                }
                items.append(
                    Item(
                        id: "", clause: m.number, title: reading.title, text: sentence, award: reading.award,
                        requires: reading.requires, conditions: reading.conditions, checks: reading.checks))
            }
        }
        flushPending()
        if !hasAward, items.count > 1 {
            items = [Item(id: "", clause: m.number, title: m.title, text: m.text, award: .none)]
        }
        // Titles must tell the items of one clause apart: the examples are built from them.
        var seenTitles: [String: Int] = [:]
        for k in items.indices {
            items[k].id = "\(m.number).\(k + 1)"
            let count = seenTitles[items[k].title, default: 0]
            seenTitles[items[k].title] = count + 1
            if count > 0 { items[k].title += "（\(count + 1)）" }
            let pays = items[k].award != .none
            items[k].examples = examples(title: items[k].title, pays: pays, clauseTitle: m.title)
            items[k].checklist = Self.checklist(items[k])
        }
        return Clause(
            number: m.number, section: m.section, title: m.title, leader: m.leader, leadUnit: m.leadUnit,
            units: m.units,
            text: m.text, keywords: Self.keywords(m), items: items)
    }

    /// The sentences of a text, each with its 。.
    static func sentences(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        for c in text {
            current.append(c)
            if c == "。" {
                result.append(current.trimmed)
                current = ""
            }
        }
        if !current.trimmed.isEmpty { result.append(current.trimmed) }
        return result.filter { !$0.isEmpty }
    }

    /// A task's title: its first phrase, short.
    static func taskTitle(_ text: String, fallback: String) -> String {
        let first = String(text.prefix { !"，,。；".contains($0) })
        guard first.count >= 4 else { return fallback }
        return first.count <= 16 ? first : String(first.prefix(16))
    }

    /// Example questions from a title: how an enterprise asks about an award or a task.
    private mutating func examples(title: String, pays: Bool, clauseTitle: String? = nil) -> [String] {
        let short = Self.shortForm(title)
        var candidates: [String]
        if pays {
            candidates = [
                "\(title)能拿多少钱", "\(short)有什么奖补", "\(short)奖补标准是多少", "\(short)区里给多少",
                "请问\(title)可以享受什么政策？", "\(short)奖补找哪个部门", "\(short)奖补需要准备什么材料",
                "\(short)奖补有什么条件", "\(short)怎么申请奖补",
            ]
        } else {
            candidates = [
                "\(title)是怎么规定的", "\(short)具体有哪些内容", "\(short)由哪个部门负责", "\(short)找哪个单位",
                "请问方案中\(title)是怎么说的？", "\(short)有什么要求", "\(short)是什么意思", "方案里关于\(short)是怎么写的",
            ]
        }
        if let clauseTitle, clauseTitle != title { candidates.append("\(clauseTitle)这一条讲的是什么") }
        var result: [String] = []
        for c in candidates where examplesUsed.insert(c).inserted { result.append(c) }
        return result
    }

    /// 「当年获批建设的自治区级重点实验室」 → 自治区级重点实验室: what people call the thing.
    static func shortForm(_ title: String) -> String {
        guard let r = title.range(of: "的", options: .backwards) else { return title }
        let rest = String(title[r.upperBound...])
        return rest.count >= 3 ? rest : title
    }

    /// The documents an application usually needs; drafts, 以牵头单位通知为准.
    static func checklist(_ item: Item) -> [String] {
        switch item.award {
        case .none: return []
        default: break
        }
        var list = ["奖补申请表", "营业执照（副本复印件）", "\(shortForm(item.title))相关认定、批复或证明文件"]
        let bases = item.award.facts
        if bases.contains(.cityAmount) { list.append("鄂尔多斯市补助文件及资金拨付凭证") }
        if bases.contains(.regionAmount) { list.append("自治区补助文件及资金拨付凭证") }
        if bases.contains(.superiorAmount) { list.append("上级（自治区或鄂尔多斯市）支持文件及资金拨付凭证") }
        list.append("企业银行账户信息")
        return list
    }

    /// Words the text sets apart: what stands between punctuation, particles (的, 和, 对 …) and the
    /// plan's common words (给予, 按照, 奖补, 企业, 科技 …), two to six characters long. Many are
    /// names of things (信贷, 种子期, 担保费用, 容错机制); the caller keeps those that few clauses use.
    static func distinctiveWords(_ text: String) -> [String] {
        var t = text
        for word in commonWords { t = t.replacingOccurrences(of: word, with: "|") }
        let separators: Set<Character> = Set("的、，。对在按给予和及或与等为以其将向由到并了是“”（）：；,.%\n ")
        var words: [String] = []
        var seen = Set<String>()
        for chunk in t.split(whereSeparator: { separators.contains($0) || $0 == "|" || $0.isNumber || $0.isWhitespace })
        {
            let word = String(chunk)
            if (2...6).contains(word.count), seen.insert(word).inserted { words.append(word) }
        }
        return words
    }

    /// Words every plan of this kind uses everywhere: verbs of support, kinds of money, levels.
    static let commonWords = [
        "给予", "按照", "对于", "经过", "获得", "支持", "鼓励", "通过", "进行", "开展", "加强", "推动", "建立", "建设",
        "实施", "围绕", "不超过", "最高", "每家", "以上", "以下", "一次性", "奖补", "补贴", "补助", "额度", "相关",
        "自治区", "国家", "企业", "当年", "新认定", "首次", "认定", "备案", "配套", "标准", "一批", "进一步", "提升",
        "推进", "加快", "完善", "健全", "强化", "创新", "科技", "发展", "产业", "实际", "其他", "方式", "单位", "项目",
    ]

    /// Words that point at a measure: quoted names (「揭榜挂帅」) and the nouns its text names
    /// with the endings plans give things (实验室, 孵化器, 专利, 人才 …).
    static func keywords(_ m: PlanDocument.Measure) -> [String] {
        var words: [String] = []
        let text = m.title + "。" + m.text
        // Quoted: “揭榜挂帅”.
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "“"), let close = rest[open...].firstIndex(of: "”") {
            let word = String(rest[rest.index(after: open)..<close])
            if (2...10).contains(word.count) { words.append(word) }
            rest = rest[rest.index(after: close)...]
        }
        let endings = [
            "实验室", "中心", "研究站", "孵化器", "加速器", "众创空间", "平台", "专利", "人才", "团队", "机构", "联合体",
            "企业", "奖", "专项", "项目", "贷款", "保险", "投资", "上市", "挂牌", "清单", "特派员", "办法", "机制", "基地", "示范区",
            "研究生院", "孵化园", "产业园", "法庭",
        ]
        let stops: Set<Character> = [
            "的", "、", "，", "。", "和", "及", "或", "与", "对", "在", "给", "予", "按", "照", "级", "（", "）", "“", "”", "：", "；",
            "为", "等", "向", "将", "其", "到", "由", "以",
        ]
        let chars = Array(text)
        for ending in endings {
            var search = text[...]
            while let r = search.range(of: ending) {
                let endOffset = text.distance(from: text.startIndex, to: r.upperBound)
                let startOffset = text.distance(from: text.startIndex, to: r.lowerBound)
                // Back to the word's start: a stop character, within eight characters, or no word.
                var s = startOffset
                while s > 0, startOffset - s < 8, !stops.contains(chars[s - 1]) { s -= 1 }
                let word = String(chars[s..<endOffset])
                let whole = s == 0 || stops.contains(chars[s - 1])
                if whole, word.count >= 4, word.count <= 10, !word.contains(where: { $0.isNumber }),
                    !word.contains("万元")
                {
                    words.append(word)
                }
                search = search[r.upperBound...]
            }
        }
        var seen = Set<String>()
        return words.filter { seen.insert($0).inserted }
    }
}
