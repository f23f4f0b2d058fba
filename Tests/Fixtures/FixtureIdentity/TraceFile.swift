import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Appends `line` and a newline to the file named by the environment variable `variable` (nothing
/// when it is unset): the trace the fixtures' tests read to see what happened in which process.
///
/// One `write(2)` with `O_APPEND` per line, so lines of several worker processes never interleave.
public func appendTrace(_ line: String, toFileNamedBy variable: String) {
    guard let path = ProcessInfo.processInfo.environment[variable] else { return }
    let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
    guard descriptor >= 0 else { return }
    let text = Array((line + "\n").utf8)
    _ = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    close(descriptor)
}
