import Foundation
import PluginAPI
import Synchronization

/// Durable events across workers and nodes: every event published in this process with a durable
/// subscriber anywhere is written to the ``EventStore`` with one delivery per matching
/// subscription, and each process delivers the deliveries of the durable handlers registered in it.
///
/// A delivery is leased to one process at a time (the store's claim), handled with the host's event
/// deadline (`BERTH_EVENT_TIMEOUT`), then removed; a handler that throws or misses the deadline gets
/// it again after a back-off (0.5 s, doubling, at most 60 s), up to the subscription's
/// `maxAttempts`, after which it is a dead letter. A process that dies while handling leaves its
/// lease to expire (the deadline plus 5 s), and the event is handled again by whichever process
/// claims it next: the one case in which a handler sees an event twice.
final class EventOutbox: Sendable {
    let store: any EventStore
    let worker: String
    let logger: Logger
    /// How long a handler may take.
    let deadline: Duration
    private let handlers = Mutex<[SubscriptionKey: Registered]>([:])
    private let loop = Mutex<Task<Void, Never>?>(nil)
    private let nextToken = Atomic<UInt64>(1)

    private struct Registered {
        let token: UInt64
        let handler: @Sendable (Event) async throws -> Void
    }

    init(store: any EventStore, worker: String, logger: Logger, deadline: Duration) {
        self.store = store
        self.worker = worker
        self.logger = logger
        self.deadline = deadline
    }

    /// Records the durable subscription and delivers its events to `handler` in this process until
    /// the returned subscription is cancelled (or the addon's subscriptions are).
    func subscribe(_ key: SubscriptionKey, options: SubscriptionOptions, handler: @escaping @Sendable (Event) async throws -> Void) async -> @Sendable () -> Void {
        do {
            try await store.subscribe(DurableSubscription(key: key, priority: options.priority, maxAttempts: options.maxAttempts))
        } catch {
            logger.error("cannot record a durable subscription; its events are not delivered", metadata: ["addon": key.addon, "pattern": "\(key.pattern)", "error": "\(error)"])
            return {}
        }
        let token = nextToken.wrappingAdd(1, ordering: .relaxed).oldValue
        handlers.withLock { $0[key] = Registered(token: token, handler: handler) }
        startLoop()
        return { [weak self] in
            self?.handlers.withLock { all in
                if all[key]?.token == token { all[key] = nil }
            }
        }
    }

    /// Stops delivering `addon`'s events to this process.
    func remove(addon: String) {
        handlers.withLock { all in
            for key in all.keys where key.addon == addon { all[key] = nil }
        }
    }

    /// Writes `event` to the outbox if a durable subscription anywhere matches it.
    func publish(_ event: Event) async {
        do {
            try await store.publish(event)
        } catch {
            logger.error("cannot store an event for its durable subscribers", metadata: ["event": "\(event.name)", "id": "\(event.id)", "error": "\(error)"])
        }
    }

    /// Removes `addon`'s durable subscriptions and pending deliveries (its uninstall).
    func forget(addon: String) async {
        remove(addon: addon)
        do {
            try await store.forget(addon: addon)
        } catch {
            logger.warning("cannot remove the durable subscriptions of an uninstalled addon", metadata: ["addon": addon, "error": "\(error)"])
        }
    }

    /// Stops the delivery loop.
    func stop() async {
        let task = loop.withLock { task -> Task<Void, Never>? in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
    }

    private func startLoop() {
        loop.withLock { task in
            guard task == nil else { return }
            task = Task { [self] in await deliverUntilCancelled() }
        }
    }

    private func deliverUntilCancelled() async {
        while !Task.isCancelled {
            let keys = handlers.withLock { Array($0.keys) }
            var handled = 0
            if !keys.isEmpty {
                handled = await deliverOnce(keys)
            }
            // Polls while idle; goes straight on while there is work.
            if handled == 0 {
                do { try await Task.sleep(for: .milliseconds(200)) } catch { return }
            }
        }
    }

    /// Claims and handles one batch. - Returns: how many deliveries it handled.
    private func deliverOnce(_ keys: [SubscriptionKey]) async -> Int {
        let now = JobRunner.milliseconds(Date())
        let leaseMilliseconds = Int64(deadline.components.seconds * 1000) + 5000
        let claimed: [ClaimedDelivery]
        do {
            claimed = try await store.claim(for: keys, worker: worker, now: now, leaseUntil: now + leaseMilliseconds, limit: 16)
        } catch {
            logger.error("cannot claim event deliveries", metadata: ["error": "\(error)"])
            return 0
        }
        await withTaskGroup(of: Void.self) { group in
            for delivery in claimed {
                group.addTask { [self] in await handle(delivery) }
            }
        }
        return claimed.count
    }

    private func handle(_ delivery: ClaimedDelivery) async {
        let handler = handlers.withLock { $0[delivery.key]?.handler }
        var failure: String?
        if let handler {
            do {
                try await StepDeadline.run("event_delivery", addon: delivery.key.addon, limit: deadline) { try await handler(delivery.event) }
            } catch {
                failure = JobRunner.describe(error)
            }
        } else {
            failure = "the subscription stopped in this process before the event was handled"
        }
        do {
            if let failure {
                let backoff = min(60_000, 500 << min(delivery.attempts - 1, 7))
                try await store.failed(delivery, error: failure, retryAt: JobRunner.milliseconds(Date()) + Int64(backoff))
                logger.warning(delivery.attempts >= delivery.maxAttempts ? "event delivery gave up: dead letter" : "event delivery failed; retrying",
                               metadata: ["addon": delivery.key.addon, "event": "\(delivery.event.name)", "id": "\(delivery.event.id)", "attempt": "\(delivery.attempts)", "error": "\(failure)"])
            } else {
                try await store.delivered(delivery.id)
            }
        } catch {
            logger.error("cannot record an event delivery", metadata: ["addon": delivery.key.addon, "id": "\(delivery.event.id)", "error": "\(error)"])
        }
    }
}
