/// A route pattern split into segments once, at registration, so that matching never re-parses it.
struct RoutePattern: Sendable {
    /// One `/`-separated piece of a pattern.
    enum Segment: Sendable, Hashable {
        /// Matches exactly this text.
        case literal(Substring)
        /// `:name`: matches any one segment.
        case parameter
        /// A trailing `*`: matches the rest of the path, possibly nothing.
        case wildcard
    }

    /// The pattern as registered.
    let source: String

    /// The segments; empty segments are dropped, so `/a//b/` is `/a/b`.
    let segments: [Segment]

    /// The names of the captures in path order; a trailing wildcard contributes `"*"`.
    let parameterNames: [String]

    /// The pattern with parameter names erased, e.g. `/sessions/:`: two patterns with the same shape
    /// would match the same paths, which is what makes a registration a conflict.
    let shape: String

    /// For a pattern of literal segments only, the path it matches written plainly (`/a/b`, `/`
    /// for none); nil when it has a parameter or a wildcard.
    var literalPath: String? {
        parameterNames.isEmpty ? shape : nil
    }

    init(parsing source: String) throws(RoutingError) {
        var segments: [Segment] = []
        var names: [String] = []
        var shape = ""
        let pieces = source.split(separator: "/", omittingEmptySubsequences: true)
        for (index, piece) in pieces.enumerated() {
            if piece == "*" {
                guard index == pieces.count - 1 else {
                    throw RoutingError(code: .invalidPattern, message: "In \(source), '*' must be the last segment.")
                }
                segments.append(.wildcard)
                names.append("*")
                shape += "/*"
            } else if piece.first == ":" {
                let name = String(piece.dropFirst())
                guard !name.isEmpty else {
                    throw RoutingError(code: .invalidPattern, message: "In \(source), a ':' segment needs a name.")
                }
                guard !names.contains(name) else {
                    throw RoutingError(code: .invalidPattern, message: "In \(source), the parameter '\(name)' appears twice.")
                }
                segments.append(.parameter)
                names.append(name)
                shape += "/:"
            } else {
                segments.append(.literal(piece))
                shape += "/" + piece
            }
        }
        self.source = source
        self.segments = segments
        self.parameterNames = names
        self.shape = shape.isEmpty ? "/" : shape
    }
}
