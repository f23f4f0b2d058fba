import Glibc

/// A shared library mapped with `dlopen`, never closed.
///
/// Closing a Swift library unmaps metadata the runtime keeps pointers to (the next dynamic cast
/// anywhere faults), so libraries are opened with `RTLD_NODELETE` and no close exists. Reopening a
/// path returns the first handle: every installed version lives at a path of its own.
struct DynamicLibrary: @unchecked Sendable {
    // `@unchecked Sendable`: the handle is an immutable token that dlsym may use from any thread.
    let path: String
    private let handle: UnsafeMutableRawPointer

    /// Maps the library, resolving every symbol now.
    init(path: String) throws {
        dlerror()
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            throw LoaderError(.openFailed, "dlopen \(path) failed: \(Self.lastError())")
        }
        self.path = path
        self.handle = handle
    }

    /// The address of `name`, or `nil` if the library does not export it.
    func symbol(_ name: String) -> UnsafeMutableRawPointer? {
        dlerror()
        return dlsym(handle, name)
    }

    private static func lastError() -> String {
        guard let message = dlerror() else { return "unknown error" }
        return String(cString: message)
    }
}
