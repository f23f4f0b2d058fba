/// An addon's configuration: a JSON object validated against the schema of its manifest.
public struct AddonConfiguration: Sendable, Hashable {
    /// The configuration values, keyed by property name.
    public var values: [String: JSONValue]

    /// Creates a configuration from its values.
    public init(_ values: [String: JSONValue] = [:]) {
        self.values = values
    }

    /// The value of `key`, if set.
    public subscript(key: String) -> JSONValue? {
        values[key]
    }

    /// The string value of `key`, if it is set and is a string.
    public func string(_ key: String) -> String? {
        if case .string(let value) = values[key] { return value }
        return nil
    }

    /// The integer value of `key`, if it is set and is a whole number that fits in `Int`
    /// (`nil` for `1.5`, `1e300` or a non-number; never a trap).
    public func integer(_ key: String) -> Int? {
        if case .number(let value) = values[key] { return Int(exactly: value) }
        return nil
    }

    /// The boolean value of `key`, if it is set and is a boolean.
    public func bool(_ key: String) -> Bool? {
        if case .bool(let value) = values[key] { return value }
        return nil
    }
}
