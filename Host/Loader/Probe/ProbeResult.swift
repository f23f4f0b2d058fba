/// What a probe child reports on its standard output, as one JSON object.
public struct ProbeResult: Codable, Sendable, Hashable {
    /// One route the addon registered.
    public struct Route: Codable, Sendable, Hashable {
        /// The method, e.g. `GET`.
        public var method: String
        /// The path relative to the mount prefix.
        public var path: String
    }

    /// Whether the library loaded and created its addon.
    public var ok: Bool
    /// The error code when `ok` is false.
    public var code: String?
    /// The error message when `ok` is false.
    public var message: String?
    /// The ABI fields the library reported.
    public var descriptor: AddonDescriptor?
    /// The addon's id.
    public var id: String?
    /// The addon's version.
    public var version: String?
    /// The routes the addon registers.
    public var routes: [Route]?
}
