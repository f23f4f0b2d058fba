import PluginAPI

/// The signed description of an addon package (`manifest.json` at the archive's top).
///
/// The signature (`manifest.sig`) covers the manifest's exact bytes; the manifest covers every other
/// file of the archive through ``files`` (path → SHA-256, lowercase hex).
public struct Manifest: Codable, Sendable, Hashable {
    /// Format version of the manifest itself.
    public var format: Int = 1
    /// The addon's identifier: lowercase letters, digits and `_`, 2–64 characters, starting with a letter.
    public var id: String
    /// Semantic version, `MAJOR.MINOR.PATCH`.
    public var version: String
    /// A short name for people.
    public var name: String?
    /// What the addon does.
    public var description: String?
    /// Range of PluginAPI versions the addon works with, e.g. `>=1.0.0 <2.0.0`.
    public var pluginAPI: String
    /// The C-ABI version of the addon's entry points.
    public var abi: Int
    /// Swift toolchain the library was built with, e.g. `6.3.1`.
    public var toolchain: String
    /// CPU architecture, e.g. `x86_64`.
    public var architecture: String
    /// Path of the shared library inside the archive, e.g. `lib/libGreeter.so`.
    public var library: String
    /// Path prefix the addon's routes are mounted under, e.g. `/api/v1/greet`.
    public var mountPrefix: String
    /// What the addon may use, e.g. `database`, `events`.
    public var permissions: [String] = []
    /// Other addons this one needs: id → semantic-version range.
    public var dependencies: [String: String] = [:]
    /// JSON Schema of the addon's configuration (kept as raw JSON).
    public var configSchema: JSONValue?
    /// Configuration keys whose values are redacted in answers and logs.
    public var sensitiveKeys: [String] = []
    /// Migrations in the order they apply.
    public var migrations: [MigrationEntry] = []
    /// Every file of the archive other than `manifest.json` and `manifest.sig`: path → SHA-256 hex.
    public var files: [String: String]
    /// Identifier of the key that signed the manifest (SHA-256 of the raw public key, first 16 hex).
    public var signingKey: String?
    /// What the host enforces per route before the addon runs: authentication, roles, scopes, rate
    /// limits, body size and time. Routes not listed are public, with the host's limits.
    public var routes: [RoutePolicy] = []
    /// Which browser origins may call the addon's routes; nil: no cross-origin access.
    public var cors: CORSPolicy?
    /// Jobs the host runs on a schedule.
    public var jobs: [JobDeclaration] = []
    /// Pages of the package's `assets/` and where they appear (the console, or end users' `/apps`).
    public var navigation: [NavigationItem] = []

    /// Creates a manifest.
    public init(
        id: String, version: String, name: String? = nil, description: String? = nil,
        pluginAPI: String, abi: Int, toolchain: String, architecture: String,
        library: String, mountPrefix: String, permissions: [String] = [],
        dependencies: [String: String] = [:], configSchema: JSONValue? = nil,
        sensitiveKeys: [String] = [], migrations: [MigrationEntry] = [],
        files: [String: String], signingKey: String? = nil,
        routes: [RoutePolicy] = [], cors: CORSPolicy? = nil, jobs: [JobDeclaration] = [],
        navigation: [NavigationItem] = []
    ) {
        self.id = id
        self.version = version
        self.name = name
        self.description = description
        self.pluginAPI = pluginAPI
        self.abi = abi
        self.toolchain = toolchain
        self.architecture = architecture
        self.library = library
        self.mountPrefix = mountPrefix
        self.permissions = permissions
        self.dependencies = dependencies
        self.configSchema = configSchema
        self.sensitiveKeys = sensitiveKeys
        self.migrations = migrations
        self.files = files
        self.signingKey = signingKey
        self.routes = routes
        self.cors = cors
        self.jobs = jobs
        self.navigation = navigation
    }

    /// Decodes a manifest; fields that have a default (format, permissions, dependencies,
    /// sensitive keys, migrations, routes, cors, jobs, navigation) may be left out of the JSON.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        format = try container.decodeIfPresent(Int.self, forKey: .format) ?? 1
        id = try container.decode(String.self, forKey: .id)
        version = try container.decode(String.self, forKey: .version)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        pluginAPI = try container.decode(String.self, forKey: .pluginAPI)
        abi = try container.decode(Int.self, forKey: .abi)
        toolchain = try container.decode(String.self, forKey: .toolchain)
        architecture = try container.decode(String.self, forKey: .architecture)
        library = try container.decode(String.self, forKey: .library)
        mountPrefix = try container.decode(String.self, forKey: .mountPrefix)
        permissions = try container.decodeIfPresent([String].self, forKey: .permissions) ?? []
        dependencies = try container.decodeIfPresent([String: String].self, forKey: .dependencies) ?? [:]
        configSchema = try container.decodeIfPresent(JSONValue.self, forKey: .configSchema)
        sensitiveKeys = try container.decodeIfPresent([String].self, forKey: .sensitiveKeys) ?? []
        migrations = try container.decodeIfPresent([MigrationEntry].self, forKey: .migrations) ?? []
        files = try container.decode([String: String].self, forKey: .files)
        signingKey = try container.decodeIfPresent(String.self, forKey: .signingKey)
        routes = try container.decodeIfPresent([RoutePolicy].self, forKey: .routes) ?? []
        cors = try container.decodeIfPresent(CORSPolicy.self, forKey: .cors)
        jobs = try container.decodeIfPresent([JobDeclaration].self, forKey: .jobs) ?? []
        navigation = try container.decodeIfPresent([NavigationItem].self, forKey: .navigation) ?? []
    }
}

/// One migration: an up script and the down script that reverses it, for one SQL dialect.
public struct MigrationEntry: Codable, Sendable, Hashable {
    /// Ordered identifier, e.g. `0001_create_sessions`.
    public var id: String
    /// `sqlite` or `postgres`.
    public var dialect: String
    /// Path of the up script inside the archive.
    public var up: String
    /// Path of the down script inside the archive.
    public var down: String

    /// Creates a migration entry.
    public init(id: String, dialect: String, up: String, down: String) {
        self.id = id
        self.dialect = dialect
        self.up = up
        self.down = down
    }
}
