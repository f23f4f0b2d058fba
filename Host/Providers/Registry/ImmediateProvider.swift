/// A built-in provider whose calls finish without suspending, as the slot registry hands it to a
/// front: the front calls it directly instead of through the general delivery, which costs a
/// dynamic cast to the slot's protocol and several suspension points per call (each a
/// `swift_task_switch` that takes the task's status lock), more than the work itself.
///
/// Made once when the registry resolves a slot, so the call path casts nothing.
enum ImmediateProvider: Sendable {
    case cache(MemoryCache)
    case rateLimiter(MemoryRateLimiter)

    /// `provider` as an immediate one, or `nil` when its calls may suspend (any addon's provider).
    init?(_ provider: any Sendable) {
        if let cache = provider as? MemoryCache {
            self = .cache(cache)
        } else if let limiter = provider as? MemoryRateLimiter {
            self = .rateLimiter(limiter)
        } else {
            return nil
        }
    }
}
