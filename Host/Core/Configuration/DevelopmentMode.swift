import Foundation

/// `BERTH_DEV_MODE=1`: a host for developing addons. It accepts a changed package under a version
/// it already has (the catalog's copy is replaced, and an installed addon of that version can be
/// reinstalled in place with an upgrade to the same version), so `addonctl dev` can rebuild without
/// bumping versions. Off (every production host), a changed package under an existing version is
/// refused with 409 `package_version_exists`.
enum DevelopmentMode {
    /// Whether this process runs in development mode; workers inherit the variable.
    static var isOn: Bool { ProcessInfo.processInfo.environment["BERTH_DEV_MODE"] == "1" }
}
