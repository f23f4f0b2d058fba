import BerthIdentity
import BerthMetrics
import BerthPackages
import BerthTraffic
import PluginAPI

/// What the host checks and records around one mounted route: who may call it, how often, which
/// browser origins may, and its request metrics.
struct RouteEnforcement: Sendable {
    let addonID: String
    /// `METHOD /full/pattern`, the route's name in rate-limit fields, metrics and logs.
    let name: String
    let access: AccessRule
    let rateLimit: RateLimitRule?
    /// Whether the route is mounted to count its limit through the rate-limiting slot (a provider
    /// other than the built-in `memory` one was selected when it was mounted): its handler then
    /// runs async, where the count may wait on the network. Each request of an async route counts
    /// where the slot points now; a move of the slot remounts the limited routes (see
    /// ``AddonManager/remountLimitedRoutes()``), so synchronous ones follow too.
    let countsInSlot: Bool
    /// The rate-limit key's hash under the shared file's seed with the route's constant part
    /// (`addon|METHOD /pattern|`) already added, so a request hashes only its own part.
    let rateKeyPrefix: SharedKeyHash.State?
    /// The whole key's hash for a limit counted per route (the key is constant).
    let routeKeyHash: UInt64?
    /// The route's rate-limit fields, their constant parts built once at mount.
    let rateFields: RateLimitFields.Policy?
    /// The manifest's body limit for the route, when it sets one.
    let bodyLimit: Int?
    /// The manifest's handler deadline for the route in seconds, when it sets one.
    let timeoutSeconds: Double?
    let cors: CORSPolicy?
    let recorder: RouteRecorder?
    let policies: RequestPolicies

    /// Whether anything is checked or recorded: routes without policies and a host without
    /// metrics skip every step.
    var isActive: Bool {
        access.mode != .none || rateLimit != nil || cors != nil || recorder != nil
    }

    /// The enforcement of the route `method` `path` (relative) mounted at `pattern`, from the
    /// addon's manifest `policies`.
    init(addonID: String, method: HTTPMethod, path: String, pattern: String, manifest: Manifest?, policies: RequestPolicies) {
        self.addonID = addonID
        self.name = "\(method.rawValue) \(pattern)"
        self.policies = policies
        let declared = manifest?.routes.first { $0.covers(method: method.rawValue, path: path) }
        access = declared.map { declared in
            AccessRule(mode: AccessRule.Mode(rawValue: declared.auth.rawValue) ?? .none, anyOfRoles: declared.roles, allOfScopes: declared.scopes)
        } ?? .open
        rateLimit = declared?.rateLimit
        countsInSlot = declared?.rateLimit != nil && policies.countsInSlot
        let prefix = declared?.rateLimit == nil ? nil : policies.rateLimits.map { $0.keyHash.adding("\(addonID)|\(method.rawValue) \(pattern)|") }
        rateKeyPrefix = prefix
        routeKeyHash = declared?.rateLimit?.key == "route" ? prefix?.adding("route").finished : nil
        rateFields = declared?.rateLimit.map { RateLimitFields.Policy(name: "\(method.rawValue) \(pattern)", limit: $0.limit, window: $0.windowSeconds) }
        bodyLimit = declared?.bodyLimit
        timeoutSeconds = declared?.timeoutSeconds
        cors = manifest?.cors
        recorder = policies.metrics.map { RouteRecorder(table: $0, addon: addonID, route: pattern, method: method.rawValue) }
    }
}
