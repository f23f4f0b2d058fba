import Foundation

extension AddonManager {
    /// Recovers the home (see ``HomeEngine/recover(removingScratch:)``), then reads the registry
    /// the recovery may have changed.
    func recover(removingScratch: Bool = true) throws {
        try engine.recover(removingScratch: removingScratch)
        registry = try registryStore.load()
    }

    /// Retries the undo of an unfinished change before a new change of its addon.
    func retryUnfinished(_ kept: UnfinishedChanges.Record) async throws {
        do {
            try engine.finishUnfinished(kept)
            registry = try registryStore.load()
        } catch {
            var again = kept
            again.left = [.init(step: kept.left.first?.step ?? kept.journal.step.rawValue, error: "\(error)")]
            try? unfinished.keep(kept.journal, left: again.left)
            throw UnfinishedChanges.blocked(again)
        }
        // An uninstall that was being put back: serve the addon again.
        if kept.journal.operation == .uninstall, let entry = registry[kept.journal.id], entry.state == .active, running[entry.id] == nil {
            let addon = try load(entry)
            var undo = UndoStack()
            try await start(addon, undo: &undo)
            try mount(addon, prefix: entry.mountPrefix)
            markRunning(addon)
        }
    }

}
