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

    /// Creates an empty bus.
    public init() {}

    /// Delivers `event` to every matching subscriber, in subscription order. A subscriber's handler
    /// runs with the `BERTH_EVENT_TIMEOUT` deadline: one that does not return in time is left
    /// running and the next subscriber gets the event, so no handler holds up the publisher (an
    /// admin change publishes its lifecycle events before it answers).
    public func publish(_ event: Event) async {
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

    /// Cancels every subscription of `owner`.
    /// - Returns: how many were cancelled.
    @discardableResult
    public func cancelAll(owner: String) -> Int {
        subscribers.withLock { all in
            let ids = all.filter { $0.value.owner == owner }.map(\.key)
            ids.forEach { all.removeValue(forKey: $0) }
            return ids.count
        }
    }

    /// Cancels the subscriptions of one loaded instance of an addon (the old one, after an upgrade).
    @discardableResult
    public func cancelAll(instance: UInt64) -> Int {
        subscribers.withLock { all in
            let ids = all.filter { $0.value.instance == instance }.map(\.key)
            ids.forEach { all.removeValue(forKey: $0) }
            return ids.count
        }
    }

    /// A number that tells one loaded instance of an addon from another.
    public func newInstance() -> UInt64 {
        nextID.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    /// How many subscriptions `owner` holds.
    public func subscriptionCount(owner: String) -> Int {
        subscribers.withLock { $0.values.filter { $0.owner == owner }.count }
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
}
