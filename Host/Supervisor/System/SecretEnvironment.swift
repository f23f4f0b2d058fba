import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The secrets `berth serve` is given in its environment (`BERTH_DATABASE_URL`, which holds the
/// superuser's password, every `BERTH_*` variable naming a token, secret or password, and every
/// `BERTH_*` URL with a password), kept in memory only and out of the environment of every process
/// that loads addons.
///
/// `berth serve` takes them out of its own environment first thing: out of `environ` (so `getenv`
/// in addon code finds nothing) and out of the original strings `/proc/self/environ` shows (they
/// are overwritten). The supervisor hands them to each worker through a pipe whose read end is the
/// worker's descriptor 6, read once at start and closed; a probe child gets none. Code running
/// inside a process can still read that process's memory: see the README's trust model.
public enum SecretEnvironment {
    private static let taken = Mutex<[String: String]>([:])

    /// Whether the variable `name` holds a secret: `BERTH_DATABASE_URL`, a `BERTH_*` name with
    /// `TOKEN`, `SECRET` or `PASSWORD` in it, or a `BERTH_*` value that is a URL with a password.
    public static func isSecret(_ name: String, value: String? = nil) -> Bool {
        guard name.hasPrefix("BERTH_") else { return false }
        if name == "BERTH_DATABASE_URL" || ["TOKEN", "SECRET", "PASSWORD"].contains(where: { name.contains($0) }) { return true }
        guard let value, let scheme = value.range(of: "://"), let at = value[scheme.upperBound...].firstIndex(of: "@") else { return false }
        return value[scheme.upperBound ..< at].contains(":")
    }

    /// Takes the secrets out of this process's environment and keeps them; call it before any
    /// thread starts. Returns the environment as it was, secrets included, for the settings.
    public static func takeFromEnvironment() -> [String: String] {
        let environment = ProcessInfo.processInfo.environment
        var secrets: [String: String] = [:]
        var originals: [UnsafeMutablePointer<CChar>] = []
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "="), isSecret(String(text[..<equals]), value: String(text[text.index(after: equals)...])) {
                originals.append(pointer)
            }
            entry += 1
        }
        for (name, value) in environment where isSecret(name, value: value) {
            secrets[name] = value
            unsetenv(name)
        }
        // The strings the kernel placed at start stay where /proc/self/environ reads them.
        for pointer in originals { memset(pointer, 0, strlen(pointer)) }
        taken.withLock { $0.merge(secrets) { $1 } }
        return environment
    }

    /// The secrets taken, or received from the supervisor.
    public static var secrets: [String: String] { taken.withLock { $0 } }

    /// A pipe holding the secrets as `NAME=value` records ended by NUL, written in full and its
    /// write end closed; the caller passes the read end (close-on-exec, at least 10) to a child and
    /// closes it. Nil when there are none.
    static func pipeOfSecrets() throws(SupervisorError) -> Int32? {
        let secrets = self.secrets
        guard !secrets.isEmpty else { return nil }
        var bytes: [UInt8] = []
        for (name, value) in secrets.sorted(by: { $0.key < $1.key }) { bytes += Array("\(name)=\(value)".utf8) + [0] }
        // A pipe buffer holds 64 KiB: far more than a few URLs and tokens.
        guard bytes.count < 65536 else { throw SupervisorError(.descriptorFailed, "the secrets do not fit a pipe (\(bytes.count) bytes)") }
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw SupervisorError(.descriptorFailed, "cannot create the secrets pipe", errno: errno) }
        // Only the worker it is made for may inherit it, through its dup2.
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        defer { close(ends[1]) }
        let written = bytes.withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            close(ends[0])
            throw SupervisorError(.descriptorFailed, "cannot write the secrets pipe", errno: errno)
        }
        return try SystemCall.moveAboveStandard(ends[0])
    }

    /// Reads the secrets from `descriptor` (a pipe from ``pipeOfSecrets()``) and closes it.
    static func receive(from descriptor: Int32) -> [String: String] {
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += buffer[0 ..< count]
        }
        var secrets: [String: String] = [:]
        for record in bytes.split(separator: 0) {
            let text = String(decoding: record, as: UTF8.self)
            guard let equals = text.firstIndex(of: "=") else { continue }
            secrets[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        taken.withLock { $0.merge(secrets) { $1 } }
        return secrets
    }
}
