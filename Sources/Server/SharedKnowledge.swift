import Desk
import Foundation
public import Logging
import ServiceLifecycle
public import Storage

/// Keeps the served knowledge base in step with the staff edits in a shared store, for several
/// instances behind one address.
///
/// An edit made through any instance is a row in the shared store (``SharedIntentsStore``); each
/// instance loads the edited files as overrides of its `Intents/` files and installs the new
/// snapshot. ``SharedKnowledgeService`` refreshes on every announcement of an edit and, should an
/// announcement be lost (the connection dropped), on a timer.
public actor SharedKnowledge {
    let store: any SharedIntentsStore
    let desks: DeskHolder

    /// Keeps `desks` in step with `store`.
    public init(store: any SharedIntentsStore, desks: DeskHolder) {
        self.store = store
        self.desks = desks
    }

    /// Installs the store's edits when they are newer than what is served; returns whether it did.
    ///
    /// Edits that do not load over this instance's files (its `Intents/` differ from the one the
    /// edit was checked against) are logged and the old snapshot keeps serving.
    @discardableResult
    public func refresh(logger: Logger) async throws -> Bool {
        let served = desks.sharedRevision
        guard try await store.intentsRevision() > served else { return false }
        let overrides = try await store.intentsOverrides()
        return install(overrides, logger: logger)
    }

    /// Loads `overrides` over the files and serves the result, unless a newer revision is served.
    @discardableResult
    func install(_ overrides: IntentsOverrides, logger: Logger) -> Bool {
        guard overrides.revision > desks.sharedRevision else { return false }
        var loader = desks.source
        loader.overrides = overrides.files
        do {
            let knowledge = try loader.load()
            let installed = desks.install(knowledge, overrides: overrides.files, revision: overrides.revision)
            if installed {
                logger.notice(
                    "installed the shared Intents edits",
                    metadata: [
                        "intents.revision": "\(overrides.revision)", "intents.files": "\(overrides.files.count)",
                    ])
            }
            return installed
        } catch {
            logger.error(
                "the shared Intents edits do not load over this instance's files; still serving the old ones",
                metadata: ["intents.revision": "\(overrides.revision)", "error": "\(error.description)"])
            return false
        }
    }
}

/// Listens for announced edits and checks every `interval` besides, installing what is new.
struct SharedKnowledgeService: Service {
    let knowledge: SharedKnowledge
    let store: any SharedIntentsStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await listen() }
                group.addTask { await poll() }
            }
        }
    }

    private func listen() async {
        while !Task.isCancelled {
            do {
                try await store.watchIntents { [knowledge, logger] in
                    _ = try? await knowledge.refresh(logger: logger)
                }
            } catch {
                // The poll covers the gap; listening starts again once the database answers.
                logger.debug("listening for Intents edits again soon", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func poll() async {
        while !Task.isCancelled {
            do {
                try await knowledge.refresh(logger: logger)
            } catch {
                logger.debug("could not check for Intents edits", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
