import Foundation

/// `.berth/journal.json`: the mutation in progress, rewritten atomically before every step and
/// removed once the operation is complete.
struct OperationJournal: Sendable {
    let path: String

    /// The interrupted operation, if the last one did not finish.
    func pending() throws -> JournalRecord? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(JournalRecord.self, from: data)
        } catch {
            throw BerthError.internalError("journal_unreadable", "\(path) cannot be read (\(error)); inspect it, then remove it to start", cause: error)
        }
    }

    /// Records `record` durably, then reaches the fault point named after its step.
    func write(_ record: JournalRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try FileSystem.writeAtomically(try encoder.encode(record), to: path)
        FaultInjection.reach("\(record.operation.rawValue).\(record.step.rawValue)")
    }

    /// Marks the operation complete.
    func finish() {
        try? FileManager.default.removeItem(atPath: path)
        FileSystem.syncDirectory((path as NSString).deletingLastPathComponent)
    }
}
