import Foundation

/// The roll that carries a change across worker processes, as a step of the change: an install or
/// upgrade is done only once the generation of workers that loads it serves. When that generation
/// does not become ready within `BERTH_ROLL_TIMEOUT`, the change fails and is undone like any other
/// failed step: the registry goes back, a generation with the previous set replaces the one that
/// never became ready, and only once no worker serves what the change brought are its data and
/// files undone.
extension AddonManager {
    /// The roll of `draft`'s committed change as its last step, when there are worker processes:
    /// bounded by `BERTH_ROLL_TIMEOUT`; its failure unwinds the change, the commit's undo
    /// (``restoringAcrossWorkers(_:previous:operation:)``) first.
    func rollStep(for draft: JournalDraft) -> LifecycleStep? {
        guard let changeObserver else { return nil }
        return LifecycleStep(.roll, deadline: LifecycleDeadlines.current.roll) { [self] in
            let record = draft.record
            await self.noteRolled()
            guard await changeObserver() else {
                throw BerthError(status: 504, code: "roll_timeout", message: "\(record.operation.rawValue) of \(record.id) failed at step roll and was undone: the generation of workers carrying it did not become ready within \(LifecycleDeadlines.current.roll); the previous set of addons keeps serving (BERTH_ROLL_TIMEOUT sets the wait)")
            }
        }
    }

    /// This mutation rolled the generation itself: the roll after it would change nothing.
    func noteRolled() {
        rolledDuringMutation = true
    }

    /// The undo of a commit: the registry entry of `id` goes back to `previous` in every process
    /// (see ``restoreAcrossWorkers(_:previous:operation:)``).
    nonisolated func restoringAcrossWorkers(_ id: String, previous: RegistryEntry?, operation: String) -> LifecycleStep.Undo {
        { [self] in try await self.restoreAcrossWorkers(id, previous: previous, operation: operation) }
    }

    /// The undo of a committed change whose roll failed: the registry gets `previous` back, a new
    /// generation loads it (superseding the one that never became ready, whose workers drain at
    /// once), and the undo waits until no worker serves what the change brought any more — for an
    /// install the addon, for an upgrade the new build — so its data or migrations are undone only
    /// after every request to it finished.
    func restoreAcrossWorkers(_ id: String, previous: RegistryEntry?, operation: String) async throws {
        let undone = registry[id]
        var next = try registryStore.load()
        next[id] = previous
        try registryStore.save(next)
        registry = next
        if let changeObserver, await !changeObserver() {
            logger.warning("the generation with the previous set of addons is not ready yet", metadata: ["addon": id, "operation": operation])
        }
        if let previous {
            // Workers of the generation that never became ready may have loaded the new build and
            // still run requests on it: the new version's migrations are reverted after them.
            guard let undone, undone.installPath != previous.installPath else { return }
            let build = ServingLock.buildKey(id, installPath: home.absolute(undone.installPath))
            guard let hold = await servingLock.exclusive(build, within: unserveTimeout) else {
                throw BerthError(status: 504, code: "unserve_timeout", message: "a worker still served \(id) \(undone.version) \(unserveTimeout) after its \(operation) was undone in the registry")
            }
            hold.release()
            servingLock.remove(build)
            return
        }
        // An install's addon is served nowhere once every worker that loaded it is gone.
        guard let hold = await servingLock.exclusive(id, within: unserveTimeout) else {
            throw BerthError(status: 504, code: "unserve_timeout", message: "a worker still served \(id) \(unserveTimeout) after its \(operation) was undone in the registry")
        }
        hold.release()
        servingLock.remove(id)
    }
}
