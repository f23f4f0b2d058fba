extension BerthHome {
    /// The mutation in progress.
    var journalFile: String { stateDirectory + "/journal.json" }
    /// Held while a mutation runs.
    var lockFile: String { stateDirectory + "/lock" }
    /// Records of addons uninstalled with their data kept, `<id>.json`.
    var keptDataDirectory: String { stateDirectory + "/kept" }
    /// The scratch folder of addon `id` (granted with the `filesystem` permission).
    func scratchDirectory(for id: String) -> String { stateDirectory + "/scratch/\(id)" }
    /// Every lifecycle transition, one JSON object per line.
    var auditLogFile: String { stateDirectory + "/audit.log" }
}
