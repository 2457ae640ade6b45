public import Desk
import Foundation
import Logging
import Matching
import PolicyKit
import Synchronization

/// Holds the desk the server answers with. A reload builds a whole new knowledge base off
/// to the side and swaps it in at once; answers in flight keep the snapshot they started with.
public final class DeskHolder: Sendable {
    /// The desk, and how many snapshots have been installed (so a reload can tell whether an
    /// edit was installed while it was reading the files).
    private let current: Mutex<(desk: Desk, generation: UInt64)>
    private let loader: KnowledgeBaseLoader
    /// The edited files served over the files on disk (several instances: the shared store's
    /// edits, see ``SharedKnowledge``), and the shared revision they came from.
    private let shared = Mutex<(overrides: [String: String], revision: Int64)>(([:], 0))

    /// Starts with a loaded desk.
    public init(desk: Desk, loader: KnowledgeBaseLoader) {
        self.current = Mutex((desk, 0))
        self.loader = loader
    }

    /// The desk to answer with now.
    public var desk: Desk { current.withLock { $0.desk } }

    /// The loader the snapshot came from (folders, tuning and the shared edits it serves).
    public var source: KnowledgeBaseLoader {
        var source = loader
        source.overrides = shared.withLock { $0.overrides }
        return source
    }

    /// The shared revision the served snapshot includes (0 with one instance).
    public var sharedRevision: Int64 { shared.withLock { $0.revision } }

    /// Serves `knowledge`, built from the files with `overrides` from shared `revision`, unless a
    /// newer revision is already served (two refreshes may finish out of order).
    @discardableResult
    public func install(_ knowledge: KnowledgeBase, overrides: [String: String], revision: Int64) -> Bool {
        shared.withLock { state in
            guard revision >= state.revision else { return false }
            state = (overrides, revision)
            install(knowledge)
            return true
        }
    }

    /// Serves `knowledge` from now on.
    public func install(_ knowledge: KnowledgeBase) {
        current.withLock { state in
            state.desk = Self.desk(knowledge, like: state.desk)
            state.generation += 1
        }
    }

    /// Loads the files again; on any problem the old snapshot keeps serving and the
    /// problems are returned.
    ///
    /// An edit installed while the files were being read may have been written after the
    /// reload read its file: installing what the reload read would then take the edit back out
    /// of service. So the reload installs only if nothing was installed meanwhile, and reads
    /// again otherwise. (After a few tries it leaves the snapshot the edits installed, which was
    /// read from the files after this reload began.)
    @discardableResult
    public func reload() -> Result<KnowledgeBase, KnowledgeBaseError> {
        var result: Result<KnowledgeBase, KnowledgeBaseError>
        var tries = 0
        repeat {
            let seen = current.withLock { $0.generation }
            let loader = source
            result = Result { () throws(KnowledgeBaseError) -> KnowledgeBase in try loader.load() }
            guard case .success(let knowledge) = result else { return result }
            let installed = current.withLock { state -> Bool in
                guard state.generation == seen else { return false }
                state.desk = Self.desk(knowledge, like: state.desk)
                state.generation += 1
                return true
            }
            if installed { return result }
            tries += 1
        } while tries < 5
        return result
    }

    /// A desk for `knowledge` with the settings of `desk`.
    private static func desk(_ knowledge: KnowledgeBase, like desk: Desk) -> Desk {
        var next = Desk(knowledge: knowledge)
        next.conversationLifetime = desk.conversationLifetime
        return next
    }
}
