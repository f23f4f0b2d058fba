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
        var routes = Routes()
        addon.library.addon.routes(&routes, context: addon.context)
        let context = addon.context
        let gate = addon.gate
        let logger = logger
        var patterns: [String] = []
        do {
            try server.updateRoutes { table in
                if replacing { table.removeAll(owner: addon.id) }
                for route in routes.all {
                    let pattern = Self.join(prefix, route.path)
                    if let immediate = route.immediateHandler {
                        try table.add(route.method, pattern, owner: addon.id, immediate: { request in
                            gate.enter()
                            defer { gate.leave() }
                            do {
                                return try immediate(request, context)
                            } catch {
                                return Self.response(for: error, from: request, context: context, logger: logger)
                            }
                        })
                    } else {
                        let handler = route.handler
                        try table.add(route.method, pattern, owner: addon.id) { request, _ in
                            gate.enter()
                            defer { gate.leave() }
                            do {
                                return try await handler(request, context)
                            } catch {
                                return Self.response(for: error, from: request, context: context, logger: logger)
                            }
                        }
                    }
                    patterns.append("\(route.method.rawValue) \(pattern)")
                }
            }
        } catch {
            throw BerthError.unprocessable("route_conflict", "addon \(addon.id) registers a route that is already taken: \(error)", cause: error)
        }
        mounted[addon.id] = patterns
        return patterns
    }

    /// The answer to a request whose handler threw: an ``HTTPError`` as the addon shaped it, anything
    /// else as a 500 that names the addon (the error itself goes to the log, not to the client).
    static func response(for error: any Error, from request: Request, context: AddonContext, logger: Logger) -> Response {
        if let error = error as? HTTPError {
            return JSONResponse.error(status: error.status, code: error.code, message: error.message)
        }
        logger.error("handler failed", metadata: ["addon": context.addonID, "path": request.path, "error": "\(error)"])
        return JSONResponse.error(status: 500, code: "addon_error", message: "addon \(context.addonID) failed to handle the request")
    }

    /// Removes the addon's routes in one atomic swap, then waits for its in-flight requests.
    /// - Returns: the routes that were mounted.
    @discardableResult
    func unmount(_ id: String) async -> [String] {
        server.updateRoutes { $0.removeAll(owner: id) }
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
