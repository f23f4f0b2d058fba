import BerthPackages
import PluginAPI

extension AddonManager {
    /// What is enforced on an addon's routes, and where it comes from.
    struct PoliciesReport: Encodable, Sendable {
        struct Policies: Encodable, Sendable {
            let routes: [RoutePolicy]
            let cors: CORSPolicy?
        }
        let id: String
        /// As the signed manifest declares them.
        let manifest: Policies
        /// The admin's replacements, if any.
        let overrides: PolicyOverrides?
        /// What the host applies.
        let effective: Policies
    }

    func policies(of id: String) throws -> PoliciesReport {
        refreshRegistryFromDisk()
        guard let entry = registry[id] else { throw Self.notInstalled(id) }
        let manifest = try installedManifest(entry)
        let effective = manifest.applying(entry.policyOverrides)
        return PoliciesReport(
            id: id, manifest: .init(routes: manifest.routes, cors: manifest.cors), overrides: entry.policyOverrides,
            effective: .init(routes: effective.routes, cors: effective.cors)
        )
    }

    /// Replaces the admin's overrides of `id` (nil: back to the manifest's), checked as a
    /// manifest's would be, and remounts the addon's routes with them in one swap.
    func updatePolicies(of id: String, overrides: PolicyOverrides?) async throws -> PoliciesReport {
        try await mutation("change the policies of \(id)", addon: id) {
            guard var entry = registry[id] else { throw Self.notInstalled(id) }
            let manifest = try installedManifest(entry)
            let replacement = overrides?.isEmpty == true ? nil : overrides
            do {
                try manifest.applying(replacement).validatePolicies()
            } catch let error as PackageError {
                throw BerthError(status: 400, code: "invalid_policy", message: "the policies are not valid: \(error.message)", cause: error)
            }
            let previous = entry.policyOverrides
            entry.policyOverrides = replacement
            registry[id] = entry
            do {
                try save()
            } catch {
                registry[id]?.policyOverrides = previous
                throw error
            }
            if entry.state == .active, let addon = running[id] {
                try mount(addon, prefix: entry.mountPrefix, replacing: true)
            }
            await publishLifecycle("policies_changed", id: id, version: entry.version, detail: replacement == nil ? "back to the manifest's" : "overridden by the admin")
            return try policies(of: id)
        }
    }
}
