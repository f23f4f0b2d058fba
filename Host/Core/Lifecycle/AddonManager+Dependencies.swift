import BerthPackages

extension AddonManager {
    /// Refuses an install or upgrade whose dependencies are not installed in a matching version,
    /// explaining each one: the requirement, what is installed, and what the catalog offers.
    func checkDependencies(of manifest: Manifest) throws {
        var problems: [String] = []
        let catalogued = manifest.dependencies.isEmpty ? [] : catalog.all()
        for (dependency, range) in manifest.dependencies.sorted(by: { $0.key < $1.key }) {
            let candidates = catalogued.filter { $0.manifest.id == dependency }.map(\.manifest.version)
            let matching = candidates.filter { VersionRange.contains(range, $0) }
            let offer = candidates.isEmpty
                ? "the catalog has no version of \(dependency)"
                : "the catalog has \(candidates.joined(separator: ", "))" + (matching.isEmpty ? ", none in range" : "; \(matching.last!) matches")
            if let installed = registry[dependency] {
                guard !VersionRange.contains(range, installed.version) else { continue }
                let action = matching.isEmpty ? "publish a matching version of \(dependency)" : "upgrade \(dependency) to \(matching.last!) first"
                problems.append("\(manifest.id) \(manifest.version) requires \(dependency) \(range), but \(dependency) \(installed.version) is installed (\(offer)): \(action)")
            } else {
                let action = matching.isEmpty ? "publish a matching version of \(dependency)" : "install \(dependency) \(matching.last!) first"
                problems.append("\(manifest.id) \(manifest.version) requires \(dependency) \(range), which is not installed (\(offer)): \(action)")
            }
        }
        guard problems.isEmpty else {
            throw BerthError.unprocessable("dependency_unsatisfied", problems.joined(separator: "; "))
        }
    }

    /// Installed addons whose manifests depend on `id`, with the range they need.
    func dependents(of id: String) -> [(id: String, range: String)] {
        registry.values.sorted { $0.id < $1.id }.compactMap { entry in
            guard let manifest = try? installedManifest(entry), let range = manifest.dependencies[id] else { return nil }
            return (entry.id, range)
        }
    }

    /// `id` and everything that depends on it, directly or not, dependents first.
    func uninstallOrder(for id: String) -> [String] {
        var order: [String] = []
        func visit(_ current: String) {
            for dependent in dependents(of: current).map(\.id) where !order.contains(dependent) {
                visit(dependent)
            }
            if !order.contains(current) { order.append(current) }
        }
        visit(id)
        return order
    }
}
