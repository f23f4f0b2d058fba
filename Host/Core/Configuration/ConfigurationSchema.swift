import Foundation
import PluginAPI

/// The JSON Schema subset an addon's configuration is validated against: `type`, `properties`,
/// `required`, `default`, `enum`, `minimum`/`maximum`, `minLength`/`maxLength`, `pattern`.
/// Keys the schema does not name are refused, so a typo never passes silently.
struct ConfigurationSchema: Sendable {
    /// One violation, located by its JSON pointer.
    struct Violation: Codable, Sendable, Hashable {
        let pointer: String
        let message: String
    }

    let schema: [String: JSONValue]

    init(_ schema: JSONValue?) {
        if case .object(let object) = schema { self.schema = object } else { self.schema = [:] }
    }

    /// The keys the schema defines.
    var propertyNames: [String] { Array(properties.keys) }

    private var properties: [String: JSONValue] {
        if case .object(let properties) = schema["properties"] { return properties }
        return [:]
    }

    /// `values` with the schema's defaults filled in, or every violation.
    func validate(_ values: [String: JSONValue]) -> Result<[String: JSONValue], ValidationFailure> {
        var resolved = values
        for (key, property) in properties where resolved[key] == nil {
            if case .object(let rules) = property, let fallback = rules["default"] { resolved[key] = fallback }
        }
        var violations: [Violation] = []
        if case .array(let required) = schema["required"] {
            for case .string(let key) in required where resolved[key] == nil {
                violations.append(Violation(pointer: "/\(key)", message: "is required"))
            }
        }
        for key in resolved.keys.sorted() {
            guard case .object(let rules) = properties[key] else {
                violations.append(Violation(pointer: "/\(key)", message: "is not a configuration key of this addon"))
                continue
            }
            violations += Self.check(resolved[key]!, against: rules, at: "/\(key)")
        }
        return violations.isEmpty ? .success(resolved) : .failure(ValidationFailure(violations: violations))
    }

    /// The failure of ``validate(_:)``.
    struct ValidationFailure: Error {
        let violations: [Violation]
    }

    static func check(_ value: JSONValue, against rules: [String: JSONValue], at pointer: String) -> [Violation] {
        var violations: [Violation] = []
        func fail(_ message: String) { violations.append(Violation(pointer: pointer, message: message)) }
        if case .string(let type) = rules["type"], !Self.value(value, hasType: type) {
            fail(type == "integer" ? "must be of type integer (a whole number that fits in 64 bits)" : "must be of type \(type)")
            return violations
        }
        if case .array(let allowed) = rules["enum"], !allowed.contains(value) {
            fail("must be one of \(allowed.map(Self.text).joined(separator: ", "))")
        }
        if case .number(let number) = value {
            if case .number(let minimum) = rules["minimum"], number < minimum { fail("must be at least \(Self.text(.number(minimum)))") }
            if case .number(let maximum) = rules["maximum"], number > maximum { fail("must be at most \(Self.text(.number(maximum)))") }
        }
        if case .string(let string) = value {
            if case .number(let minimum) = rules["minLength"], Double(string.count) < minimum { fail("must have at least \(Self.text(.number(minimum))) characters") }
            if case .number(let maximum) = rules["maxLength"], Double(string.count) > maximum { fail("must have at most \(Self.text(.number(maximum))) characters") }
            if case .string(let pattern) = rules["pattern"] {
                let matches = (try? NSRegularExpression(pattern: pattern))
                    .map { $0.firstMatch(in: string, range: NSRange(string.startIndex..., in: string)) != nil } ?? false
                if !matches { fail("must match the pattern \(pattern)") }
            }
        }
        return violations
    }

    static func value(_ value: JSONValue, hasType type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("boolean", .bool), ("number", .number), ("array", .array), ("object", .object), ("null", .null): true
        // Whole and within Int64, so that `AddonConfiguration.integer` can return it: `1e300` is
        // whole but no integer an addon can hold.
        case ("integer", .number(let number)): Int64(exactly: number) != nil
        default: false
        }
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let string): "\"\(string)\""
        case .number(let number) where abs(number) < 1e15 && Int(exactly: number) != nil: String(Int(number))
        case .number(let number): String(number)
        case .bool(let bool): String(bool)
        case .null: "null"
        default: "a structured value"
        }
    }

    /// The placeholder answers show instead of a sensitive value.
    static let redactedPlaceholder = JSONValue.string("[redacted]")

    /// `values` with `changes` applied: `null` removes a key; the placeholder sent back for a
    /// sensitive key (a client that read the configuration and changed another key) keeps the
    /// stored secret instead of replacing it with the placeholder's text.
    static func merge(_ changes: [String: JSONValue], into values: [String: JSONValue], sensitiveKeys: [String]) -> [String: JSONValue] {
        var merged = values
        for (key, value) in changes {
            if value == redactedPlaceholder && sensitiveKeys.contains(key) { continue }
            merged[key] = value == .null ? nil : value
        }
        return merged
    }

    /// `values` with every sensitive key's value replaced by `[redacted]`.
    static func redact(_ values: [String: JSONValue], sensitiveKeys: [String]) -> [String: JSONValue] {
        var redacted = values
        for key in sensitiveKeys where redacted[key] != nil { redacted[key] = redactedPlaceholder }
        return redacted
    }
}
