import Desk
import Foundation
import Logging
import Matching
import PolicyKit
import Synchronization

/// Holds the desk the server answers with. A reload builds a whole new knowledge base off
/// to the side and swaps it in at once; answers in flight keep the snapshot they started with.
public final class DeskHolder: Sendable {
    private let current: Mutex<Desk>
    private let loader: KnowledgeBaseLoader
    private let reloading = Mutex(false)

    /// Starts with a loaded desk.
    public init(desk: Desk, loader: KnowledgeBaseLoader) {
        self.current = Mutex(desk)
        self.loader = loader
    }

    /// The desk to answer with now.
    public var desk: Desk { current.withLock { $0 } }

    /// The loader the snapshot came from (folders and tuning).
    public var source: KnowledgeBaseLoader { loader }

    /// Serves `knowledge` from now on.
    public func install(_ knowledge: KnowledgeBase) {
        current.withLock { desk in
            var next = Desk(knowledge: knowledge)
            next.conversationLifetime = desk.conversationLifetime
            desk = next
        }
    }

    /// Loads the files again; on any problem the old snapshot keeps serving and the
    /// problems are returned.
    @discardableResult
    public func reload() -> Result<KnowledgeBase, KnowledgeBaseError> {
        let result = Result { () throws(KnowledgeBaseError) -> KnowledgeBase in try loader.load() }
        if case .success(let knowledge) = result { install(knowledge) }
        return result
    }
}
