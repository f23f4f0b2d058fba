import Foundation

/// What to do when the registry is damaged or gone: every save also keeps a last good copy, and
/// the errors say how to put it back.
extension RegistryStore {
    /// The copy of the registry as last saved, `.berth/registry.last-good.json`.
    var lastGoodPath: String {
        (keyFile as NSString).deletingLastPathComponent + "/registry.last-good.json"
    }

    /// How to restore the registry, naming the files and the copy's date.
    func restoreAdvice() -> String {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: lastGoodPath) else {
            return "No last good copy exists (\(lastGoodPath)): restore \(path) from a backup."
        }
        let date = (attributes[.modificationDate] as? Date).map { ISO8601DateFormatter().string(from: $0) } ?? "an unknown time"
        return "The last good copy, saved at \(date), is \(lastGoodPath): stop berth, run `cp '\(lastGoodPath)' '\(path)'` and start it again (the damaged file is left untouched until then)."
    }

    /// Refuses to start on a home whose registry is missing while installed addons' files or
    /// databases are still there: starting would show no addons and treat their data as debris.
    /// An interrupted operation (its journal present) explains such files; recovery finishes or
    /// undoes it, so that case starts as usual.
    /// - Parameter leftovers: the addon folders and databases found, relative to the home.
    func refuseMissingRegistry(leftovers: [String], interruptedOperation: Bool) throws {
        guard !interruptedOperation, !FileManager.default.fileExists(atPath: path), !leftovers.isEmpty else { return }
        throw BerthError.internalError(
            "registry_missing",
            "\(path) is missing, but the home still holds addons' files or data: \(leftovers.prefix(10).joined(separator: ", ")). \(restoreAdvice()) To start empty instead, move those out of the home first."
        )
    }
}
