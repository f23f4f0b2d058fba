import PluginAPI

/// A call through a slot: the general delivery (failover, round robin, every failure named) and
/// the count of a call the front made to an immediate provider itself.
extension SlotRegistry {
    /// Runs `call` on the slot's provider; on any error (a transport failure or a refusal) the
    /// next provider of a failover or round-robin selection is tried. The caller gets an error
    /// naming every provider's failure when none delivered: a call is never dropped silently.
    func deliver<Service, Result: Sendable>(
        _ slot: Slot, as type: Service.Type, _ call: (Service) async throws -> Result
    ) async throws -> Result {
        let targets = try callTargetsCounted(slot)
        var failures: [(provider: String, error: any Error)] = []
        for target in targets {
            let entry = target.entry
            guard let provider = entry.provider as? Service else {
                failures.append((entry.name, ProviderError.unavailable("provider \(entry.name) from \(entry.supplier) does not implement the \(slot.rawValue) slot")))
                continue
            }
            do {
                let result = try await call(provider)
                observed(slot, target, failed: false)
                return result
            } catch {
                observed(slot, target, failed: true)
                failures.append((entry.name, error))
                if targets.count > 1 {
                    logger.warning("provider failed, trying the next", metadata: ["slot": .string(slot.rawValue), "provider": .string(entry.name), "error": .string(ProviderError.describe(error))])
                }
            }
        }
        if failures.count == 1, targets.count == 1 {
            let only = failures[0].error
            if let error = only as? HTTPError { throw error }
            if let error = only as? ProviderError { throw error.httpError }
        }
        throw ProviderError.deliveryFailed(slot, failures).httpError
    }

    /// Runs `call` on an ``immediateRoute(_:)`` and counts it as the general delivery would, with
    /// the counter the route holds (no ``SlotRegistry/Target`` is copied).
    func counting<Result, Failure: Error>(_ route: ImmediateRoute, _ call: () throws(Failure) -> Result) throws(Failure) -> Result {
        do {
            let result = try call()
            count(route, failed: false)
            return result
        } catch {
            count(route, failed: true)
            throw error
        }
    }

    private func count(_ route: ImmediateRoute, failed: Bool) {
        if let counter = route.target.counter { return counter(failed) }
        observed(route.slot, route.target, failed: failed)
    }
}
