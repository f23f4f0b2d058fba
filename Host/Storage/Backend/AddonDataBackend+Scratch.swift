import Foundation

extension AddonDataBackend {
    /// Runs `body` on a throw-away namespace, dropped afterwards whatever happens; used to check
    /// a package's migrations before they touch real data.
    public func withScratchNamespace<T>(_ body: (any AddonDataHandle) throws -> T) throws -> T {
        // The time in the name lets a later start tell an abandoned scratch namespace (its host was
        // killed during the check) from one a running check still uses.
        let id = "scratch_\(Int(Date().timeIntervalSince1970))_" + UUID().uuidString.prefix(8).lowercased()
        let handle = try createNamespace(id)
        defer {
            handle.close()
            _ = try? dropNamespace(id)
        }
        return try body(handle)
    }
}
