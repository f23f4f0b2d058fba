import Foundation
import PluginAPI
import Synchronization

/// The in-process events bus. Subscriptions are tagged with their owner so that everything an addon
/// subscribed is cancelled when it stops, and the residue audit can count what is left.
public final class HostEventBus: Sendable {
    private struct Subscriber: Sendable {
        let owner: String
        let instance: UInt64
        let pattern: String
        let handler: @Sendable (Event) async -> Void
    }

    private let subscribers = Mutex<[UInt64: Subscriber]>([:])
    private let nextID = Atomic<UInt64>(1)
    /// Durable deliveries across workers and nodes; see ``attach(_:)``.
    private let outbox = Mutex<EventOutbox?>(nil)
    /// The durable subscriptions made in this process, to end with their owner or instance.
    private let durable = Mutex<[UInt64: (owner: String, instance: UInt64, cancel: @Sendable () -> Void)]>([:])

    /// Creates an empty bus.
    public init() {}

    /// Stores `event` for the durable subscribers of every process (see ``EventOutbox``), then
    /// delivers it to every matching in-process subscriber, in subscription order. A subscriber's handler
    /// runs with the `BERTH_EVENT_TIMEOUT` deadline: one that does not return in time is left
    /// running and the next subscriber gets the event, so no handler holds up the publisher (an
    /// admin change publishes its lifecycle events before it answers).
    public func publish(_ event: Event) async {
        var stamped = event
        if stamped.id.isEmpty { stamped.id = UUID().uuidString.lowercased() }
        if stamped.publishedAtMilliseconds == 0 { stamped.publishedAtMilliseconds = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
        let event = stamped
        await outbox.withLock { $0 }?.publish(event)
        let matching = subscribers.withLock { all in
            all.sorted { $0.key < $1.key }.map(\.value).filter { Self.matches($0.pattern, event.name) }
        }
        for subscriber in matching {
            let handler = subscriber.handler
            do {
                try await StepDeadline.run("event_delivery", addon: subscriber.owner, limit: LifecycleDeadlines.current.eventDelivery) { await handler(event) }
            } catch {
                Self.logger.warning("an event handler missed its deadline", metadata: ["addon": subscriber.owner, "event": event.name])
            }
        }
    }

    private static let logger = Logger(label: "berth.events", handler: HostLogHandler())

    /// Adds a subscriber owned by `owner`.
    func subscribe(owner: String, instance: UInt64, pattern: String, handler: @escaping @Sendable (Event) async -> Void) -> Subscription {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        subscribers.withLock { $0[id] = Subscriber(owner: owner, instance: instance, pattern: pattern, handler: handler) }
        return Subscription { [weak self] in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
    }

    /// Makes durable subscriptions durable: without an outbox they are in-process ones.
    func attach(_ outbox: EventOutbox) {
        self.outbox.withLock { $0 = outbox }
    }

    /// The outbox attached with ``attach(_:)``.
    var attachedOutbox: EventOutbox? { outbox.withLock { $0 } }

    /// Adds a subscription owned by `owner` as `options` say: durable through the outbox, or in
    /// this process (a handler's error is then logged and dropped).
    func subscribe(owner: String, instance: UInt64, pattern: String, options: SubscriptionOptions, handler: @escaping @Sendable (Event) async throws -> Void) async -> Subscription {
        guard options.durable, let outbox = outbox.withLock({ $0 }) else {
            return subscribe(owner: owner, instance: instance, pattern: pattern) { event in
                do { try await handler(event) } catch {
                    Self.logger.warning("an event handler failed", metadata: ["addon": owner, "event": event.name, "error": "\(error)"])
                }
            }
        }
        let cancel = await outbox.subscribe(SubscriptionKey(addon: owner, pattern: pattern), options: options, handler: handler)
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        durable.withLock { $0[id] = (owner, instance, cancel) }
        return Subscription { [weak self] in
            self?.durable.withLock { $0.removeValue(forKey: id) }?.cancel()
        }
    }

    /// The durable subscriptions of this process matching `belongs`, removed and stopped.
    private func endDurable(where belongs: ((owner: String, instance: UInt64, cancel: @Sendable () -> Void)) -> Bool) -> Int {
        let ended = durable.withLock { all in
            let ids = all.filter { belongs($0.value) }.map(\.key)
            return ids.compactMap { all.removeValue(forKey: $0) }
        }
        ended.forEach { $0.cancel() }
        return ended.count
    }

    /// Cancels every subscription of `owner`.
    /// - Returns: how many were cancelled.
    @discardableResult
    public func cancelAll(owner: String) -> Int {
        let local = subscribers.withLock { all in
            let ids = all.filter { $0.value.owner == owner }.map(\.key)
            ids.forEach { all.removeValue(forKey: $0) }
            return ids.count
        }
        return local + endDurable { $0.owner == owner }
    }

    /// Cancels the subscriptions of one loaded instance of an addon (the old one, after an upgrade).
    @discardableResult
    public func cancelAll(instance: UInt64) -> Int {
        let local = subscribers.withLock { all in
            let ids = all.filter { $0.value.instance == instance }.map(\.key)
            ids.forEach { all.removeValue(forKey: $0) }
            return ids.count
        }
        return local + endDurable { $0.instance == instance }
    }

    /// A number that tells one loaded instance of an addon from another.
    public func newInstance() -> UInt64 {
        nextID.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    /// How many subscriptions `owner` holds.
    public func subscriptionCount(owner: String) -> Int {
        subscribers.withLock { $0.values.filter { $0.owner == owner }.count } + durable.withLock { $0.values.filter { $0.owner == owner }.count }
    }

    /// The bus as one addon sees it: events it publishes carry its id as source.
    public func view(for owner: String, instance: UInt64) -> any EventBus {
        AddonEventBus(owner: owner, instance: instance, bus: self)
    }

    /// `*` matches every name; `prefix.*` every name under `prefix.`; anything else itself.
    static func matches(_ pattern: String, _ name: String) -> Bool {
        if pattern == "*" { return true }
        if pattern.hasSuffix(".*") { return name.hasPrefix(pattern.dropLast()) }
        return pattern == name
    }
}

/// One addon's view of the bus.
struct AddonEventBus: EventBus {
    let owner: String
    let instance: UInt64
    let bus: HostEventBus

    func publish(_ name: String, payload: JSONValue) async {
        await bus.publish(Event(name: name, source: owner, payload: payload))
    }

    func subscribe(_ name: String, _ handler: @escaping @Sendable (Event) async -> Void) async -> Subscription {
        bus.subscribe(owner: owner, instance: instance, pattern: name, handler: handler)
    }

    func subscribe(_ name: String, options: SubscriptionOptions, _ handler: @escaping @Sendable (Event) async throws -> Void) async -> Subscription {
        await bus.subscribe(owner: owner, instance: instance, pattern: name, options: options, handler: handler)
    }
}
