import Foundation

// addonctl: the addon developer's tool — keys, scaffolding, signed packages, and installs.
let usage = """
    usage: addonctl keygen <name> [--out-dir DIR]
           addonctl new <id> [--dir DIR] [--plugin-api PATH] [--no-sdk]
           addonctl sdk install [--to DIR] [--plugin-api PATH] | addonctl sdk version
           addonctl pack <addon-dir> --key KEY.key [--out FILE|DIR] [--library LIB.so] [--package-path DIR] [--identity-from-manifest]
           addonctl verify <package.berth> (--trusted-keys DIR | --key KEY.pub)
           addonctl inspect <package.berth>
           addonctl install <package.berth> [--url URL] [--token TOKEN] [--config JSON]
           addonctl upgrade <package.berth | id> [--version V] [--force] [--url URL] [--token TOKEN]
           addonctl uninstall <id> [--keep-data] [--cascade] [--url URL] [--token TOKEN]
           addonctl remove-package <id> <version> [--url URL] [--token TOKEN]
           addonctl dev [addon-dir] --key KEY.key (--serve [--port P] [--berth PATH] | --url URL --token TOKEN)
                        [--log FILE] [--interval SECONDS] [--once]
    """

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    let rest = Array(arguments.dropFirst())
    switch arguments.first {
    case "keygen": try KeygenCommand.run(try Options(rest))
    case "new": try NewCommand.run(try Options(rest, booleans: ["no-sdk"]))
    case "sdk": try SDKCommand.run(try Options(rest))
    case "pack": try PackCommand.run(try Options(rest, booleans: ["identity-from-manifest"]))
    case "verify": try VerifyCommand.run(try Options(rest))
    case "inspect": try InspectCommand.run(try Options(rest))
    case "install": try await InstallCommand.run(try Options(rest))
    case "upgrade": try await UpgradeCommand.run(try Options(rest, booleans: ["force"]))
    case "uninstall": try await UninstallCommand.run(try Options(rest, booleans: ["keep-data", "cascade"]))
    case "remove-package": try await UninstallCommand.removePackage(try Options(rest))
    case "dev": try await DevCommand.run(try Options(rest, booleans: ["serve", "once"]))
    // Run by `pack` in a child process: the addon's own code runs only there.
    case "describe-library": try AddonIdentity.describe(try Options(rest).required(0, "library"))
    case "help", "--help", "-h": print(usage)
    default: throw CLIError.usage(usage)
    }
} catch let error as CLIError {
    FileHandle.standardError.write(Data("addonctl: \(error.message)\n".utf8))
    exit(error.exitCode)
} catch {
    FileHandle.standardError.write(Data("addonctl: \(error)\n".utf8))
    exit(1)
}
