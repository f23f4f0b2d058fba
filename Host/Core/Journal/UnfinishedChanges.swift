import Foundation

/// `.berth/unfinished/<id>.json`: changes whose undo did not complete. Each one blocks further
/// changes of its addon (with an error saying what is left and how to finish it) and is retried
/// before the next change of that addon and at every start, until its compensation succeeds.
struct UnfinishedChanges: Sendable {
    /// One change that could not be fully undone.
    struct Record: Codable, Sendable, Hashable {
        /// The journal of the change, as it was when the undo ran.
        var journal: JournalRecord
        /// What could not be undone.
        var left: [UndoStack.Failure]
        /// When the undo last failed (ISO 8601).
        var at: String
    }

    let directory: String

    private func path(of id: String) -> String { directory + "/\(id).json" }

    /// The unfinished change of `id`, if any.
    func record(of id: String) -> Record? {
        guard let data = FileManager.default.contents(atPath: path(of: id)) else { return nil }
        return try? JSONDecoder().decode(Record.self, from: data)
    }

    /// Every unfinished change.
    func all() -> [Record] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { record(of: String($0.dropLast(5))) }
    }

    /// Records that `journal` could not be fully undone.
    func keep(_ journal: JournalRecord, left: [UndoStack.Failure]) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let record = Record(journal: journal, left: left, at: ISO8601DateFormatter().string(from: Date()))
        try FileSystem.writeAtomically(try encoder.encode(record), to: path(of: journal.id))
    }

    /// The change of `id` is finished.
    func forget(_ id: String) {
        try? FileManager.default.removeItem(atPath: path(of: id))
    }

    /// The 409 a new change of the addon gets while `record` is unfinished.
    static func blocked(_ record: Record) -> BerthError {
        let left = record.left.map(\.description).joined(separator: "; ")
        return BerthError.conflict(
            "unfinished_change",
            "an earlier \(record.journal.operation.rawValue) of \(record.journal.id) (stopped at \(record.journal.step.rawValue)) could not be fully undone: \(left). "
                + "Fix the cause, then retry this request or restart berth: the undo is retried first"
        )
    }
}
