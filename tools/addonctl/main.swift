import Foundation

// addonctl: the addon developer's tool — keys, scaffolding, signed packages, and installs.
let usage = """
    usage: addonctl keygen <name> [--out-dir DIR]
           addonctl new <id> [--dir DIR] [--plugin-api PATH] [--no-sdk]
           addonctl sdk install [--to DIR] [--plugin-api PATH] | addonctl sdk version
           addonctl pack <addon-dir> --key KEY.key [--out FILE|DIR] [--library LIB.so] [--package-path DIR]
           addonctl verify <package.berth> (--trusted-keys DIR | --key KEY.pub)
           addonctl inspect <package.berth>
           addonctl install <package.berth> [--url URL] [--token TOKEN] [--config JSON]
    """

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    let rest = Array(arguments.dropFirst())
    switch arguments.first {
    case "keygen": try KeygenCommand.run(try Options(rest))
    case "new": try NewCommand.run(try Options(rest, booleans: ["no-sdk"]))
    case "sdk": try SDKCommand.run(try Options(rest))
    case "pack": try PackCommand.run(try Options(rest))
    case "verify": try VerifyCommand.run(try Options(rest))
    case "inspect": try InspectCommand.run(try Options(rest))
    case "install": try await InstallCommand.run(try Options(rest))
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
