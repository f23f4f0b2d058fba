import Foundation

extension AddonManager {
    /// Starts and mounts an inactive addon; its data is untouched.
    func activate(_ id: String) async throws -> AddonSummary {
        try await mutation("activate \(id)", addon: id) { try await performActivate(id) }
    }

    /// Unmounts and stops an active addon, keeping its files and data.
    func deactivate(_ id: String) async throws -> AddonSummary {
        try await mutation("deactivate \(id)", addon: id) {
            try services.refuseRemovalOfProviders(of: id, action: "deactivate")
            return try await performDeactivate(id)
        }
    }

    private func performActivate(_ id: String) async throws -> AddonSummary {
        guard var entry = registry[id] else { throw Self.notInstalled(id) }
        guard entry.state == .inactive else {
            throw BerthError.conflict("already_active", "addon \(id) is already active")
        }
        if let holder = holder(overlapping: entry.mountPrefix, except: id) {
            throw BerthError.conflict("prefix_conflict", "mount prefix \(entry.mountPrefix) of \(id) overlaps the prefix held by \(holder)")
        }
        let addon = try running[id] ?? load(entry)
        var undo = UndoStack()
        do {
            try await start(addon, undo: &undo)
            try mount(addon, prefix: entry.mountPrefix)
            undo.push("mount") { [self] in _ = await self.unmount(id) }
            entry.state = .active
            entry.quarantine = nil
            registry[id] = entry
            try save()
        } catch {
            registry[id]?.state = .inactive
            await undo.unwind()
            throw error
        }
        markRunning(addon)
        await publishLifecycle("activated", id: id, version: entry.version)
        return summary(of: entry)
    }

    func performDeactivate(_ id: String) async throws -> AddonSummary {
        guard var entry = registry[id] else { throw Self.notInstalled(id) }
        guard entry.state == .active else {
            throw BerthError.conflict("already_inactive", "addon \(id) is already inactive")
        }
        entry.state = .inactive
        registry[id] = entry
        try save()
        await unmount(id)
        if let addon = running[id] { await stop(addon) }
        events.cancelAll(owner: id)
        await publishLifecycle("deactivated", id: id, version: entry.version)
        return summary(of: entry)
    }
}
