import BerthHTTP
import Foundation
import PluginAPI

extension AddonManager {
    /// Adds the addon's routes to the routing table in one atomic swap.
    /// - Returns: the mounted routes, as `METHOD /path`.
    @discardableResult
    /// With `replacing`, the addon's previous routes are removed in the same swap, so a request
    /// sees either the old version's routes or the new one's, never neither.
    func mount(_ addon: RunningAddon, prefix: String, replacing: Bool = false) throws -> [String] {
        var router = Router(context: addon.context)
        addon.library.addon.register(&router)
        let adapter = RouteAdapter(context: addon.context, gate: addon.gate, logger: logger, timeout: HandlerDeadline.timeout)
        var patterns: [String] = []
        let enforcements = enforcements(for: addon, router: router, prefix: prefix)
        let pageSet = try pageSet(for: addon)
        do {
            try server.updateRoutes { table in
                if replacing { table.removeAll(owner: addon.id) }
                for (route, enforcement) in zip(router.all, enforcements) {
                    let pattern = Self.join(prefix, route.path)
                    // The manifest's limit, which the admin sees before install, wins over the code's.
                    let limit = enforcement.bodyLimit.map { min($0, RouteAdapter.maximumBodyLimit) } ?? RouteAdapter.bodyLimit(of: route)
                    // A route's own deadline reaches both the request context and the endpoint,
                    // whose handler observer answers 504 at it (in a worker).
                    let adapter = adapter.limited(toSeconds: enforcement.timeoutSeconds)
                    let timeout = enforcement.timeoutSeconds == nil ? nil : adapter.timeout
                    // A limit counted through the rate-limiting slot waits on the network: such a
                    // route's handler runs async even when the addon wrote it synchronously.
                    let immediateHandler = enforcement.countsInSlot ? nil : route.immediateHandler
                    switch (immediateHandler, enforcement.isActive) {
                    case (let immediate?, false):
                        try table.add(route.method, pattern, owner: addon.id, bodyLimit: limit, timeout: timeout, immediate: adapter.immediate(immediate, pattern: pattern))
                    case (let immediate?, true):
                        try table.add(route.method, pattern, owner: addon.id, bodyLimit: limit, timeout: timeout, immediate: adapter.immediate(immediate, pattern: pattern, enforcement: enforcement))
                    case (nil, false):
                        try table.add(route.method, pattern, owner: addon.id, body: .buffered(limit: limit), timeout: timeout, handler: adapter.handler(route.handler, pattern: pattern))
                    case (nil, true):
                        try table.add(route.method, pattern, owner: addon.id, body: .buffered(limit: limit), timeout: timeout, handler: adapter.handler(route.handler, pattern: pattern, enforcement: enforcement))
                    }
                    patterns.append("\(route.method.rawValue) \(pattern)")
                }
                try addPreflights(for: addon, router: router, prefix: prefix, into: &table)
                try pageSet?.register(in: &table)
            }
        } catch {
            throw BerthError.unprocessable("route_conflict", "addon \(addon.id) registers a route that is already taken: \(error)", cause: error)
        }
        mounted[addon.id] = patterns
        pages.set(pageSet, for: addon.id)
        return patterns
    }

    /// Removes the addon's routes in one atomic swap, then waits for its in-flight requests.
    /// - Returns: the routes that were mounted.
    @discardableResult
    func unmount(_ id: String) async -> [String] {
        server.updateRoutes { $0.removeAll(owner: id) }
        pages.remove(id)
        if let addon = running[id], await !addon.gate.drain(timeout: drainTimeout) {
            logger.warning("requests still running after the drain deadline", metadata: ["addon": id, "inFlight": "\(addon.gate.count)"])
        }
        return mounted.removeValue(forKey: id) ?? []
    }

    /// The mount prefix joined with a route's relative path.
    static func join(_ prefix: String, _ path: String) -> String {
        let trimmed = path.hasPrefix("/") ? String(path.dropFirst()) : path
        return trimmed.isEmpty ? prefix : prefix + "/" + trimmed
    }

    /// Who holds a prefix that overlaps `prefix` (the host, or an installed addon), if anyone.
    func holder(overlapping prefix: String, except id: String? = nil) -> String? {
        if let reserved = Self.hostPrefixes.first(where: { Self.overlaps($0, prefix) }) {
            return "the host (\(reserved))"
        }
        if let entry = registry.values.sorted(by: { $0.id < $1.id }).first(where: { $0.id != id && Self.overlaps($0.mountPrefix, prefix) }) {
            return "addon \(entry.id) (\(entry.mountPrefix))"
        }
        return nil
    }

    /// Whether one prefix equals the other or contains it, segment by segment.
    static func overlaps(_ first: String, _ second: String) -> Bool {
        let a = first.split(separator: "/")
        let b = second.split(separator: "/")
        return a.starts(with: b) || b.starts(with: a)
    }
}
