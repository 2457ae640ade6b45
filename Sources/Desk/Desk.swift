public import Foundation
import Matching
import Mustache
import PolicyKit
import TextRules

/// How a reply is written: plain text (WeCom, the CLI) or Markdown (DingTalk, Feishu).
public enum ReplyFlavour: String, Sendable {
    case plain = "txt"
    case markdown = "md"
}

/// One turn of a conversation: the answer, and the conversation state to keep (nil: forget it).
public struct Exchange: Sendable {
    public var answer: Answer
    public var conversation: Conversation?
}

/// Answers questions. Pure: no I/O, no clock of its own; the caller passes the time and the
/// conversation so far, and stores what comes back.
public struct Desk: Sendable {
    /// What the desk knows.
    public let knowledge: KnowledgeBase
    /// How long a question asked back stays open.
    public var conversationLifetime: TimeInterval = 30 * 60
    /// The numbers that decide what kind of reply a question gets, in one place.
    public var thresholds = AnswerThresholds()
    /// Whether replies are kept for reuse (see `ReplyKey`); off only to measure rendering.
    public var cachesReplies = true
    /// Whether readings of questions are kept for reuse (see `Reading`); off only to
    /// measure matching.
    public var cachesReadings = true

    public init(knowledge: KnowledgeBase) {
        self.knowledge = knowledge
    }

    /// Normalizes, extracts and ranks `text`, or recalls how it was read before. Long texts
    /// rarely repeat word for word; keeping them would only push out the ones that do.
    private func read(_ text: String) -> Reading {
        let read = {
            let scalars = knowledge.normalizer.normalizedScalars(text)
            let normalized = Normalizer.string(scalars)
            let extraction = knowledge.factExtractor.extract(scalars: scalars)
            return Reading(
                normalized: normalized, extraction: extraction,
                ranking: knowledge.matcher.rank(scalars: scalars, extraction: extraction),
                smalltalk: scalars.count <= thresholds.smalltalkLength ? smalltalkKind(normalized) : nil,
                unitQuestion: knowledge.units.read(scalars))
        }
        let cached = cachesReadings && text.utf8.count <= 600
        return cached ? knowledge.readings.value(for: text, make: read) : read()
    }

    /// The longest question read, in Unicode scalars. Nobody types more into a chat; the rest of a
    /// longer text is not read (the reply says so), which bounds the work any message can cause.
    public static let maxQuestionLength = 2000

    /// What a reply to a longer question starts with.
    public static let cutNotice = "（您的消息超过\(maxQuestionLength)字，我只读了前\(maxQuestionLength)字。）"

    /// `question` cut to ``maxQuestionLength`` scalars, and whether it was cut.
    public static func bounded(_ question: String) -> (text: String, cut: Bool) {
        var scalars = question.unicodeScalars.makeIterator()
        var kept = String.UnicodeScalarView()
        while kept.count < maxQuestionLength, let scalar = scalars.next() { kept.append(scalar) }
        return scalars.next() == nil ? (question, false) : (String(kept), true)
    }

    /// Answers one message.
    public func answer(
        _ question: String, conversation: Conversation? = nil, now: Date = Date(), flavour: ReplyFlavour = .plain
    ) -> Exchange {
        let (bounded, cut) = Self.bounded(question)
        var exchange = answerBounded(bounded, conversation: conversation, now: now, flavour: flavour)
        if cut { exchange.answer.reply = Self.cutNotice + "\n" + exchange.answer.reply }
        if knowledge.isDraft {
            exchange.answer.draft = true
            exchange.answer.reply = KnowledgeBase.draftNotice + "\n" + exchange.answer.reply
        }
        return exchange
    }

    private func answerBounded(
        _ question: String, conversation: Conversation?, now: Date, flavour: ReplyFlavour
    ) -> Exchange {
        let text = question.trimmed
        guard !text.isEmpty else {
            return Exchange(
                answer: refusal(flavour: flavour, kind: .empty, confidence: 0, alternatives: []),
                conversation: conversation)
        }
        let reading = read(text)
        let (extraction, ranking) = (reading.extraction, reading.ranking)
        let live = conversation.flatMap { $0.expiresAt > now ? $0 : nil }

        if let live, let pending = live.pending,
            let exchange = continueConversation(
                live, pending: pending, normalized: reading.normalized, extraction: extraction, ranking: ranking,
                now: now, flavour: flavour)
        {
            return exchange
        }

        if let small = reading.smalltalk,
            small.exact || ranking.candidates.first.map({ $0.score < thresholds.smalltalkOverScore }) ?? true
        {
            return Exchange(answer: smalltalk(kind: small.kind, flavour: flavour), conversation: nil)
        }
        // 「工信局电话多少」「发改委负责哪些政策」: a unit is named and asked about, and no measure is
        // (「高企奖励找工信局哪个电话」 names one, and its answer carries the lead unit's contact).
        if let asked = reading.unitQuestion, !ranking.namesMeasure || ranking.isOutOfScope {
            return Exchange(answer: unitAnswer(asked, flavour: flavour), conversation: nil)
        }
        let alternatives = ranking.candidates.dropFirst().prefix(3).map {
            Answer.Alternative(clause: $0.clause, item: $0.itemID, confidence: Double(max(0, min(1, $0.score))))
        }
        guard !ranking.isOutOfScope, let best = ranking.candidates.first, let item = knowledge.policy.item(best.itemID)
        else {
            return Exchange(
                answer: refusal(
                    flavour: flavour, kind: .refusal, confidence: ranking.confidence, alternatives: Array(alternatives)),
                conversation: nil)
        }

        // A granted amount with no measure named (「市里补了300万，区里配多少」): several measures
        // match a city's grant, so the desk asks which rather than guess. A question that states no
        // grant (「高新区和东胜区能重复拿奖吗」) is not asked about grants.
        if !ranking.namesMeasure, extraction.money.contains(where: { $0.role?.isGrantAmount ?? true }) {
            var seen = Set<Int>()
            let options = ranking.candidates.compactMap { c -> Item? in
                guard seen.insert(c.clause).inserted, let i = knowledge.policy.item(c.itemID), Self.readsGrant(i) else {
                    return nil
                }
                return i
            }.prefix(3)
            if options.count >= 2 {
                return clarify(
                    Array(options), extraction: extraction, text: text, ranking: ranking,
                    alternatives: Array(alternatives), now: now, flavour: flavour)
            }
        }
        // A clause named only as a whole (「研发平台，市里补了300万」) whose items pay differently
        // for the facts given: which item is meant decides the amount, so the desk asks.
        if ranking.namedOnlyAsAWhole.contains(best.clause),
            !ranking.namedItems.contains(where: { knowledge.policy.item($0)?.clause == best.clause }),
            let clause = knowledge.policy.clause(best.clause)
        {
            let paying = clause.items.filter {
                Self.readsStatedFacts($0, extraction) && Self.pays($0, extraction) != nil
            }
            if Set(paying.compactMap { Self.pays($0, extraction) }).count >= 2 {
                return clarify(
                    Array(paying.prefix(4)), extraction: extraction, text: text, ranking: ranking,
                    alternatives: Array(alternatives), now: now, flavour: flavour)
            }
        }
        // Two items of one clause that pay differently and that the question tells apart by none
        // of their terms (「专项，市里补了300万」: 战新专项 100% or 市科技重大专项 5%?).
        if let second = ranking.candidates.dropFirst().first(where: { $0.clause == best.clause }),
            best.score - second.score < thresholds.siblingClarifyMargin,
            !ranking.namedItems.contains(where: { id in id == best.itemID || id == second.itemID }),
            let other = knowledge.policy.item(second.itemID),
            Self.paysDifferently(item, other, extraction),
            // A stated fact only the best one reads (迁入当年销售收入) has told them apart.
            Self.readsStatedFacts(other, extraction) || !Self.readsStatedFacts(item, extraction)
        {
            return clarify(
                [item, other], extraction: extraction, text: text, ranking: ranking, alternatives: Array(alternatives),
                now: now, flavour: flavour)
        }

        if let second = ranking.candidates.dropFirst().first, second.clause != best.clause,
            ranking.confidence < thresholds.clarifyBelow, best.score - second.score < thresholds.clarifyMargin,
            let other = knowledge.policy.item(second.itemID)
        {
            let answer = clarification(
                options: [item, other], confidence: ranking.confidence, flavour: flavour,
                alternatives: Array(alternatives))
            let state = Conversation(
                pending: .choice(items: [item.id, other.id]), facts: Conversation.encode(extraction.facts),
                question: text, expiresAt: now.addingTimeInterval(conversationLifetime))
            return Exchange(answer: answer, conversation: state)
        }

        var facts = extraction.facts(for: item.award)
        var combined: Item?
        if let second = ranking.candidates.dropFirst().first, second.clause == best.clause,
            (extraction.asksForTotal && second.score >= best.score * thresholds.combineRunnerUpRatio)
                || (extraction.speaksOfTwo && ranking.namedItems.contains(best.itemID)
                    && ranking.namedItems.contains(second.itemID)),
            let other = knowledge.policy.item(second.itemID)
        {
            combined = other
            facts = facts.merging(extraction.facts(for: other.award))
        }
        return respond(
            item: item, also: combined, facts: facts, extraction: extraction, question: text,
            normalized: reading.normalized, confidence: ranking.confidence, alternatives: Array(alternatives),
            now: now, flavour: flavour)
    }

    /// What an item pays for the question's facts, exactly or at most.
    static func pays(_ item: Item, _ extraction: Extraction) -> Int64? {
        let calculation = Calculator.evaluate(item, facts: extraction.facts(for: item.award))
        return calculation?.yuan ?? calculation?.maxYuan
    }

    /// Whether two items pay differently for the question's facts; when neither amount can be
    /// worked out yet, whether their rules differ (20万 once 迁入 against 20万/10万 by scale).
    static func paysDifferently(_ item: Item, _ other: Item, _ extraction: Extraction) -> Bool {
        let exact = { (i: Item) in Calculator.evaluate(i, facts: extraction.facts(for: i.award))?.yuan }
        if let a = exact(item), let b = exact(other) { return a != b }
        return pays(item, extraction) != pays(other, extraction) || item.award != other.award
            || item.requires != other.requires
    }

    /// Whether an item's rule reads a fact the question states: the question's facts fit it.
    static func readsStatedFacts(_ item: Item, _ extraction: Extraction) -> Bool {
        let reads = Set(item.award.facts + item.requires.map(\.fact))
        if !reads.isDisjoint(with: extraction.facts.values.keys) { return true }
        return extraction.money.contains { money in
            guard let role = money.role else { return !reads.isEmpty }
            return reads.contains(role) || (role.isGrantAmount && readsGrant(item))
        }
    }

    /// Whether an item's rule reads a granted amount (区里配套 of a city's or region's grant).
    static func readsGrant(_ item: Item) -> Bool {
        item.award.facts.contains { $0.isGrantAmount }
    }

    private func clarify(
        _ options: [Item], extraction: Extraction, text: String, ranking: Ranking, alternatives: [Answer.Alternative],
        now: Date, flavour: ReplyFlavour
    ) -> Exchange {
        let answer = clarification(
            options: options, confidence: ranking.confidence, flavour: flavour, alternatives: alternatives)
        let state = Conversation(
            pending: .choice(items: options.map(\.id)), facts: Conversation.encode(extraction.facts),
            question: text, expiresAt: now.addingTimeInterval(conversationLifetime))
        return Exchange(answer: answer, conversation: state)
    }

    // MARK: - Conversation

    private func continueConversation(
        _ conversation: Conversation, pending: Conversation.Pending, normalized: String, extraction: Extraction,
        ranking: Ranking, now: Date, flavour: ReplyFlavour
    ) -> Exchange? {
        let stored = conversation.knownFacts
        switch pending {
        case .choice(let items):
            guard let chosen = pick(normalized, among: items, ranking: ranking),
                let item = knowledge.policy.item(chosen)
            else {
                return nil
            }
            let original = knowledge.factExtractor.extract(knowledge.normalizer.normalize(conversation.question))
            let facts = original.facts(for: item.award).merging(stored).merging(extraction.facts(for: item.award))
            return respond(
                item: item, also: nil, facts: facts, extraction: extraction, question: conversation.question,
                normalized: knowledge.normalizer.normalize(conversation.question) + " " + normalized,
                confidence: thresholds.followUpConfidence, alternatives: [], now: now, flavour: flavour)
        case .facts(let itemID, let awaiting):
            guard let item = knowledge.policy.item(itemID) else { return nil }
            let fresh = extraction.facts(for: item.award)
            let filled = awaiting.contains { name in FactName(rawValue: name).map { fresh[$0] != nil } ?? false }
            let staysOnTopic =
                ranking.candidates.first?.itemID == itemID || normalized.count <= thresholds.followUpLength
            guard filled, staysOnTopic else { return nil }
            return respond(
                item: item, also: nil, facts: stored.merging(fresh), extraction: extraction,
                question: conversation.question,
                normalized: knowledge.normalizer.normalize(conversation.question) + " " + normalized,
                confidence: thresholds.followUpConfidence, alternatives: [], now: now, flavour: flavour)
        }
    }

    /// Which of the offered items the reply picks: by number (「1」「第二个」) or by name.
    private func pick(_ normalized: String, among items: [String], ranking: Ranking) -> String? {
        let trimmed = normalized.trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters))
        let ordinals: [(Set<String>, Int)] = [
            (["1", "一", "第一", "第一个", "第1个", "前者", "第一项", "a"], 0),
            (["2", "二", "第二", "第二个", "第2个", "后者", "第二项", "b"], 1),
            (["3", "三", "第三", "第三个", "第3个", "第三项", "c"], 2),
        ]
        for (words, index) in ordinals where words.contains(trimmed) && index < items.count {
            return items[index]
        }
        for candidate in ranking.candidates where items.contains(candidate.itemID) {
            return candidate.itemID
        }
        for id in items {
            if let item = knowledge.policy.item(id), normalized.contains(knowledge.normalizer.normalize(item.title)) {
                return id
            }
        }
        return nil
    }

    /// The kind of small talk a short message is, and whether it is exactly a known phrase
    /// (「在吗」) rather than only starting with one (「你好，请问高企…」).
    private func smalltalkKind(_ normalized: String) -> Reading.Smalltalk? {
        let stripped = KnowledgeBase.stripped(normalized)
        guard stripped.unicodeScalars.count <= thresholds.smalltalkPhraseLength, !stripped.isEmpty else { return nil }
        var prefixKind: String?
        for (kind, phrases) in knowledge.smalltalk.sorted(by: { $0.key < $1.key }) {
            if phrases.contains(stripped) { return Reading.Smalltalk(kind: kind, exact: true) }
            if prefixKind == nil, phrases.contains(where: { stripped.hasPrefix($0) }) { prefixKind = kind }
        }
        return prefixKind.map { Reading.Smalltalk(kind: $0, exact: false) }
    }

    // MARK: - Replies

    private func respond(
        item: Item, also: Item?, facts: Facts, extraction: Extraction, question: String, normalized: String,
        confidence: Double, alternatives: [Answer.Alternative], now: Date, flavour: ReplyFlavour
    ) -> Exchange {
        guard let clause = knowledge.policy.clause(item.clause) else {
            return Exchange(
                answer: refusal(flavour: flavour, kind: .refusal, confidence: 0, alternatives: []), conversation: nil)
        }
        // What the question says of the item's conditions in words is read here; whether that
        // makes the award 0 is the calculator's decision.
        let scalars = normalized.unicodeScalars.map(\.value)
        var facts = facts
        facts.conditions = knowledge.conditionReader.read(itemID: item.id, scalars: scalars)
        var calculation = Calculator.evaluate(item, facts: facts)
        var title = item.title
        if let also, let first = calculation, first.disqualification == nil {
            var alsoFacts = facts
            alsoFacts.conditions = knowledge.conditionReader.read(itemID: also.id, scalars: scalars)
            if let second = Calculator.evaluate(also, facts: alsoFacts), second.disqualification == nil {
                let both = "\(item.title)：\(first.formula)；\(also.title)：\(second.formula)"
                if let a = first.yuan, let b = second.yuan, let sum = Checked.add(a, b) {
                    calculation = Calculation(yuan: sum, formula: "\(both)；合计 \(Money.words(sum))")
                    title = "\(item.title)、\(also.title)"
                } else if let a = first.yuan ?? first.maxYuan, let b = second.yuan ?? second.maxYuan,
                    let sum = Checked.add(a, b)
                {
                    // Two awards of which one or both state only a ceiling: together at most their sum.
                    calculation = Calculation(yuan: nil, maxYuan: sum, formula: "\(both)；合计最高 \(Money.words(sum))")
                    title = "\(item.title)、\(also.title)"
                }
            }
        }
        if var c = calculation, c.yuan.map({ $0 > 0 }) ?? false, c.disqualification == nil,
            Self.readsRoughFigure(item: item, extraction: extraction)
        {
            c.approximate = true
            calculation = c
        }
        let needs = calculation?.needs ?? []
        let reply = reply(.answer(item: item.id, title: title, calculation: calculation, flavour: flavour))
        let amount = calculation.map {
            var amount = Answer.Amount(
                yuan: $0.yuan, maxYuan: $0.yuan == nil ? $0.maxYuan : nil, perYear: $0.perYear, formula: $0.formula)
            amount.approximate = $0.approximate
            amount.brokenCondition = $0.brokenCondition
            return amount
        }
        let answer = Answer(
            matched: true, clause: clause.number, item: item.id, title: title, confidence: confidence, amount: amount,
            needs: needs.map(\.rawValue), leader: clause.leader, leadUnit: clause.leadUnit, units: clause.units,
            checklist: item.checklist, reply: reply, alternatives: alternatives, kind: .answer)
        let state: Conversation? =
            needs.isEmpty
            ? nil
            : Conversation(
                pending: .facts(item: item.id, awaiting: needs.map(\.rawValue)), facts: Conversation.encode(facts),
                question: question, expiresAt: now.addingTimeInterval(conversationLifetime))
        return Exchange(answer: answer, conversation: state)
    }

    /// Whether the amount rests on a figure the question gives only roughly: an amount the rule
    /// reads is approximate (「市里补了80多万」).
    static func readsRoughFigure(item: Item, extraction: Extraction) -> Bool {
        guard extraction.money.contains(where: \.approximate) else { return false }
        switch item.award {
        case .percent, .perYear: return true
        default: return false
        }
    }

    private func clarification(
        options: [Item], confidence: Double, flavour: ReplyFlavour, alternatives: [Answer.Alternative]
    ) -> Answer {
        let reply = reply(.clarification(items: options.map(\.id), flavour: flavour))
        let best = options[0]
        let clause = knowledge.policy.clause(best.clause)
        return Answer(
            matched: true, clause: best.clause, item: best.id, title: best.title, confidence: confidence, amount: nil,
            needs: [], leader: clause?.leader, leadUnit: clause?.leadUnit, units: clause?.units ?? [], checklist: [],
            reply: reply, alternatives: alternatives, kind: .clarification)
    }

    private func refusal(
        flavour: ReplyFlavour, kind: Answer.Kind, confidence: Double, alternatives: [Answer.Alternative]
    ) -> Answer {
        let reply = reply(.refusal(flavour: flavour))
        return Answer(
            matched: false, clause: nil, item: nil, title: nil, confidence: confidence, amount: nil, needs: [],
            leader: nil, leadUnit: nil, units: [], checklist: [], reply: reply, alternatives: alternatives, kind: kind)
    }

    private func smalltalk(kind: String, flavour: ReplyFlavour) -> Answer {
        let reply = reply(.smalltalk(kind: kind, flavour: flavour))
        return Answer(
            matched: false, clause: nil, item: nil, title: nil, confidence: 1, amount: nil, needs: [], leader: nil,
            leadUnit: nil, units: [], checklist: [], reply: reply, alternatives: [], kind: .smalltalk)
    }

    private func unitAnswer(_ asked: UnitQuestion, flavour: ReplyFlavour) -> Answer {
        let reply = reply(.unit(asked, flavour: flavour))
        return Answer(
            matched: true, clause: nil, item: nil, title: nil, confidence: 1, amount: nil, needs: [], leader: nil,
            leadUnit: asked.units.first, units: Array(asked.units.dropFirst()), checklist: [], reply: reply,
            alternatives: [], kind: .unit)
    }

    /// The reply for `key`, rendered the first time in this snapshot.
    private func reply(_ key: ReplyKey) -> String {
        cachesReplies ? knowledge.replies.value(for: key) { render(key) } : render(key)
    }

    /// Renders a reply from its key and the knowledge base alone: what a template can read is
    /// exactly what the key holds, so the cache can never serve one question's reply to another
    /// that differs in something the template shows.
    private func render(_ key: ReplyKey) -> String {
        let policy = knowledge.policy
        switch key {
        case .answer(let itemID, let title, let calculation, let flavour):
            guard let item = policy.item(itemID), let clause = policy.clause(item.clause) else { return "" }
            var context = ReplyContext.item(item: item, clause: clause, policy: policy, contacts: knowledge.contacts)
            context["title"] = title
            context.merge(ReplyContext.amount(award: item.award, calculation: calculation)) { _, new in new }
            return render("answer", flavour: flavour, context: context)
        case .clarification(let itemIDs, let flavour):
            let list = itemIDs.compactMap(policy.item).enumerated().map { i, item in
                ["number": "\(i + 1)", "title": item.title, "clause": ReplyContext.clauseLabel(item.clause)]
            }
            return render("clarify", flavour: flavour, context: ["options": list])
        case .refusal(let flavour):
            return render("refusal", flavour: flavour, context: ReplyContext.capabilities(policy: policy))
        case .smalltalk(let kind, let flavour):
            var context = ReplyContext.capabilities(policy: policy)
            context[kind] = true
            return render("smalltalk", flavour: flavour, context: context)
        case .unit(let asked, let flavour):
            let context = ReplyContext.units(
                asked.units, asksDuties: asked.asksDuties, duties: knowledge.units.duties, policy: policy,
                contacts: knowledge.contacts)
            return render("unit", flavour: flavour, context: context)
        }
    }

    private func render(_ name: String, flavour: ReplyFlavour, context: [String: Any]) -> String {
        let text = knowledge.templates.render(context, withTemplate: "\(name).\(flavour.rawValue)") ?? ""
        return Self.tidy(text, keepBlankLines: flavour == .markdown)
    }

    /// Removes the blank lines that empty template sections leave behind; Markdown keeps one
    /// between paragraphs, since there a blank line means something.
    static func tidy(_ text: String, keepBlankLines: Bool) -> String {
        var lines: [Substring] = []
        var blank = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let isBlank = line.allSatisfy { $0 == " " }
            if isBlank && (!keepBlankLines || blank || lines.isEmpty) { continue }
            lines.append(isBlank ? "" : line)
            blank = isBlank
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}

extension Desk {
    /// What the other items of `itemID`'s clause would pay for the facts of `question`: how
    /// an evaluation tells an item confused with its sibling from a misread figure.
    public func siblingAmounts(of itemID: String, question: String) -> [Int64] {
        guard let item = knowledge.policy.item(itemID), let clause = knowledge.policy.clause(item.clause) else {
            return []
        }
        let scalars = knowledge.normalizer.normalizedScalars(question)
        let extraction = knowledge.factExtractor.extract(scalars: scalars)
        return clause.items.filter { $0.id != itemID }.compactMap { sibling in
            var facts = extraction.facts(for: sibling.award)
            facts.conditions = knowledge.conditionReader.read(itemID: sibling.id, scalars: scalars)
            let calculation = Calculator.evaluate(sibling, facts: facts)
            return calculation?.yuan ?? calculation?.maxYuan
        }
    }

    /// How the desk reads a question, for staff who want to know why it answered as it did.
    public func explain(_ question: String) -> [String] {
        let (bounded, cut) = Self.bounded(question)
        let normalized = knowledge.normalizer.normalize(bounded)
        let extraction = knowledge.factExtractor.extract(normalized)
        let ranking = knowledge.matcher.rank(normalized, extraction: extraction)
        var lines = ["normalized: \(normalized)"]
        if cut { lines.append("cut: only the first \(Self.maxQuestionLength) characters are read") }
        lines.append(
            "facts: "
                + extraction.facts.values.map { "\($0.key.rawValue)=\($0.value)" }.sorted().joined(separator: ", "))
        lines.append(
            "money: "
                + extraction.money.map { "\(Money.words($0.yuan))→\($0.role?.rawValue ?? "?")" }.joined(separator: ", ")
        )
        if !extraction.implausible.isEmpty {
            let scalars = Array(normalized.unicodeScalars)
            let numbers = extraction.implausible.map { range in
                "「" + String(String.UnicodeScalarView(scalars[range.clamped(to: 0..<scalars.count)].prefix(40))) + "」"
            }
            lines.append(
                "ignored: " + numbers.joined(separator: ", ")
                    + " (over \(Money.words(Money.plausibleYuan)) or 64 bits: not a plausible amount, read as if no amount were given)"
            )
        }
        lines.append(
            String(
                format: "out-of-scope score: %.3f%@, confidence %.3f, refuse: %@",
                ranking.outOfScopeScore, ranking.nearMiss ? " (near miss)" : "", ranking.confidence,
                ranking.isOutOfScope ? "yes" : "no"))
        lines.append(
            "names a measure: " + (ranking.namesMeasure ? "yes" : "no (only generic words)")
                + (ranking.namedItems.isEmpty
                    ? "" : "; item terms named: " + ranking.namedItems.joined(separator: ", ")))
        for c in ranking.candidates {
            lines.append(String(format: "  %@ (clause %d): %.3f", c.itemID, c.clause, c.score))
        }
        return lines
    }
}
