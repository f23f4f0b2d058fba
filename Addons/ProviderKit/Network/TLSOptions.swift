/// How a client connection speaks TLS: the certificate is always verified against the system's
/// roots (or `caFile`) and the server's name.
public struct TLSOptions: Sendable, Hashable {
    /// The name the certificate must carry (and the SNI sent); defaults to the host connected to.
    public var serverName: String?
    /// A PEM file of trusted certificate authorities instead of the system's.
    public var caFile: String?

    /// Creates options.
    public init(serverName: String? = nil, caFile: String? = nil) {
        self.serverName = serverName
        self.caFile = caFile
    }
}
