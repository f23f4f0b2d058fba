/// A command-line failure: the message names the file and the problem.
struct CLIError: Error, CustomStringConvertible {
    let message: String
    let exitCode: Int32

    init(_ message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    var description: String { message }

    static func usage(_ message: String) -> CLIError {
        CLIError(message, exitCode: 64)
    }
}
