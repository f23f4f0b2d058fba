import Foundation
import FixtureIdentity
import PluginAPI

/// An addon whose id and version come from the `manifest.json` installed beside its library, so
/// one build serves as any number of addons and versions (upgrade, dependency and scale tests).
struct FixtureManifestAddon: Addon {
    let id: String
    let version: String

    /// Waits `startDelayMilliseconds` (configuration) before starting: a slow start for tests of
    /// concurrent admin requests. With `hangOnEvents` (a pattern), subscribes a handler that never
    /// returns: for the deadline of event delivery.
    func start(_ context: AddonContext) async throws {
        if let delay = context.configuration.integer("startDelayMilliseconds") {
            try await Task.sleep(for: .milliseconds(delay))
        }
        if let pattern = context.configuration.string("hangOnEvents") {
            _ = await context.events.subscribe(pattern) { _ in
                // Suspended for good, deaf to cancellation, holding no thread.
                await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
            }
        }
        let id = id
        await context.services.provide("echo") { argument in .object(["from": .string(id), "echo": argument]) }
    }

    func routes(_ routes: inout Routes, context: AddonContext) {
        let version = version
        routes.get("/version") { _, _ in .text(version) }
        routes.get("/served-by") { _, _ in .text("\(version) \(getpid())") }
        // Synchronous handlers that throw: the host answers for them as it does for async ones.
        routes.get("/teapot") { _, _ in throw HTTPError(status: 418, code: "teapot", message: "short and stout") }
        routes.get("/broken") { _, _ in throw CocoaError(.fileNoSuchFile) }
        routes.get("/items") { _, context in
            let rows = try await context.database.query("SELECT name FROM items ORDER BY name")
            return .text(rows.compactMap { $0["name"]?.text }.joined(separator: ","))
        }
        routes.get("/fetch") { request, context in
            do {
                let response = try await context.http.send(OutgoingRequest(url: request.queryValue("url") ?? ""))
                return .text("\(response.status) \(String(decoding: response.body, as: UTF8.self))")
            } catch {
                return .text("refused: \(error)", status: 502)
            }
        }
        routes.post("/scratch") { request, context in
            guard let folder = context.scratchDirectory else { return .text("refused: no scratch directory", status: 502) }
            try Data(request.body).write(to: URL(fileURLWithPath: folder + "/note.txt"))
            return .text(folder, status: 201)
        }
        routes.get("/call") { request, context in
            do {
                let answer = try await context.services.call(request.queryValue("provider") ?? "", request.queryValue("name") ?? "", .string("ping"))
                return .text("\(answer)")
            } catch {
                return .text("refused: \(error)", status: 502)
            }
        }
        routes.post("/items") { request, context in
            try await context.database.execute("INSERT INTO items (name) VALUES ($1)", [.text(request.bodyText)])
            return .text("added", status: 201)
        }
    }

    /// Reads id and version from the manifest installed beside the library.
    static func fromInstalledManifest() -> FixtureManifestAddon {
        let identity = installedIdentity()
        return FixtureManifestAddon(id: identity.id, version: identity.version)
    }
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(FixtureManifestAddon.fromInstalledManifest()) }
