import BerthHTTP
import BerthPackages
import Foundation
import PluginAPI

/// The files of one installed addon's `assets/` folder, served from memory at `/apps/<id>/…`, and
/// its navigation items.
///
/// Every answer carries a Content-Security-Policy starting with `sandbox`: the browser gives the
/// page an opaque origin, whether it is opened on its own or framed by the console, so it cannot
/// script the console, read its storage, or send the console's `SameSite=Strict` cookie; the admin
/// API also refuses the cookie from any origin but the host's own (see ``ConsoleSessions``).
struct AddonPageSet: Sendable {
    /// One file of `assets/`.
    typealias Asset = StaticAsset

    /// Scripts (`allow-scripts`) and forms (`allow-forms`) run in an opaque origin; no
    /// same-origin access, no top-level navigation, no pop-ups. Resources only from this host,
    /// framing only by this host's console.
    static let contentSecurityPolicy =
        "sandbox allow-scripts allow-forms; default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'; object-src 'none'"

    /// The most bytes of assets one addon may serve (all held in memory by every worker).
    static let maximumBytes = 8 << 20

    let addonID: String
    let addonName: String
    /// Path relative to `assets/` → file.
    let files: [String: Asset]
    let navigation: [NavigationItem]

    /// The URL path of a file of `assets/`.
    static func url(of addonID: String, _ path: String) -> String {
        "/apps/\(addonID)/" + path
    }

    /// Reads the files of `assets/` the manifest lists from the installed package's folder.
    /// - Returns: nil when the package has neither assets nor navigation items.
    static func load(manifest: Manifest, folder: String) throws -> AddonPageSet? {
        let listed = manifest.files.keys.filter { $0.hasPrefix("assets/") }.sorted()
        guard !listed.isEmpty || !manifest.navigation.isEmpty else { return nil }
        var files: [String: Asset] = [:]
        var total = 0
        for path in listed {
            guard let data = FileManager.default.contents(atPath: folder + "/" + path) else {
                throw BerthError.internalError("asset_missing", "\(manifest.id): the installed file \(path) cannot be read")
            }
            total += data.count
            guard total <= maximumBytes else {
                throw BerthError.unprocessable("assets_too_large", "\(manifest.id): its assets/ folder holds more than \(maximumBytes >> 20) MB, more than the host serves from memory")
            }
            let bytes = Array(data)
            files[String(path.dropFirst("assets/".count))] = Asset(body: bytes, contentType: contentType(of: path))
        }
        return AddonPageSet(addonID: manifest.id, addonName: manifest.name ?? manifest.id, files: files, navigation: manifest.navigation)
    }

    /// Adds `GET /apps/<id>/*` (`/apps/<id>/` is its `index.html`; `/apps/<id>` redirects there) to `table`, owned by the addon,
    /// so unmounting the addon removes them with its routes.
    func register(in table: inout RoutingTable) throws {
        let pages = self
        // The folder's URL ends in `/`, so the page's relative links resolve inside it.
        try table.add(.get, "/apps/\(addonID)", owner: addonID, bodyLimit: 0, immediate: { request in
            // The router lets `/apps/<id>/` reach this route too.
            if request.path.hasSuffix("/") { return pages.response(for: "index.html", request: request) }
            var response = Response(status: 308)
            response.headers["Location"] = "/apps/\(pages.addonID)/"
            Self.secure(&response)
            return response
        })
        try table.add(.get, "/apps/\(addonID)/*", owner: addonID, bodyLimit: 0, immediate: { request in
            let relative = request.parameters["*"] ?? ""
            return pages.response(for: relative.isEmpty ? "index.html" : relative, request: request)
        })
    }

    /// The file, a 304 when the browser holds this version, or a JSON 404.
    func response(for relative: String, request: Request) -> Response {
        var response: Response
        if let asset = files[relative] {
            response = asset.answer(to: request)
        } else {
            response = JSONResponse.error(status: 404, code: "not_found", message: "addon \(addonID) has no page \(relative.prefix(200))")
        }
        Self.secure(&response)
        return response
    }

    /// The headers of every answer under `/apps/<id>/`. `Access-Control-Allow-Origin: *` lets the
    /// sandboxed page (whose origin is opaque, `null`) load its own module scripts and styles, which
    /// are public files; it carries no credentials.
    static func secure(_ response: inout Response) {
        response.headers["Content-Security-Policy"] = contentSecurityPolicy
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Access-Control-Allow-Origin"] = "*"
    }

    /// The type a file is served with; a file of another kind is served as bytes to download.
    static func contentType(of path: String) -> String {
        switch (path as NSString).pathExtension.lowercased() {
        case "html", "htm": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "json": "application/json"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "gif": "image/gif"
        case "webp": "image/webp"
        case "ico": "image/x-icon"
        case "woff2": "font/woff2"
        case "txt", "md": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }
}
