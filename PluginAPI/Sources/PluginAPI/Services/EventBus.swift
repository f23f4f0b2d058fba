/// An event, published by the host or by an addon.
public struct Event: Sendable, Hashable {
    /// The event's name, e.g. `chat.message.created` or `berth.addon.installed`.
    public var name: String

    /// Who published it: an addon's id, or `berth` for the host.
    public var source: String

    /// The event's data.
    public var payload: JSONValue

    /// The host's identifier of the event, unique across workers and nodes (empty until the host
    /// published it).
    public var id: String = ""

    /// When the host published it, in milliseconds since 1970-01-01 UTC (0 until then).
    public var publishedAtMilliseconds: Int64 = 0

    /// Creates an event.
    public init(name: String, source: String, payload: JSONValue = .null) {
        self.name = name
        self.source = source
        self.payload = payload
    }

    /// Creates an event with its identifier and publication time; called by the host.
    public init(id: String, name: String, source: String, payload: JSONValue, publishedAtMilliseconds: Int64) {
        self.init(name: name, source: source, payload: payload)
        self.id = id
        self.publishedAtMilliseconds = publishedAtMilliseconds
    }
}

/// How a subscription made with ``EventBus/subscribe(_:options:_:)`` receives its events.
public struct SubscriptionOptions: Sendable, Hashable {
    /// Whether the host keeps each matching event in its database until this subscription handled
    /// it, whichever worker or node published it (default true). Non-durable subscriptions get only
    /// the events published in their own process, once, like ``EventBus/subscribe(_:_:)``.
    public var durable: Bool

    /// Among the durable subscribers of one event, higher priorities handle it first: a subscriber
    /// gets an event once every subscriber of higher priority handled it or gave up (default 0).
    public var priority: Int

    /// How many times a durable delivery is tried (the handler throws or misses its deadline) before
    /// the event goes to the dead letters, `GET /api/v1/events/dead` (default 5, at least 1).
    public var maxAttempts: Int

    /// Creates options.
    public init(durable: Bool = true, priority: Int = 0, maxAttempts: Int = 5) {
        self.durable = durable
        self.priority = priority
        self.maxAttempts = max(1, maxAttempts)
    }
}

/// Publish/subscribe between the host and addons: in one process with ``subscribe(_:_:)``, across
/// every worker and node with a durable ``subscribe(_:options:_:)``.
///
/// The host publishes lifecycle events named `berth.addon.installed`, `berth.addon.activated`,
/// `berth.addon.deactivated` and `berth.addon.uninstalled`, with payload `{"id":…,"version":…}`.
/// An addon's subscriptions are cancelled when it stops.
public protocol EventBus: Sendable {
    /// Publishes an event under the caller's name; subscribers run before this returns.
    func publish(_ name: String, payload: JSONValue) async

    /// Calls `handler` for every event named `name` (`*` for every event) until cancelled.
    @discardableResult
    func subscribe(_ name: String, _ handler: @escaping @Sendable (Event) async -> Void) async -> Subscription

    /// Calls `handler` for every event named `name` (`*` every event, `prefix.*` every name under
    /// `prefix.`) as `options` say. With a durable subscription each event is handled once by this
    /// addon, in whichever of its workers or nodes claims it first; a handler that throws (or misses
    /// the host's event deadline) gets the event again after a back-off, up to
    /// ``SubscriptionOptions/maxAttempts``, then the event is a dead letter. The subscription is
    /// kept by the host until the addon is uninstalled, so events published while the addon is
    /// stopped wait for it; ``Subscription/cancel()`` only stops delivery to this process.
    @discardableResult
    func subscribe(_ name: String, options: SubscriptionOptions, _ handler: @escaping @Sendable (Event) async throws -> Void) async -> Subscription
}

extension EventBus {
    /// By default (a bus without durable delivery) an in-process subscription whose handler's
    /// errors are dropped.
    @discardableResult
    public func subscribe(_ name: String, options: SubscriptionOptions, _ handler: @escaping @Sendable (Event) async throws -> Void) async -> Subscription {
        await subscribe(name) { event in try? await handler(event) }
    }
}

/// A subscription returned by ``EventBus/subscribe(_:_:)``.
public struct Subscription: Sendable {
    private let cancelAction: @Sendable () -> Void

    /// Creates a subscription whose cancellation runs `cancel`; called by the host.
    public init(cancel: @escaping @Sendable () -> Void) {
        self.cancelAction = cancel
    }

    /// Stops delivering events to the handler.
    public func cancel() {
        cancelAction()
    }
}
