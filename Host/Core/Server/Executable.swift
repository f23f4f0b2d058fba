import Foundation

/// This process's executable, resolved through `/proc/self/exe` so a relative or `PATH` launch still
/// finds the binary for probe children.
public enum Executable {
    /// The absolute path of the running binary.
    public static var path: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
