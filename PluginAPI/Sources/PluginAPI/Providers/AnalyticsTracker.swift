/// An analytics event.
public struct AnalyticsEvent: Sendable, Hashable {
    /// The event's name, e.g. `signup_completed`.
    public var name: String
    /// The user it is about, if known.
    public var userID: String?
    /// An anonymous visitor id, when there is no user.
    public var anonymousID: String?
    /// The event's properties.
    public var properties: [String: JSONValue]

    /// Creates an event.
    public init(name: String, userID: String? = nil, anonymousID: String? = nil, properties: [String: JSONValue] = [:]) {
        self.name = name
        self.userID = userID
        self.anonymousID = anonymousID
        self.properties = properties
    }
}

/// The analytics fan-out (`ANALYTICS_PROVIDERS`), reached with `try context.service(.analytics)`:
/// every configured provider receives each call; one provider failing does not stop the others.
public protocol AnalyticsTracker: Sendable {
    /// Records `event`.
    func track(_ event: AnalyticsEvent) async

    /// Attaches `traits` (e.g. plan, signup date) to `userID`.
    func identify(userID: String, traits: [String: JSONValue]) async
}
