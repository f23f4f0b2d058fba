/// The host's settings, from the environment.
public struct HostSettings: Sendable {
    /// `BERTH_HOME`: the home folder (default `.`).
    public var home: String
    /// `BERTH_HOST`: the address to listen on (default `127.0.0.1`).
    public var host: String
    /// `BERTH_PORT`: the port (default 8080).
    public var port: Int
    /// `BERTH_DATABASE_URL`: unset for SQLite in the home.
    public var databaseURL: String?
    /// `BERTH_ADMIN_TOKEN`: unset to generate one at first start.
    public var adminToken: String?
    /// `BERTH_TRUSTED_KEYS`: extra public key files, comma-separated.
    public var trustedKeyFiles: [String]
    /// `BERTH_THREADS`: HTTP worker threads (default: the number of cores).
    public var threads: Int?
    /// `BERTH_MAX_PACKAGE_BYTES`: largest package upload (default 256 MiB).
    public var maxPackageBytes: Int

    /// Reads the settings from `environment`, naming the variable when a value is malformed.
    public init(environment: [String: String]) throws {
        home = environment["BERTH_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "."
        host = environment["BERTH_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        port = try Self.integer(environment, "BERTH_PORT", default: 8080, range: 0 ... 65535)
        databaseURL = environment["BERTH_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        adminToken = environment["BERTH_ADMIN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        trustedKeyFiles = (environment["BERTH_TRUSTED_KEYS"] ?? "").split(separator: ",").map { String($0).trimmingWhitespace }.filter { !$0.isEmpty }
        threads = environment["BERTH_THREADS"] == nil ? nil : try Self.integer(environment, "BERTH_THREADS", default: 1, range: 1 ... 1024)
        maxPackageBytes = try Self.integer(environment, "BERTH_MAX_PACKAGE_BYTES", default: 256 << 20, range: 1024 ... (4 << 30))
        if let url = databaseURL, !url.hasPrefix("sqlite:") {
            throw BerthError(status: 500, code: "unsupported_database", message: "BERTH_DATABASE_URL=\(url.prefix(40)): this build serves SQLite only (leave the variable unset); PostgreSQL support is not built yet")
        }
    }

    private static func integer(_ environment: [String: String], _ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = environment[name], !text.isEmpty else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw BerthError(status: 500, code: "invalid_setting", message: "\(name)=\(text) is not a whole number in \(range.lowerBound)…\(range.upperBound)")
        }
        return number
    }
}

extension String {
    var trimmingWhitespace: String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text = text.dropFirst() }
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return String(text)
    }
}
