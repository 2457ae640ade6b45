import Foundation
import PolicyKit
import Testing

@testable import Desk

/// Every name a reply context holds, as (name, the names of one element when it is a list).
private func names(of context: [String: Any]) -> [(String, Set<String>?)] {
    context.map { key, value in
        if let list = value as? [[String: Any]] {
            return (key, list.reduce(into: Set<String>()) { $0.formUnion($1.keys) })
        }
        return (key, nil)
    }
}

/// Checks that `vocabulary` declares every name of `context`, lists with their elements' names.
private func expectDeclared(_ context: [String: Any], in vocabulary: TemplateVocabulary, _ what: String) {
    for (name, elementNames) in names(of: context) {
        if let elementNames {
            let declared = vocabulary.lists[name]
            #expect(declared != nil, "\(what): list `\(name)` is not declared")
            #expect(elementNames.isSubset(of: declared ?? []), "\(what): `\(name)` elements hold \(elementNames)")
        } else {
            #expect(vocabulary.names.contains(name), "\(what): `\(name)` is not declared")
        }
    }
}

@Suite("the template vocabulary is what the renderers provide")
struct TemplateVocabularyTests {
    @Test("every item's answer context, with every shape of calculation, holds only declared names")
    func answerContexts() throws {
        let knowledge = try Shipped.knowledge()
        let policy = knowledge.policy
        var variants: [Calculation?] = [nil]
        var exact = Calculation(yuan: 200_000, formula: "20万")
        exact.assumptions = ["按首次认定计算"]
        variants.append(exact)
        variants.append(Calculation(yuan: nil, maxYuan: 5_000_000, formula: "最高500万", needs: FactName.allCases))
        variants.append(Calculation(yuan: 0, formula: "—", disqualification: "复核不奖励"))
        // Every lead unit with a phone number, so that the contact line is provided too.
        let units = Set(policy.clauses.compactMap(\.leadUnit))
        let contacts = Dictionary(uniqueKeysWithValues: units.map { ($0, Contact(unit: $0, phone: "0477-8581234")) })
        var seen = Set<String>()
        for clause in policy.clauses {
            for item in clause.items {
                var context = ReplyContext.item(item: item, clause: clause, policy: policy, contacts: contacts)
                for calculation in variants + [Calculator.evaluate(item, facts: Facts())] {
                    context.merge(ReplyContext.amount(award: item.award, calculation: calculation)) { _, new in new }
                    expectDeclared(context, in: .answer, "item \(item.id)")
                    seen.formUnion(context.keys)
                }
            }
        }
        // Nothing is declared that no context ever provides, or the check would miss a misspelling of it.
        let declared = TemplateVocabulary.answer.names.union(TemplateVocabulary.answer.lists.keys)
        #expect(declared.subtracting(seen).isEmpty, "declared but never provided: \(declared.subtracting(seen))")
    }

    @Test("a refusal and small talk read the plan's capabilities, and small talk its kinds")
    func refusalContexts() throws {
        let knowledge = try Shipped.knowledge()
        let context = ReplyContext.capabilities(policy: knowledge.policy)
        expectDeclared(context, in: .refusal, "refusal")
        expectDeclared(
            context.merging(["greeting": true]) { a, _ in a }, in: .smalltalk(kinds: ["greeting"]), "smalltalk")
    }

    @Test("a reply about units holds only declared names, down to the measures of each unit")
    func unitContexts() throws {
        let knowledge = try Shipped.knowledge()
        let units = knowledge.units.duties.keys.sorted()
        let contacts = Dictionary(uniqueKeysWithValues: units.map { ($0, Contact(unit: $0, phone: "0477-8581234")) })
        var seen = Set<String>()
        for asksDuties in [false, true] {
            let context = ReplyContext.units(
                units, asksDuties: asksDuties, duties: knowledge.units.duties, policy: knowledge.policy,
                contacts: contacts)
            expectDeclared(context, in: .unit, "units")
            seen.formUnion(context.keys)
            for element in context["asked"] as? [[String: Any]] ?? [] {
                seen.formUnion(element.keys)
                for list in ["leads", "shares"] {
                    for measure in element[list] as? [[String: String]] ?? [] {
                        #expect(Set(measure.keys).isSubset(of: TemplateVocabulary.unit.lists[list] ?? []))
                    }
                }
            }
        }
        let vocabulary = TemplateVocabulary.unit
        let declared = vocabulary.names.union(vocabulary.lists.keys).union(vocabulary.lists["asked"] ?? [])
        #expect(declared.subtracting(seen).isEmpty, "declared but never provided: \(declared.subtracting(seen))")
    }

    @Test("the shipped templates read only declared names")
    func shippedTemplates() throws {
        let knowledge = try Shipped.knowledge()
        let kinds = Array(knowledge.smalltalk.keys)
        let files = try FileManager.default.contentsOfDirectory(atPath: Shipped.templates.path).filter {
            $0.hasSuffix(".mustache")
        }
        #expect(files.count >= KnowledgeBaseLoader.requiredTemplates.count)
        for file in files {
            let name = String(file.dropLast(".mustache".count))
            let text = try String(contentsOf: Shipped.templates.appendingPathComponent(file), encoding: .utf8)
            let unknown = TemplateVocabulary.forTemplate(named: name, smalltalkKinds: kinds).unknownNames(in: text)
            #expect(unknown.isEmpty, "\(file): \(unknown)")
        }
    }
}
