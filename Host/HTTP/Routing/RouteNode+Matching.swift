import PluginAPI

/// Walks the trie over the request path's UTF-8 bytes in place: segments are ranges of the path,
/// never split into an array or made into strings, so a lookup allocates nothing unless it captures
/// parameters.
extension RouteNode {
    /// The endpoint answering `method` for the path from byte `start`, preferring at each level an
    /// exact segment, then a parameter, then a wildcard, and backtracking when a branch leads
    /// nowhere. `captures` receives the byte ranges of the captured segments in path order.
    func find(_ method: HTTPMethod, in path: UnsafeBufferPointer<UInt8>, from start: Int, captures: inout [Range<Int>]) -> Endpoint? {
        let lower = RouteNode.skipSlashes(path, from: start)
        if lower == path.count {
            if let endpoint = endpoints.first(answering: method) { return endpoint }
            if let endpoint = wildcards.first(answering: method) {
                captures.append(lower..<path.count)
                return endpoint
            }
            return nil
        }
        let upper = RouteNode.segmentEnd(path, from: lower)
        if let child = literalChild(UnsafeBufferPointer(rebasing: path[lower..<upper])),
            let endpoint = child.find(method, in: path, from: upper, captures: &captures)
        {
            return endpoint
        }
        if let child = parameter {
            captures.append(lower..<upper)
            if let endpoint = child.find(method, in: path, from: upper, captures: &captures) { return endpoint }
            captures.removeLast()
        }
        if let endpoint = wildcards.first(answering: method) {
            captures.append(lower..<path.count)
            return endpoint
        }
        return nil
    }

    /// The child for an exact `segment`, as `literals[segment]` finds it. The byte index answers
    /// when it can: for an ASCII segment, if it has the segment or holds every literal. Otherwise
    /// (non-ASCII on either side, where canonical equivalence may equate different bytes) the
    /// dictionary does.
    func literalChild(_ segment: UnsafeBufferPointer<UInt8>) -> RouteNode? {
        if segment.allSatisfy({ $0 < 0x80 }) {
            if let child = literalIndex.child(segment) { return child }
            if literalIndex.isComplete { return nil }
        }
        return literals[Substring(String(decoding: segment, as: UTF8.self))]
    }

    /// Adds to `methods` every method some route answers for the path from `start`; used only to
    /// tell a 405 from a 404, so it favours simplicity over speed.
    func collectMethods(in path: String, from start: String.Index, into methods: inout Set<HTTPMethod>) {
        let utf8 = path.utf8
        let lower = RouteNode.skipSlashes(utf8, from: start)
        for endpoint in wildcards { methods.insert(endpoint.method) }
        if lower == utf8.endIndex {
            for endpoint in endpoints { methods.insert(endpoint.method) }
            return
        }
        let upper = RouteNode.segmentEnd(utf8, from: lower)
        literals[path[lower..<upper]]?.collectMethods(in: path, from: upper, into: &methods)
        parameter?.collectMethods(in: path, from: upper, into: &methods)
    }

    private static func skipSlashes(_ path: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        while index < path.count, path[index] == UInt8(ascii: "/") { index += 1 }
        return index
    }

    private static func segmentEnd(_ path: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        while index < path.count, path[index] != UInt8(ascii: "/") { index += 1 }
        return index
    }

    private static func skipSlashes(_ utf8: String.UTF8View, from start: String.Index) -> String.Index {
        var index = start
        while index < utf8.endIndex, utf8[index] == UInt8(ascii: "/") { utf8.formIndex(after: &index) }
        return index
    }

    private static func segmentEnd(_ utf8: String.UTF8View, from start: String.Index) -> String.Index {
        var index = start
        while index < utf8.endIndex, utf8[index] != UInt8(ascii: "/") { utf8.formIndex(after: &index) }
        return index
    }
}

extension [Endpoint] {
    /// The endpoint for `method`; a linear scan, because a path rarely has more than three methods.
    func first(answering method: HTTPMethod) -> Endpoint? {
        for endpoint in self where endpoint.method == method { return endpoint }
        return nil
    }
}
