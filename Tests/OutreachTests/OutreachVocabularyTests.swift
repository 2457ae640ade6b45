import Desk
import Foundation
import OutreachModel
import PolicyKit
import Testing

@testable import Outreach

@Suite("outreach templates read what the message renderer provides")
struct OutreachVocabularyTests {
    @Test("every item, as an exact amount, a ceiling or unknown, gives only names an outreach template may read")
    func contexts() throws {
        let knowledge = try Repository.knowledge()
        // Every lead unit with a phone number, so that the contact line is provided too.
        let units = Set(knowledge.policy.clauses.compactMap(\.leadUnit))
        let contacts = Dictionary(uniqueKeysWithValues: units.map { ($0, Contact(unit: $0, phone: "0477-8581234")) })
        let renderer = MessageRenderer(policy: knowledge.policy, contacts: contacts)
        let vocabulary = TemplateVocabulary.outreach
        var seen = Set<String>()
        var seenInItems = Set<String>()
        for item in knowledge.policy.items {
            // Two exact amounts, so that the total is provided too.
            let shapes: [(Int64?, Int64?)] = [(300_000, nil), (200_000, nil), (nil, 5_000_000), (nil, nil)]
            let lines = shapes.map { yuan, ceiling in
                (
                    DeliveryItem(
                        itemID: item.id, title: item.title, yuan: yuan, maxYuan: ceiling, perYear: false,
                        formula: "公式", reason: "理由"), item
                )
            }
            let context = renderer.context(enterprise: "东胜示范科技有限公司", lines: lines)
            for (key, value) in context {
                seen.insert(key)
                if let elements = value as? [[String: Any]] {
                    let names = elements.reduce(into: Set<String>()) { $0.formUnion($1.keys) }
                    seenInItems.formUnion(names)
                    #expect(names.isSubset(of: vocabulary.lists[key] ?? []), "item \(item.id): \(key) holds \(names)")
                } else {
                    #expect(vocabulary.names.contains(key), "item \(item.id): `\(key)` is not declared")
                }
            }
        }
        #expect(vocabulary.names.union(vocabulary.lists.keys) == seen)
        #expect(vocabulary.lists["items"] == seenInItems)
    }
}
