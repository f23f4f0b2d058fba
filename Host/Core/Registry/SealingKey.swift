import BerthPackages
import Foundation
import Glibc

/// The home's key for configuration sealed at rest: 32 random bytes in `.berth/secret.key`, mode
/// 0600, created the first time it is needed. Processes sharing the home (a supervisor and its
/// workers) race to create it safely: the file appears whole with `link`, and the loser reads the
/// winner's.
enum SealingKey {
    /// The key in `path`, created if there is none.
    static func loadOrCreate(at path: String) throws -> SecretBox {
        if let existing = try read(path) { return existing }
        let key: [UInt8]
        do { key = try SecretBox.randomKey() } catch { throw BerthError.internalError("sealing_key_failed", "no key could be generated for \(path): \(error)", cause: error) }
        let temporary = path + ".\(getpid()).\(UInt32.random(in: 0 ... .max)).tmp"
        try FileSystem.writeAtomically(Data(key), to: temporary, mode: 0o600)
        defer { unlink(temporary) }
        if link(temporary, path) != 0 && errno != EEXIST {
            throw BerthError.internalError("sealing_key_failed", "\(path) cannot be created: \(String(cString: strerror(errno)))")
        }
        guard let box = try read(path) else { throw BerthError.internalError("sealing_key_failed", "\(path) vanished while it was created") }
        return box
    }

    private static func read(_ path: String) throws -> SecretBox? {
        guard let data = FileManager.default.contents(atPath: path) else {
            if FileManager.default.fileExists(atPath: path) {
                throw BerthError.internalError("sealing_key_unreadable", "\(path) exists but cannot be read: check its owner and mode (0600)")
            }
            return nil
        }
        do {
            return try SecretBox(key: Array(data))
        } catch {
            throw BerthError.internalError("sealing_key_unreadable", "\(path) is not a sealing key (\(data.count) bytes, not \(SecretBox.keyLength)): restore it from the backup taken with the registry", cause: error)
        }
    }
}
