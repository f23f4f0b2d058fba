import Foundation
import Glibc

/// Loads an addon library in a child process first, so a library that crashes the dynamic loader
/// or its own entry takes down only the child.
public struct AddonProbe: Sendable {
    /// The executable that implements `probe` (the `berth` binary).
    public let executable: String
    /// How long the child may take.
    public let timeout: Duration

    /// Creates a probe that runs `executable probe …`.
    public init(executable: String, timeout: Duration = .seconds(5)) {
        self.executable = executable
        self.timeout = timeout
    }

    /// Probes `library`, expecting it to create addon `id` at `version`.
    /// - Returns: what the child found.
    /// - Throws: ``LoaderError`` naming the cause: the child's own refusal, the signal that killed
    ///   it, or the timeout.
    public func probe(library: String, id: String, version: String) throws -> ProbeResult {
        let child = try ChildProcess.spawn(executable, arguments: ["probe", library, id, version])
        let output = child.collectOutput(deadline: .now + timeout)
        let status = output.timedOut ? child.kill() : child.wait()
        if output.timedOut {
            throw LoaderError(.probeTimedOut, "probing \(library) timed out after \(timeout) (the addon's entry did not return)")
        }
        switch status {
        case .signaled(let signal):
            let name = String(cString: strsignal(signal))
            throw LoaderError(.probeCrashed, "probing \(library) crashed the probe process with signal \(signal) (\(name))\(Self.lastLine(output.standardError))")
        case .exited(let code):
            let line = String(decoding: output.standardOutput, as: UTF8.self)
                .split(separator: "\n").last.map(String.init) ?? ""
            guard let result = try? JSONDecoder().decode(ProbeResult.self, from: Data(line.utf8)) else {
                throw LoaderError(.probeFailed, "probing \(library) exited with status \(code) without a report\(Self.lastLine(output.standardError))")
            }
            guard result.ok else {
                throw LoaderError(code: result.code ?? "probe_failed", message: result.message ?? "probe failed")
            }
            return result
        }
    }

    /// The line of the child's standard error that says why it died: the runtime's fatal error
    /// when there is one, else the last line.
    private static func lastLine(_ bytes: [UInt8]) -> String {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard let line = lines.first(where: { $0.contains("Fatal error") }) ?? lines.last else { return "" }
        return ": \(line.prefix(300))"
    }
}
