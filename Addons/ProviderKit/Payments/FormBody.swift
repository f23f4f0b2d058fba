/// An `application/x-www-form-urlencoded` body in Stripe's convention for nested values:
/// `metadata[user]=7`, `line_items[0][price_data][currency]=eur`.
public struct FormBody: Sendable, Hashable {
    /// The fields in order, names unencoded.
    public private(set) var fields: [(name: String, value: String)] = []

    /// An empty body.
    public init() {}

    /// Adds `name=value`.
    public mutating func add(_ name: String, _ value: String) { fields.append((name, value)) }

    /// Adds `name=value` if `value` is not `nil`.
    public mutating func add(_ name: String, _ value: String?) { if let value { fields.append((name, value)) } }

    /// Adds `prefix[key]=value` for each entry, in key order.
    public mutating func add(_ prefix: String, map: [String: String]) {
        for key in map.keys.sorted() { fields.append(("\(prefix)[\(key)]", map[key]!)) }
    }

    /// The encoded body.
    public var encoded: String {
        fields.map { "\(PercentEncoding.encode($0.name))=\(PercentEncoding.encode($0.value))" }.joined(separator: "&")
    }

    /// Equal when the fields are.
    public static func == (lhs: FormBody, rhs: FormBody) -> Bool { lhs.fields.elementsEqual(rhs.fields) { $0 == $1 } }

    /// Hashes the fields.
    public func hash(into hasher: inout Hasher) {
        for field in fields { hasher.combine(field.name); hasher.combine(field.value) }
    }
}
