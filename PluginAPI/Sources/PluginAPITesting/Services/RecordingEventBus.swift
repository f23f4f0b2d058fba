import Foundation
import PluginAPI

/// The events bus for tests: records what the addon publishes and delivers it to the addon's
/// own subscribers, in order.
///
/// `@unchecked Sendable`: its state is read and written only under `lock`.
public final class RecordingEventBus: EventBus, @unchecked Sendable {
    private let lock = NSLock()
    private let source: String
    private var events: [Event] = []
    private var subscribers: [(id: UUID, name: String, handler: @Sendable (Event) async -> Void)] = []

    /// Creates a bus whose events carry `source` (the addon's id).
    public init(source: String) {
        self.source = source
    }

    /// The events published so far, in order.
    public var published: [Event] { lock.withLock { events } }

    /// Records the event and runs the subscribers of `name`.
    public func publish(_ name: String, payload: JSONValue) async {
        let event = Event(name: name, source: source, payload: payload)
        let handlers = lock.withLock {
            events.append(event)
            return subscribers.filter { $0.name == name }.map(\.handler)
        }
        for handler in handlers { await handler(event) }
    }

    /// Subscribes `handler` to `name`.
    public func subscribe(_ name: String, _ handler: @escaping @Sendable (Event) async -> Void) async -> Subscription {
        let id = UUID()
        lock.withLock { subscribers.append((id, name, handler)) }
        return Subscription { [weak self] in self?.lock.withLock { self?.subscribers.removeAll { $0.id == id } } }
    }
}
