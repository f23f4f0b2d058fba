/// An in-process event, published by the host or by an addon.
public struct Event: Sendable, Hashable {
    /// The event's name, e.g. `chat.message.created` or `berth.addon.installed`.
    public var name: String

    /// Who published it: an addon's id, or `berth` for the host.
    public var source: String

    /// The event's data.
    public var payload: JSONValue

    /// Creates an event.
    public init(name: String, source: String, payload: JSONValue = .null) {
        self.name = name
        self.source = source
        self.payload = payload
    }
}

/// Publish/subscribe between the host and addons, within one process.
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
