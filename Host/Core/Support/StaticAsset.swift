import BerthPackages
import PluginAPI

/// A file served from memory (the console's, an addon page's) with an ETag, so a browser that holds
/// this version gets a 304 without a body.
struct StaticAsset: Sendable {
    let body: [UInt8]
    let contentType: String
    let etag: String

    init(body: [UInt8], contentType: String) {
        self.body = body
        self.contentType = contentType
        etag = "\"" + SHA256Digest.hex(body).prefix(32) + "\""
    }

    /// The file, or a 304 when `request` names this version in `If-None-Match`. Revalidated on
    /// every load (`no-cache`), so a new version is served at once and an unchanged one costs a 304.
    func answer(to request: Request) -> Response {
        var response: Response
        if request.headers["If-None-Match"] == etag {
            response = Response(status: 304)
        } else {
            response = Response(status: 200, body: body)
            response.headers["Content-Type"] = contentType
        }
        response.headers["ETag"] = etag
        response.headers["Cache-Control"] = "no-cache"
        return response
    }
}
