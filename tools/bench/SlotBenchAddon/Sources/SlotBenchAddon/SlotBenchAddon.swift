import PluginAPI

#if canImport(Glibc)
import Glibc
#endif

/// The addon `tools/bench/slots.py` installs: each route runs one slot operation `n` times in the
/// handler's own task, through the service the host hands every addon (`context.service(.cache)`,
/// `context.service(.rateLimiter)`: the host's front, its slot registry and the selected
/// provider), and answers how long one operation took (see ``OperationTimings``).
///
/// - `GET /cache-get?n=100000`: stores one 64-byte value, then gets it `n` times; every get must hit.
/// - `GET /rate-check?n=100000&key=K`: `n` hits of the key `K` against a limit it never reaches
///   (10⁹ per 60 s); every hit must be admitted. A fresh key per call keeps the windows apart.
/// - `GET /anchors/stat?n=100000&path=P`: `n` `stat(2)` calls of `P` (the bench passes the
///   host's provider selections file, which the slot registry checks on every call): what one
///   system call of that kind costs on this machine, for reading the figures above.
///
/// `n` is 1 to 1,000,000; anything else is a 400 in the host's error shape.
struct SlotBenchAddon: Addon {
    var id: String { "slot_bench" }
    var version: String { "1.0.0" }

    /// The most operations one request may ask for.
    static let maximumOperations = 1_000_000
    /// The limit of `/rate-check`, never reached.
    static let unreachableLimit = 1_000_000_000

    func register(_ router: inout Router) {
        router.get("/cache-get") { request, context in
            let count = try SlotBenchAddon.operations(request)
            let cache = try context.service(.cache)
            let key = "slot-bench:\(request.queryValue("key") ?? "value")"
            let value = [UInt8](repeating: 0x61, count: 64)
            try await cache.set(key, value, ttl: nil)
            let timer = OperationTimer(count: count, deadline: context.deadline)
            let timings = try await timer.measure { try await cache.get(key)?.count == value.count }
            return try .json(timings)
        }
        router.get("/rate-check") { request, context in
            let count = try SlotBenchAddon.operations(request)
            let limiter = try context.service(.rateLimiter)
            let key = "slot-bench:\(request.queryValue("key") ?? "rate")"
            let timer = OperationTimer(count: count, deadline: context.deadline)
            let timings = try await timer.measure {
                try await limiter.hit(key, limit: SlotBenchAddon.unreachableLimit, window: .seconds(60)).allowed
            }
            return try .json(timings)
        }
        router.get("/anchors/stat") { request, context in
            let count = try SlotBenchAddon.operations(request)
            let path = request.queryValue("path") ?? "/"
            let timer = OperationTimer(count: count, deadline: context.deadline)
            let timings = try await timer.measure {
                var status = stat()
                // A missing file is as good as a present one: the lookup is what costs.
                return stat(path, &status) == 0 || errno == ENOENT
            }
            return try .json(timings)
        }
    }

    /// The `n` of the query: 1 to ``maximumOperations``.
    static func operations(_ request: Request) throws -> Int {
        let text = request.queryValue("n") ?? "100000"
        guard let count = Int(text), (1 ... maximumOperations).contains(count) else {
            throw HTTPError.badRequest("n must be a whole number from 1 to \(maximumOperations), not '\(text.prefix(20))'")
        }
        return count
    }
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(SlotBenchAddon()) }
