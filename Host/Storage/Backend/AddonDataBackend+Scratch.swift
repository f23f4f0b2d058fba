import Foundation

extension AddonDataBackend {
    /// Runs `body` on a throw-away namespace, dropped afterwards whatever happens; used to check
    /// a package's migrations before they touch real data.
    public func withScratchNamespace<T>(_ body: (any AddonDataHandle) throws -> T) throws -> T {
        let id = "scratch_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        let handle = try createNamespace(id)
        defer {
            handle.close()
            _ = try? dropNamespace(id)
        }
        return try body(handle)
    }
}
