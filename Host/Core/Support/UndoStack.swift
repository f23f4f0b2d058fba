/// The compensating actions of the steps done so far; run in reverse when a later step fails, so a
/// failed operation leaves the system as it found it. An undo action can fail: ``unwind()`` goes on
/// with the others and returns what could not be undone, so the caller keeps the record of it.
struct UndoStack: Sendable {
    /// A step whose undo failed, and why.
    struct Failure: Sendable, Codable, Hashable, CustomStringConvertible {
        let step: String
        let error: String
        var description: String { "\(step): \(error)" }
    }

    private var actions: [(step: String, action: @Sendable () async throws -> Void)] = []

    /// Records how to undo `step`.
    mutating func push(_ step: String, _ action: @escaping @Sendable () async throws -> Void) {
        actions.append((step, action))
    }

    /// Records the undos of `other` after these, in their order.
    mutating func push(contentsOf other: UndoStack) {
        actions += other.actions
    }

    /// Whether nothing is recorded.
    var isEmpty: Bool { actions.isEmpty }

    /// Undoes every recorded step, last first; a failing undo does not stop the ones before it.
    /// - Returns: the steps that could not be undone, in the order tried (empty: all undone).
    /// With `stoppingAtFailure`, the first failure ends the unwinding: what comes before it is left
    /// as it is (an addon is not put back into service on data that could not be restored).
    @discardableResult
    mutating func unwind(stoppingAtFailure: Bool = false) async -> [Failure] {
        var failures: [Failure] = []
        while let last = actions.popLast() {
            do {
                try await last.action()
            } catch {
                failures.append(Failure(step: last.step, error: "\(error)"))
                if stoppingAtFailure { break }
            }
        }
        return failures
    }
}
