/// The compensating actions of the steps done so far; run in reverse when a later step fails, so a
/// failed operation leaves the system as it found it.
struct UndoStack: Sendable {
    private var actions: [(step: String, action: @Sendable () async -> Void)] = []

    /// Records how to undo `step`.
    mutating func push(_ step: String, _ action: @escaping @Sendable () async -> Void) {
        actions.append((step, action))
    }

    /// Undoes every recorded step, last first.
    mutating func unwind() async {
        while let last = actions.popLast() {
            await last.action()
        }
    }
}
