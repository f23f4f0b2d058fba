import BerthPackages
import Foundation
import PluginAPI

/// The console's files (HTML, CSS, JavaScript modules), read once when the host starts and served
/// from memory with a strict Content-Security-Policy and an ETag for revalidation.
struct ConsoleAssets: Sendable {
    typealias Asset = StaticAsset

    /// Scripts, styles, images and requests only from this origin; no inline script or style, no
    /// plugin, no framing of the console, no form posted elsewhere. Frames only of this host: the
    /// addon pages under `/apps/`, which the host serves sandboxed.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "font-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

    /// Where the files were read from, or nil when no console folder was found.
    let directory: String?
    /// Every file, keyed by its path relative to the folder (`index.html`, `js/app.js`).
    let files: [String: Asset]
    /// The folders that were searched, for the error when none held the console.
    let searched: [String]

    /// Reads the console from `BERTH_CONSOLE_DIR`, else from the first `Console/` folder at or above
    /// the executable's folder (a checkout's build), else from `share/berth/console` beside its `bin/`.
    static func load(environment: [String: String] = ProcessInfo.processInfo.environment, executable: String) -> ConsoleAssets {
        var candidates: [String] = []
        if let configured = environment["BERTH_CONSOLE_DIR"], !configured.isEmpty {
            candidates = [configured]
        } else {
            var folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
            candidates.append(folder.deletingLastPathComponent().appendingPathComponent("share/berth/console").path)
            for _ in 0 ..< 6 {
                candidates.append(folder.appendingPathComponent("Console").path)
                folder = folder.deletingLastPathComponent()
            }
        }
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate + "/index.html") {
            return ConsoleAssets(directory: candidate, files: read(candidate), searched: candidates)
        }
        return ConsoleAssets(directory: nil, files: [:], searched: candidates)
    }

    private static func read(_ root: String) -> [String: Asset] {
        var files: [String: Asset] = [:]
        guard let walker = FileManager.default.enumerator(atPath: root) else { return files }
        while let relative = walker.nextObject() as? String {
            guard let type = contentType(of: relative), !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }),
                  let data = FileManager.default.contents(atPath: root + "/" + relative) else { continue }
            let bytes = Array(data)
            files[relative] = Asset(body: bytes, contentType: type)
        }
        return files
    }

    /// The types the console is made of; any other file in the folder is not served.
    static func contentType(of path: String) -> String? {
        switch (path as NSString).pathExtension {
        case "html": "text/html; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "json": "application/json"
        default: nil
        }
    }

    /// The answer for `GET /admin/<relative>`: the file, a 304 when the browser holds this version,
    /// or a JSON 404.
    func response(for relative: String, request: Request) -> Response {
        guard directory != nil else {
            return JSONResponse.error(status: 503, code: "console_missing", message: "the console's files were not found (looked in \(searched.joined(separator: ", "))): set BERTH_CONSOLE_DIR to the Console folder")
        }
        guard let asset = files[relative] else {
            return JSONResponse.error(status: 404, code: "not_found", message: "the console has no file \(relative)")
        }
        var response = asset.answer(to: request)
        Self.secure(&response)
        return response
    }

    /// The headers every console answer carries.
    static func secure(_ response: inout Response) {
        response.headers["Content-Security-Policy"] = contentSecurityPolicy
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    }
}
