import PluginAPI

/// Decides from the request's header fields alone whether its body may be read at all, e.g. that
/// the caller is authenticated: a response refuses the request before any body byte is read (and
/// the connection is closed, since the body is not read); `nil` lets it through.
///
/// The second argument is the client's address (as ``PluginAPI/Request/remoteAddress``), e.g. to
/// count failed credentials per address.
///
/// Called on the polling thread for every request to the endpoint that carries a body: keep it to
/// a comparison, never anything that blocks.
public typealias HeaderCheck = @Sendable (HTTPHeaders, _ clientAddress: String) -> Response?
