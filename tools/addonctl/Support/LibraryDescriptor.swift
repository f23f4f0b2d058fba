import Foundation
import Glibc
import PluginAPI

/// The ABI fields a built addon library reports, read through its C entry only (nothing of the
/// addon runs but that function), so the manifest records exactly what the binary was built with.
struct LibraryDescriptor {
    let abiVersion: Int
    let pluginAPIVersion: String
    let toolchain: String
    let architecture: String

    static func read(_ path: String) throws -> LibraryDescriptor {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            throw CLIError("\(path): cannot be loaded: \(dlerror().map { String(cString: $0) } ?? "unknown error")")
        }
        guard let symbol = dlsym(handle, "berth_addon_abi") else {
            throw CLIError("\(path): does not export berth_addon_abi; add the two @_cdecl entry points (see the README's addon guide)")
        }
        typealias Entry = @convention(c) (Int32) -> UnsafePointer<CChar>?
        let entry = unsafeBitCast(symbol, to: Entry.self)
        func field(_ number: Int32) throws -> String {
            guard let text = entry(number) else { throw CLIError("\(path): berth_addon_abi does not answer field \(number)") }
            return String(cString: text)
        }
        guard let abi = Int(try field(AddonABI.abiVersionField)) else {
            throw CLIError("\(path): berth_addon_abi reports an ABI version that is not a number")
        }
        return LibraryDescriptor(
            abiVersion: abi, pluginAPIVersion: try field(AddonABI.pluginAPIVersionField),
            toolchain: try field(AddonABI.toolchainField), architecture: try field(AddonABI.architectureField)
        )
    }
}
