/// The keyed 64-bit hash the shared counter tables place their keys by: FNV-1a started from a seed
/// (a table's random seed, or a metric family), then a SplitMix64 finish so nearby keys spread
/// over the slots. Never 0, which the tables use for a free slot.
public enum SharedKeyHash {
    /// The hash of `bytes` under `seed`.
    @inlinable
    public static func hash(seed: UInt64, _ bytes: some Sequence<UInt8>) -> UInt64 {
        var state = State(seed: seed)
        state.add(bytes)
        return state.finished
    }

    /// A hash in progress: the bytes of a key added in pieces hash as the whole key does, so a
    /// constant prefix (a route's name) is hashed once and each request adds only its own part.
    public struct State: Sendable {
        @usableFromInline var value: UInt64

        /// Nothing added yet, under `seed`.
        @inlinable
        public init(seed: UInt64) {
            value = 0xCBF2_9CE4_8422_2325 ^ seed
        }

        /// Adds `bytes` after those added before.
        @inlinable
        public mutating func add(_ bytes: some Sequence<UInt8>) {
            for byte in bytes {
                value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            }
        }

        /// This state with `text`'s UTF-8 bytes added.
        @inlinable
        public func adding(_ text: String) -> State {
            var copy = self
            copy.add(text.utf8)
            return copy
        }

        /// The hash of everything added.
        @inlinable
        public var finished: UInt64 {
            var value = value
            value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
            value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
            value ^= value >> 31
            return value == 0 ? 1 : value
        }
    }
}
