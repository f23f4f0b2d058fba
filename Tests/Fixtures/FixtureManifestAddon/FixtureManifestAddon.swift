import Foundation
import PluginAPI

/// An addon whose id and version come from the `manifest.json` installed beside its library, so
/// one build serves as any number of addons and versions (upgrade, dependency and scale tests).
struct FixtureManifestAddon: Addon {
    let id: String
    let version: String

    /// Waits `startDelayMilliseconds` (configuration) before starting: a slow start for tests of
    /// concurrent admin requests.
    func start(_ context: AddonContext) async throws {
        if let delay = context.configuration.integer("startDelayMilliseconds") {
            try await Task.sleep(for: .milliseconds(delay))
        }
        let id = id
        await context.services.provide("echo") { argument in .object(["from": .string(id), "echo": argument]) }
    }

    func routes(_ routes: inout Routes, context: AddonContext) {
        let version = version
        routes.get("/version") { _, _ in .text(version) }
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

    /// Reads id and version from `<install folder>/manifest.json`; the library is `<install folder>/lib/…`.
    static func fromInstalledManifest() -> FixtureManifestAddon {
        guard let path = libraryPath() else { fatalError("cannot locate the fixture library") }
        let library = URL(fileURLWithPath: path)
        let manifest = library.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("manifest.json")
        guard let data = try? Data(contentsOf: manifest),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let id = object["id"] as? String, let version = object["version"] as? String
        else { fatalError("no readable manifest.json at \(manifest.path)") }
        return FixtureManifestAddon(id: id, version: version)
    }
}

/// The file this library was mapped from: the mapping of `/proc/self/maps` that holds its header.
private func libraryPath() -> String? {
    let address = UInt(bitPattern: #dsohandle)
    guard let maps = FileHandle(forReadingAtPath: "/proc/self/maps")?.readDataToEndOfFile() else { return nil }
    for line in String(decoding: maps, as: UTF8.self).split(separator: "\n") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        let bounds = fields.first?.split(separator: "-").compactMap { UInt($0, radix: 16) } ?? []
        if bounds.count == 2, bounds[0] <= address, address < bounds[1], fields.count >= 6 {
            return String(fields[5])
        }
    }
    return nil
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer { AddonABI.export(FixtureManifestAddon.fromInstalledManifest()) }
