/// Positional arguments and `--name value` options of one command.
struct Options {
    private(set) var positional: [String] = []
    private var values: [String: String] = [:]
    private var flags: Set<String> = []

    /// Parses `arguments`; `booleans` are options that take no value.
    init(_ arguments: [String], booleans: Set<String> = []) throws {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument.hasPrefix("--") {
                let name = String(argument.dropFirst(2))
                if booleans.contains(name) {
                    flags.insert(name)
                } else {
                    guard index + 1 < arguments.count else { throw CLIError.usage("option --\(name) needs a value") }
                    values[name] = arguments[index + 1]
                    index += 1
                }
            } else {
                positional.append(argument)
            }
            index += 1
        }
    }

    subscript(name: String) -> String? { values[name] }

    func flag(_ name: String) -> Bool { flags.contains(name) }

    func required(_ position: Int, _ what: String) throws -> String {
        guard position < positional.count else { throw CLIError.usage("missing \(what)") }
        return positional[position]
    }
}
