/// The keyed 64-bit hash the shared counter tables place their keys by: FNV-1a started from a seed
/// (a table's random seed, or a metric family), then a SplitMix64 finish so nearby keys spread
/// over the slots. Never 0, which the tables use for a free slot.
public enum SharedKeyHash {
    /// The hash of `bytes` under `seed`.
    @inlinable
    public static func hash(seed: UInt64, _ bytes: some Sequence<UInt8>) -> UInt64 {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed
        for byte in bytes {
            value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        value ^= value >> 31
        return value == 0 ? 1 : value
    }
}
