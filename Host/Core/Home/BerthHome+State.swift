extension BerthHome {
    /// The mutation in progress.
    var journalFile: String { stateDirectory + "/journal.json" }
    /// Held while a mutation runs.
    var lockFile: String { stateDirectory + "/lock" }
    /// Records of addons uninstalled with their data kept, `<id>.json`.
    var keptDataDirectory: String { stateDirectory + "/kept" }
    /// Every lifecycle transition, one JSON object per line.
    var auditLogFile: String { stateDirectory + "/audit.log" }
}
