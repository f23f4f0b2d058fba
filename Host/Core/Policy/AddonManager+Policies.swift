import BerthHTTP
import Foundation
import BerthPackages
import PluginAPI

extension AddonManager {
    /// Sets what the host enforces on addon routes mounted from now on (call before start-up).
    /// How often a process looks for a move of the rate-limiting slot when nothing else makes it look.
    static let selectionWatchInterval: Duration = .milliseconds(50)

    /// With provider slots, a move of the rate-limiting slot remounts the limited routes.
    public func setRequestPolicies(_ policies: RequestPolicies) {
        requestPolicies = policies
        policies.providers?.observeRateLimitSwitch { [weak self] _ in
            guard let self else { return }
            Task { await self.remountLimitedRoutes() }
        }
        policies.providers?.watchSelections(every: Self.selectionWatchInterval)
    }

    /// The enforcement of each of `router`'s routes under `prefix`, from the addon's installed
    /// manifest (none when it cannot be read: the routes are then public, as before policies).
    func enforcements(for addon: RunningAddon, router: Router, prefix: String) -> [RouteEnforcement] {
        let manifest = Self.manifest(of: addon)?.applying(registry[addon.id]?.policyOverrides)
        return router.all.map { route in
            RouteEnforcement(addonID: addon.id, method: route.method, path: route.path, pattern: Self.join(prefix, route.path), manifest: manifest, policies: requestPolicies)
        }
    }

    /// Preflight answers for an addon with a CORS policy: an `OPTIONS` route for every path the
    /// addon does not answer `OPTIONS` on itself.
    func addPreflights(for addon: RunningAddon, router: Router, prefix: String, into table: inout RoutingTable) throws {
        guard let policy = Self.manifest(of: addon)?.applying(registry[addon.id]?.policyOverrides).cors else { return }
        var methodsByPattern: [String: [String]] = [:]
        var order: [String] = []
        for route in router.all {
            let pattern = Self.join(prefix, route.path)
            if methodsByPattern[pattern] == nil { order.append(pattern) }
            methodsByPattern[pattern, default: []].append(route.method.rawValue)
        }
        for pattern in order where !(methodsByPattern[pattern] ?? []).contains("OPTIONS") {
            let methods = methodsByPattern[pattern] ?? []
            try table.add(.options, pattern, owner: addon.id, bodyLimit: 0, immediate: { request in
                CORSHeaders.preflight(policy, methods: methods, for: request)
            })
        }
    }

    /// The manifest installed with the running version of `addon`: the `manifest.json` in the
    /// nearest folder above its library (during an install or an upgrade the registry does not name
    /// that version yet). Nil unless it names the same id and version.
    static func manifest(of addon: RunningAddon) -> Manifest? {
        var folder = URL(fileURLWithPath: addon.library.path).deletingLastPathComponent()
        for _ in 0 ..< 4 {
            let candidate = folder.appendingPathComponent("manifest.json").path
            if let data = FileManager.default.contents(atPath: candidate) {
                guard let manifest = try? JSONDecoder().decode(Manifest.self, from: data), manifest.id == addon.id, manifest.version == addon.version else { return nil }
                return manifest
            }
            folder.deleteLastPathComponent()
        }
        return nil
    }
}
