#if canImport(Glibc)
import Glibc
#endif

/// A node's ASCII literal children keyed by the bytes of their segment, in sorted order, so that a
/// lookup is a binary search with `memcmp` over the request's own bytes. Looking a segment up in the
/// `[Substring: RouteNode]` dictionary instead costs a `Substring`, a SipHash of it and a `String`
/// comparison at every level of every request, which was most of a lookup's time.
///
/// Byte equality is `String` equality only between ASCII strings (Swift compares strings by
/// canonical equivalence, under which U+212A KELVIN SIGN equals `K`), hence ASCII only: see
/// ``RouteNode/literalChild(_:)`` for when the dictionary still answers.
struct LiteralIndex: Sendable {
    /// The literals' bytes, one after the other in sorted order.
    private let bytes: [UInt8]

    /// Where each literal starts in ``bytes``, plus the end of the last one.
    private let bounds: [Int]

    /// The child of each literal, in the same order.
    private let children: [RouteNode]

    /// Whether every literal of the node is in the index (all are ASCII).
    let isComplete: Bool

    init(_ literals: [Substring: RouteNode]) {
        var ascii: [(key: [UInt8], child: RouteNode)] = []
        for (literal, child) in literals where literal.utf8.allSatisfy({ $0 < 0x80 }) {
            ascii.append((Array(literal.utf8), child))
        }
        ascii.sort { $0.key.lexicographicallyPrecedes($1.key) }
        var bounds = [0]
        for entry in ascii { bounds.append(bounds[bounds.count - 1] + entry.key.count) }
        self.bytes = ascii.flatMap(\.key)
        self.bounds = bounds
        self.children = ascii.map(\.child)
        self.isComplete = ascii.count == literals.count
    }

    /// The child whose literal has exactly the bytes of `segment`, by binary search.
    func child(_ segment: UnsafeBufferPointer<UInt8>) -> RouteNode? {
        bytes.withUnsafeBufferPointer { bytes in
            bounds.withUnsafeBufferPointer { bounds in
                var low = 0
                var high = children.count
                while low < high {
                    let middle = (low + high) / 2
                    let order = LiteralIndex.compare(UnsafeBufferPointer(rebasing: bytes[bounds[middle]..<bounds[middle + 1]]), segment)
                    if order == 0 { return children[middle] }
                    if order < 0 { low = middle + 1 } else { high = middle }
                }
                return nil
            }
        }
    }

    /// Orders byte strings as `lexicographicallyPrecedes` does: by the first differing byte, then
    /// by length.
    private static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(a.count, b.count)
        if common > 0, let left = a.baseAddress, let right = b.baseAddress {
            let order = memcmp(left, right, common)
            if order != 0 { return Int(order) }
        }
        return a.count - b.count
    }
}
