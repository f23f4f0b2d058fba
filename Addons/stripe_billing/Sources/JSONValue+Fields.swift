import PluginAPI

extension JSONValue {
    /// The member `key` of an object, or `nil`.
    subscript(_ key: String) -> JSONValue? {
        if case .object(let fields) = self { fields[key] } else { nil }
    }

    /// The string, if this is one.
    var stringValue: String? {
        if case .string(let text) = self { text } else { nil }
    }

    /// The number as an integer, if this is a whole number.
    var integerValue: Int64? {
        if case .number(let number) = self, number.rounded() == number, abs(number) < 9.0e15 { Int64(number) } else { nil }
    }
}
