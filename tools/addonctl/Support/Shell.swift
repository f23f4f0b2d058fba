import Foundation

/// Runs a build tool, its output passed through.
enum Shell {
    static func run(_ command: [String]) throws {
        let process = try launch(command, captureOutput: false)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError("`\(command.joined(separator: " "))` failed with status \(process.terminationStatus)")
        }
    }

    static func output(_ command: [String]) throws -> String {
        let pipe = Pipe()
        let process = try launch(command, captureOutput: true, pipe: pipe)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError("`\(command.joined(separator: " "))` failed with status \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func launch(_ command: [String], captureOutput: Bool, pipe: Pipe? = nil) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        if let pipe { process.standardOutput = pipe }
        do {
            try process.run()
        } catch {
            throw CLIError("cannot run \(command[0]): \(error)")
        }
        return process
    }
}
