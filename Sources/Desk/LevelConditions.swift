public import Matching
public import PolicyKit

/// Turns an item's `levels` (the levels of platform it pays for) into a condition in words,
/// so that the reader and the reply treat a platform of another level like any other broken
/// condition: 「市级重点实验室」 breaks 自治区级, 「国家级孵化器」 confirms 国家级.
///
/// The words are the level's words from `lexicon.yaml` joined to the platform's names (the
/// item's `terms` and its clause's `keywords`), so a level counts only where it is said of the
/// platform: in 「市级补助200万」 the city is who paid, not the level of the lab.
public enum LevelConditions {
    /// A level an item names that the lexicon does not list.
    public struct UnknownLevel: Error, Equatable {
        public var itemID: String
        public var level: String
    }

    /// `clause` with a level condition added to each item that lists `levels`, and the levels
    /// that the lexicon does not know.
    public static func adding(to clause: Clause, levels: [LevelWords]) -> (Clause, [UnknownLevel]) {
        var clause = clause
        var unknown: [UnknownLevel] = []
        for index in clause.items.indices {
            let item = clause.items[index]
            guard !item.levels.isEmpty else { continue }
            for level in item.levels where !levels.contains(where: { $0.name == level }) {
                unknown.append(UnknownLevel(itemID: item.id, level: level))
            }
            guard let condition = condition(for: item, keywords: clause.keywords, levels: levels) else { continue }
            clause.items[index].checks.append(condition)
        }
        return (clause, unknown)
    }

    static func condition(for item: Item, keywords: [String], levels: [LevelWords]) -> Condition? {
        var nouns: [String] = []
        for noun in item.terms + keywords where noun.count >= 2 && !nouns.contains(noun) { nouns.append(noun) }
        guard !nouns.isEmpty else { return nil }
        let own = levels.filter { item.levels.contains($0.name) }.flatMap(\.words)
        let others = levels.filter { !item.levels.contains($0.name) }.flatMap(\.words)
        func said(of words: [String]) -> [String] {
            words.flatMap { word in nouns.flatMap { noun in [word + noun, word + "的" + noun] } }
        }
        // 「只是市级的」, 「只在市级注册了」 say the level without the platform's name.
        let leads = ["只是", "只有", "只在", "只到"]
        let acts = ["备案", "认定", "批复", "注册", "立项"]
        func bare(_ words: [String]) -> [String] {
            var result: [String] = []
            for level in words where level.hasSuffix("级") {
                result += leads.map { (lead: String) in lead + level }
                result += acts.map { (act: String) in level + act }
                result.append("是\(level)的")
            }
            return result
        }
        // 「国家级和自治区级孵化器」 says both levels of one platform: the own level joined to another
        // before the platform's name confirms, and, being the longer word, hides the other level's
        // 「自治区级孵化器」 that lies inside it. Levels by name only (国家级, 自治区级, 市级): their
        // other words fold to the name or are rarely said this way, and each form costs a phrase at load.
        let joins = ["和", "、"]
        var coordinated: [String] = []
        for mine in item.levels {
            for other in levels.map(\.name) where !item.levels.contains(other) {
                for join in joins {
                    for noun in nouns { coordinated += [mine + join + other + noun, other + join + mine + noun] }
                }
            }
        }
        // The own level's bare forms confirm, so that 「区级认定」 inside 「自治区级认定」 counts as the
        // longer word it lies in.
        let confirms = unique(said(of: own) + bare(own) + coordinated)
        let confirmSet = Set(confirms)
        let breaks = unique(said(of: others) + bare(others)).filter { !confirmSet.contains($0) }
        guard !breaks.isEmpty else { return nil }
        let noun = item.terms.first ?? keywords.first ?? item.title
        let named = item.levels.joined(separator: "、")
        return Condition(
            name: "\(named)\(noun)", kind: .level, confirms: confirms, breaks: breaks,
            reason: "本项只给\(named)的\(noun)，其他级别的不在此列")
    }

    private static func unique(_ words: [String]) -> [String] {
        var seen = Set<String>()
        return words.filter { seen.insert($0).inserted }
    }
}
