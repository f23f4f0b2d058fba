import Foundation

/// `addonctl new <id>`: a ready-to-test, ready-to-pack addon package outside the Berth repository,
/// with its own copy of the SDK in `.berth-sdk/` (unless `--no-sdk`: then `BERTH_SDK` names it).
enum NewCommand {
    static func run(_ options: Options) throws {
        let id = try options.required(0, "addon id")
        guard id.range(of: "^[a-z][a-z0-9_]{1,63}$", options: .regularExpression) != nil else {
            throw CLIError.usage("'\(id)' is not a valid addon id: lowercase letters, digits and _, starting with a letter, 2–64 characters")
        }
        let folder = options["dir"] ?? id
        guard !FileManager.default.fileExists(atPath: folder) else { throw CLIError("\(folder): already exists") }
        let source = options.flag("no-sdk") ? nil : try SDKFolder.source(options["plugin-api"])
        let product = id.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        for (relative, contents) in Scaffold.files(id: id, product: product) {
            let path = folder + "/" + relative
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        }
        if let source { try SDKFolder.install(from: source, to: folder + "/.berth-sdk") }
        let sdk = source == nil ? "the SDK named by BERTH_SDK" : "the Berth SDK \(SDKFolder.version) in \(folder)/.berth-sdk"
        print("created \(folder)/ with addon \(id) (product \(product)) against \(sdk); next: cd \(folder) && swift test")
    }
}
