/// One provider a slot can use: the host's own or one an addon offered.
public struct ProviderEntry: Sendable {
    /// The slot it fills.
    public let slot: Slot
    /// Its name in the slot's variable, e.g. `console` or `smtp`.
    public let name: String
    /// Who supplies it: `host`, or the id of the addon that offered it.
    public let supplier: String
    /// The provider, conforming to the slot's protocol (e.g. `any EmailSender`).
    public let provider: any Sendable
    /// A health check: `nil` when healthy, otherwise what is wrong.
    public let health: @Sendable () async -> String?

    /// The supplier name of the host's own providers.
    public static let host = "host"

    /// Creates an entry.
    public init(slot: Slot, name: String, supplier: String, provider: any Sendable, health: @escaping @Sendable () async -> String? = { nil }) {
        self.slot = slot
        self.name = name
        self.supplier = supplier
        self.provider = provider
        self.health = health
    }
}

/// What `GET /api/v1/providers` shows of one slot.
public struct SlotReport: Sendable, Encodable {
    /// One provider of the slot's selection.
    public struct Member: Sendable, Encodable {
        /// Its name.
        public let name: String
        /// `host` or the supplying addon's id; `nil` if it is not installed.
        public let suppliedBy: String?
        /// `ok`, or `failing`, or `missing`.
        public let health: String
        /// What is wrong, when not `ok`.
        public let problem: String?
        /// The last delivery failure of a fan-out slot, if any.
        public let lastFailure: String?
    }

    /// The slot's name.
    public let slot: String
    /// Its variable.
    public let variable: String
    /// The selection as text, e.g. `failover:smtp,console`.
    public let provider: String
    /// `single`, `failover`, `round_robin` or `all`.
    public let mode: String
    /// Where the selection came from: `default`, `environment` or `admin`.
    public let source: String
    /// The selected providers, in order.
    public let providers: [Member]
    /// Every provider installed for the slot.
    public let available: [String]
    /// `ok` when every selected provider is healthy.
    public let health: String
}
