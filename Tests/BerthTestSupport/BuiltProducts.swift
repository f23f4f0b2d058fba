import Foundation

/// Where `swift build` put the products the tests use: the `berth` and `addonctl` binaries and the
/// addon libraries, built by the same `swift build`/`swift test` run as the tests.
public enum BuiltProducts {
    /// The folder of the built products (the test bundle sits in it), or `BERTH_BIN_DIR`.
    public static var directory: String {
        if let overridden = ProcessInfo.processInfo.environment["BERTH_BIN_DIR"] { return overridden }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // The runner may sit inside `<Package>PackageTests.xctest/`; the products are beside it.
        while folder.path != "/", !FileManager.default.fileExists(atPath: folder.path + "/berth") {
            folder.deleteLastPathComponent()
        }
        return folder.path
    }

    /// The `berth` binary.
    public static var berth: String { directory + "/berth" }

    /// The `addonctl` binary.
    public static var addonctl: String { directory + "/addonctl" }

    /// The dynamic library of product `name`, e.g. `AIChatbot`.
    public static func library(_ name: String) -> String { directory + "/lib\(name).so" }

    /// The repository's root folder.
    public static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }
}
