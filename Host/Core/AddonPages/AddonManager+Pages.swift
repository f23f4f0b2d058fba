import BerthHTTP
import BerthPackages
import Foundation

extension AddonManager {
    /// The pages of the running addon's installed package (nil when it ships none): the manifest
    /// and `assets/` beside its library.
    func pageSet(for addon: RunningAddon) throws -> AddonPageSet? {
        var folder = URL(fileURLWithPath: addon.library.path).deletingLastPathComponent()
        for _ in 0 ..< 4 {
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent("manifest.json").path) { break }
            folder.deleteLastPathComponent()
        }
        guard let manifest = Self.manifest(of: addon) else { return nil }
        return try AddonPageSet.load(manifest: manifest, folder: folder.path)
    }

    /// What the residue audit reports of an addon's pages after its removal.
    func pageResidue(of id: String) -> [String] {
        var residue: [String] = []
        if pages.contains(id) { residue.append("pages of \(id) still listed in navigation") }
        if case .found = server.routes.match(.get, "/apps/\(id)/index.html") { residue.append("pages of \(id) still served under /apps/\(id)/") }
        return residue
    }
}
