import Foundation
import Glibc

/// The admin token: from `BERTH_ADMIN_TOKEN`, or generated once and kept with mode 0600.
enum AdminToken {
    /// The token to use, and whether it was generated just now (to be shown once).
    static func resolve(settings: HostSettings, home: BerthHome) throws -> (token: String, generated: Bool) {
        if let token = settings.adminToken { return (token, false) }
        if let data = FileManager.default.contents(atPath: home.adminTokenFile) {
            let token = String(decoding: data, as: UTF8.self).trimmingWhitespace
            if !token.isEmpty { return (token, false) }
        }
        // The system generator reads the kernel's CSPRNG (getrandom) on Linux.
        var generator = SystemRandomNumberGenerator()
        let bytes = (0 ..< 32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let token = bytes.map { String(format: "%02x", $0) }.joined()
        try FileSystem.writeAtomically(Data((token + "\n").utf8), to: home.adminTokenFile, mode: 0o600)
        return (token, true)
    }
}
