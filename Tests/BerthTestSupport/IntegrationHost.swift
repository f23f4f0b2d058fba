import Foundation

/// A real `berth` serving a fresh home on loopback, with a signing key it trusts.
public final class IntegrationHost: @unchecked Sendable {
    // `@unchecked Sendable`: the stored properties are immutable; BerthProcess is used in sequence.
    /// The test's temporary folder (keys, packages, the home).
    public let folder: TemporaryDirectory
    /// Makes packages signed by the trusted key.
    public let packages: PackageFactory
    /// The host process.
    public let berth: BerthProcess

    /// The home folder.
    public var home: String { berth.home }

    /// Starts a host on a fresh home.
    public init(environment: [String: String] = [:]) throws {
        folder = try TemporaryDirectory("berth-it")
        packages = try PackageFactory(folder: folder.appending("keys"))
        var environment = environment
        environment["BERTH_TRUSTED_KEYS"] = packages.publicKeyFile
        berth = BerthProcess(home: folder.appending("home"), environment: environment)
        try berth.start()
    }

    /// Stops the host and deletes the folder; with `BERTH_TEST_SHOW_LOG` set, prints the host's log first.
    public func close() {
        berth.stop()
        if ProcessInfo.processInfo.environment["BERTH_TEST_SHOW_LOG"] != nil { print(berth.tail(400)) }
        folder.remove()
    }

    /// Uploads an archive to the catalog.
    public func upload(_ archive: String) throws -> HTTPTestClient.Reply {
        let body = try Data(contentsOf: URL(fileURLWithPath: archive))
        return try berth.admin.send("POST", "/api/v1/marketplace/packages", body: Array(body))
    }

    /// Installs `id` from the catalog.
    public func install(_ id: String, version: String? = nil, config: [String: Any]? = nil) throws -> HTTPTestClient.Reply {
        var body: [String: Any] = ["id": id]
        if let version { body["version"] = version }
        if let config { body["config"] = config }
        return try berth.admin.sendJSON("POST", "/api/v1/marketplace/install", body)
    }

    /// Uploads and installs, expecting both to succeed.
    public func uploadAndInstall(_ archive: String, id: String, config: [String: Any]? = nil) throws -> HTTPTestClient.Reply {
        let uploaded = try upload(archive)
        guard uploaded.status == 201 || uploaded.status == 200 else { throw ClientError("upload failed: \(uploaded.status) \(uploaded.text)") }
        let installed = try install(id, config: config)
        guard installed.status == 201 else { throw ClientError("install failed: \(installed.status) \(installed.text)") }
        return installed
    }

    /// Uninstalls `id`.
    public func uninstall(_ id: String) throws -> HTTPTestClient.Reply {
        try berth.admin.send("DELETE", "/api/v1/marketplace/uninstall/\(id)")
    }

    /// A snapshot of the home now.
    public func snapshot() -> HomeSnapshot { HomeSnapshot(home) }
}
