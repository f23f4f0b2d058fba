import Foundation

/// `addonctl dev [addon-dir] --key KEY (--serve | --url URL --token TOKEN) [--log FILE] [--interval S] [--once]`:
/// the development loop against a host started with `BERTH_DEV_MODE=1`. It packs, uploads and
/// installs the addon, then watches its sources (by modification time, every `--interval`
/// seconds) and on each change rebuilds, repacks and reinstalls it under the same version, printing
/// the addon's log lines as they come (from `--log`, the host's log file, or from the host
/// `--serve` starts). `--once` does one round and exits with its status.
enum DevCommand {
    static func run(_ options: Options) async throws {
        let folder = URL(fileURLWithPath: options.positional.first ?? ".").standardizedFileURL.path
        guard let key = options["key"] else { throw CLIError.usage("dev needs --key KEY.key (make one with `addonctl keygen dev`)") }
        var source = try AddonSource.load(from: folder)
        let work = folder + "/.build/berth-dev"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let host = options.flag("serve") ? try DevHost.start(work: work, key: key, options: options) : nil
        defer { host?.stop() }
        let client = try host?.client ?? AdminClient(options)
        var log = (options["log"] ?? host?.logPath).map { LogFollower(path: $0, addonID: source.id) }
        let interval = max(0.1, Double(options["interval"] ?? "1") ?? 1)
        var snapshot = SourceSnapshot(folder)
        while true {
            do {
                source = try AddonSource.load(from: folder)
                log?.addonID = source.id
                try await round(source, folder: folder, key: key, work: work, client: client, options: options)
            } catch let error as CLIError {
                if options.flag("once") { throw error }
                print("addonctl dev: \(error.message)")
            }
            log?.printNew()
            if options.flag("once") { return }
            print("watching \(folder) for changes (Ctrl-C stops)")
            // Output is read as it comes, also through a pipe or a file.
            fflush(nil)
            while true {
                try await Task.sleep(for: .seconds(interval))
                log?.printNew()
                fflush(nil)
                let now = SourceSnapshot(folder)
                if now != snapshot {
                    snapshot = now
                    print("change in \(folder): rebuilding")
                    break
                }
            }
        }
    }

    /// One round: pack, upload, then install or reinstall.
    private static func round(_ source: AddonSource, folder: String, key: String, work: String, client: AdminClient, options: Options) async throws {
        let archive = work + "/\(source.id)-\(source.version).berth"
        var packArguments = [folder, "--key", key, "--out", archive]
        if let packagePath = options["package-path"] { packArguments += ["--package-path", packagePath] }
        try PackCommand.run(try Options(packArguments))
        let id: String, version: String
        do {
            (id, version) = try await client.upload(archive)
        } catch let error as CLIError where error.message.contains("package_version_exists") {
            throw CLIError(error.message + " (addonctl dev needs a host started with BERTH_DEV_MODE=1)")
        }
        if try await client.installedVersion(of: id) == nil {
            let answer = try await client.send("POST", "/api/v1/marketplace/install", body: try AdminClient.json(["id": id, "version": version]), what: "install of \(id) \(version)")
            InstallCommand.printInstalled(answer, id: id, version: version, verb: "installed")
            return
        }
        let (status, answer, data) = try await client.exchange("POST", "/api/v1/addons/\(id)/upgrade", body: try AdminClient.json(["version": version]))
        if status == 409, (answer["error"] as? [String: Any])?["code"] as? String == "same_version" {
            print("\(id) \(version) is unchanged: nothing to reinstall")
            return
        }
        guard (200 ..< 300).contains(status) else {
            let error = answer["error"] as? [String: Any]
            throw CLIError("reinstall of \(id) \(version) refused (\(status) \(error?["code"] as? String ?? "")): \(error?["message"] as? String ?? String(decoding: data, as: UTF8.self))")
        }
        InstallCommand.printInstalled(answer, id: id, version: version, verb: "reinstalled")
    }
}
