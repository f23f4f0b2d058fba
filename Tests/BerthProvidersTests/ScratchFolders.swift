import Foundation
import Synchronization
import Testing

/// The folders ``scratchFolder()`` made for the running test, removed when the test ends (passed
/// or failed) by the ``RemovesScratchFolders`` trait, so runs leave nothing in the temp directory.
final class ScratchFolders: Sendable {
    /// The collector of the test running in this task, if its suite has the trait.
    @TaskLocal static var current: ScratchFolders?

    private let paths = Mutex<[String]>([])

    /// Remembers `path` for removal.
    func add(_ path: String) {
        paths.withLock { $0.append(path) }
    }

    /// Removes every remembered folder with its contents.
    func removeAll() {
        for path in paths.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) }
    }
}

/// Gives every test of a suite its own ``ScratchFolders`` and removes them after it.
struct RemovesScratchFolders: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let folders = ScratchFolders()
        defer { folders.removeAll() }
        try await ScratchFolders.$current.withValue(folders) { try await function() }
    }
}

extension Trait where Self == RemovesScratchFolders {
    /// Removes the folders each test made with ``scratchFolder()`` when it ends.
    static var removesScratchFolders: Self { RemovesScratchFolders() }
}
