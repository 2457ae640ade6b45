import Desk
import Foundation
import Matching

/// The fact cue words as shipped in `Intents/facts.yaml`, read through the real loader, so that
/// these tests read questions with the words the bot uses.
enum ShippedCues {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // MatchingTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // the repository

    static let cues: FactCues = {
        do {
            return try KnowledgeBaseLoader(
                intents: root.appendingPathComponent("Intents"), templates: root.appendingPathComponent("Templates")
            ).load().factCues
        } catch {
            fatalError("the shipped Intents/ must load: \(error)")
        }
    }()

    /// An extractor with the shipped cue words, folded by `normalizer` as the questions are
    /// (without a lexicon by default, as these tests normalize).
    static func extractor(_ normalizer: Normalizer = Normalizer(lexicon: .empty)) -> FactExtractor {
        FactExtractor(cues: cues, normalizer: normalizer)
    }

    static let plain = extractor()
}
