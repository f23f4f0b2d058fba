import Foundation
import PluginAPI

#if canImport(Glibc)
import Glibc
#endif

/// The addon the bench installs many times (figures 4 to 6): one library whose id and version are
/// read at run time from the `manifest.json` installed next to it, so one build can be packed
/// under any number of ids and mount prefixes.
///
/// Installed layout: `<install dir>/lib/libBenchAddon.so` and `<install dir>/manifest.json`. The
/// library finds its own path with `dladdr` on one of its symbols. Its route `GET /hello` answers
/// `Hello!` without touching the database, like greeter's `/hello`; `GET /hello-async` answers the
/// same from an async handler.
struct BenchAddon: Addon {
    let id: String
    let version: String

    func routes(_ routes: inout Routes, context: AddonContext) {
        routes.get("/hello") { _, _ in .text("Hello!") }
        routes.get("/hello-async", helloAsync)
    }

    /// The same answer as `/hello` from an async handler that never suspends: it runs in a task
    /// started on the polling thread, which is what the bench compares the synchronous route with.
    @Sendable private func helloAsync(_ request: Request, _ context: AddonContext) async throws -> Response {
        .text("Hello!")
    }
}

/// The `id` and `version` of the manifest installed with this library.
private struct ManifestIdentity: Decodable {
    let id: String
    let version: String
}

/// Reads the identity from `../manifest.json` relative to this library; an addon whose identity
/// cannot be read calls itself `bench-unknown`, which the host refuses (the manifest id differs).
private func installedIdentity() -> ManifestIdentity {
    let unknown = ManifestIdentity(id: "bench-unknown", version: "0.0.0")
    guard let path = libraryPath() else { return unknown }
    let library = URL(fileURLWithPath: path)
    let manifest = library.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("manifest.json")
    guard let data = try? Data(contentsOf: manifest), let identity = try? JSONDecoder().decode(ManifestIdentity.self, from: data) else {
        return unknown
    }
    return identity
}

/// The path of this library, from `dladdr` on its create entry. Swift's Glibc module does not
/// export `dladdr` (a GNU extension), so it is looked up with `dlsym`; its `Dl_info` is four
/// pointers, the first being the file name.
private func libraryPath() -> String? {
    typealias DLAddr = @convention(c) (UnsafeRawPointer?, UnsafeMutableRawPointer?) -> Int32
    guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "dladdr") else { return nil }
    let dladdr = unsafeBitCast(symbol, to: DLAddr.self)
    let info = UnsafeMutablePointer<UnsafeRawPointer?>.allocate(capacity: 4)
    defer { info.deallocate() }
    info.initialize(repeating: nil, count: 4)
    let entry: @convention(c) () -> UnsafeMutableRawPointer = berthAddonCreate
    guard dladdr(unsafeBitCast(entry, to: UnsafeRawPointer.self), UnsafeMutableRawPointer(info)) != 0, let name = info[0] else { return nil }
    return String(cString: name.assumingMemoryBound(to: CChar.self))
}

@_cdecl("berth_addon_abi")
public func berthAddonABI(_ field: Int32) -> UnsafePointer<CChar>? { AddonABI.describe(field) }

@_cdecl("berth_addon_create")
public func berthAddonCreate() -> UnsafeMutableRawPointer {
    let identity = installedIdentity()
    return AddonABI.export(BenchAddon(id: identity.id, version: identity.version))
}
