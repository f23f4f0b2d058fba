import BerthPackages
import Foundation

/// `addonctl pack <addon-dir> --key KEY`: builds the addon's library in release mode, collects its
/// migrations and assets, writes the manifest with every file's SHA-256, signs it, and writes the
/// archive.
enum PackCommand {
    static func run(_ options: Options) throws {
        let folder = URL(fileURLWithPath: try options.required(0, "addon folder")).standardizedFileURL.path
        guard let keyPath = options["key"] else { throw CLIError.usage("pack needs --key KEY.key (make one with `addonctl keygen`)") }
        let source = try AddonSource.load(from: folder)
        let key: SigningKey
        do {
            key = try SigningKey(pemFile: keyPath)
        } catch {
            throw CLIError("\(keyPath): \(error)")
        }
        let library = try options["library"] ?? build(source, folder: folder, packagePath: options["package-path"])
        let descriptor = try LibraryDescriptor.read(library)
        // A library that reads its id and version from the manifest installed beside it (one
        // library packed under many ids, as the bench does) has none to compare before install.
        if !options.flag("identity-from-manifest") {
            try AddonIdentity.check(library, against: source, folder: folder)
        }
        var entries: [(archivePath: String, sourcePath: String)] = [("lib/lib\(source.product).so", library)]
        let migrations = try MigrationFiles.collect(in: folder + "/migrations")
        try MigrationCheck.run(migrations.entries, folder: folder)
        entries += migrations.files
        entries += try assets(in: folder + "/assets")

        let template = Manifest(
            id: source.id, version: source.version, name: source.name, description: source.description,
            pluginAPI: source.pluginAPI ?? ">=\(descriptor.pluginAPIVersion) <\(major(descriptor.pluginAPIVersion) + 1).0.0",
            abi: descriptor.abiVersion, toolchain: descriptor.toolchain, architecture: descriptor.architecture,
            library: "lib/lib\(source.product).so", mountPrefix: source.mountPrefix,
            permissions: source.permissions ?? [], dependencies: source.dependencies ?? [:],
            configSchema: source.configSchema, sensitiveKeys: source.sensitiveKeys ?? [],
            migrations: migrations.entries, files: [:],
            routes: source.routes ?? [], cors: source.cors, jobs: source.jobs ?? [],
            navigation: source.navigation ?? []
        )
        let output = outputPath(options["out"], id: source.id, version: source.version)
        do {
            let manifest = try PackageBuilder(manifest: template, files: entries, signingKey: key).build(to: output)
            print("packed \(manifest.id) \(manifest.version) → \(output) (\(manifest.files.count) files, \(manifest.migrations.count) migrations, Swift \(manifest.toolchain), signed by \(key.publicKey.id))")
        } catch {
            throw CLIError("\(output): \(error)")
        }
    }

    /// Builds the product in release mode in the nearest package above the addon folder.
    static func build(_ source: AddonSource, folder: String, packagePath: String?) throws -> String {
        guard let root = packagePath ?? packageRoot(from: folder) else {
            throw CLIError("\(folder): no Package.swift in it or above it; give --package-path or --library")
        }
        try Shell.run(["swift", "build", "-c", "release", "--product", source.product, "--package-path", root])
        let binPath = try Shell.output(["swift", "build", "-c", "release", "--show-bin-path", "--package-path", root])
        let library = binPath + "/lib\(source.product).so"
        guard FileManager.default.fileExists(atPath: library) else {
            throw CLIError("\(library): not found after the build; is '\(source.product)' a .dynamic library product in \(root)/Package.swift?")
        }
        return library
    }

    static func packageRoot(from folder: String) -> String? {
        var current = URL(fileURLWithPath: folder)
        while current.path != "/" {
            if FileManager.default.fileExists(atPath: current.path + "/Package.swift") { return current.path }
            current.deleteLastPathComponent()
        }
        return nil
    }

    static func assets(in folder: String) throws -> [(archivePath: String, sourcePath: String)] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return [] }
        var files: [(String, String)] = []
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue { files.append(("assets/" + relative, folder + "/" + relative)) }
        }
        return files.sorted { $0.0 < $1.0 }
    }

    static func outputPath(_ requested: String?, id: String, version: String) -> String {
        let name = "\(id)-\(version).berth"
        guard let requested else { return name }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: requested, isDirectory: &isDirectory), isDirectory.boolValue {
            return requested + "/" + name
        }
        return requested
    }

    static func major(_ version: String) -> Int {
        Int(version.split(separator: ".").first ?? "1") ?? 1
    }
}
