import CBerthShared
import Glibc

/// Hit counts per key in fixed windows, shared by every process of a host through one mapped file:
/// the `memory` rate-limiting provider. A limit of 100 per minute admits 100 hits whichever worker
/// serves them.
///
/// Each key's window starts at its first hit and lasts `window` seconds; a refused hit is not
/// counted. A key lives in one of 16 slots after its hash; a slot whose window ended is reused by
/// another key. When all 16 are live the hit is ``Outcome/unavailable`` and the caller decides
/// (fail open or closed). Each slot is updated with one compare-and-swap of a 64-bit word
/// (window start in the high 32 bits, count in the low), so a check costs a hash and a few atomic
/// operations, with no lock and no system call.
///
/// `@unchecked Sendable`: the mapping is owned by its ``SharedCounterFile`` and read and written only
/// through atomic operations.
public final class RateWindowTable: @unchecked Sendable {
    /// What a hit came to.
    public enum Outcome: Sendable, Hashable {
        /// Admitted or refused, with the window's figures.
        case decided(WindowDecision)
        /// No slot was free for the key: the table is full of live windows.
        case unavailable
    }

    private static let magic: UInt64 = 0x4245_5254_4852_4C31 // "BERTHRL1"
    private static let headerWords = 8
    private static let slotWords = 4 // key, state, window end, unused
    private static let probes = 16

    private let file: SharedCounterFile
    private let words: UnsafeMutablePointer<UInt64>
    private let mask: Int
    private let seed: UInt64

    /// Maps the table at `path`, creating it with `slots` slots (a power of two) if it is new.
    /// - Throws: ``TrafficError`` when the file cannot be opened, sized or mapped, or holds a table
    ///   of another size.
    public init(path: String, slots: Int = 1 << 16) throws(TrafficError) {
        precondition(slots > 0 && slots & (slots - 1) == 0, "slots must be a power of two")
        let size = (Self.headerWords + slots * Self.slotWords) * MemoryLayout<UInt64>.size
        file = try SharedCounterFile(path: path, size: size, magic: Self.magic, slots: UInt64(slots))
        words = file.base.assumingMemoryBound(to: UInt64.self)
        mask = slots - 1
        seed = file.seed
    }

    /// Counts `cost` hits of `key` against `limit` per `window` seconds, at `now` (seconds since
    /// 1970).
    public func hit(_ key: String, limit: Int, window: Int, cost: Int = 1, now: UInt32) -> Outcome {
        hit(hashed: hash(key), limit: limit, window: window, cost: cost, now: now)
    }

    /// A key's hash in progress under this table's seed: add the key's bytes (or a constant
    /// prefix once, and the rest per hit) and pass ``SharedKeyHash/State/finished`` to
    /// ``hit(hashed:limit:window:cost:now:)``, which then counts exactly as ``hit(_:limit:window:cost:now:)``
    /// does for the whole key.
    public var keyHash: SharedKeyHash.State { SharedKeyHash.State(seed: seed) }

    /// ``hit(_:limit:window:cost:now:)`` for a key hashed with ``keyHash``.
    public func hit(hashed hash: UInt64, limit: Int, window: Int, cost: Int = 1, now: UInt32) -> Outcome {
        guard let slot = claim(hash, now: now) else { return .unavailable }
        let state = slot + 1
        let windowEnd = slot + 2
        let limit = max(0, min(limit, Int(UInt32.max)))
        let window = UInt32(clamping: max(1, window))
        var current = berth_shared_load(state)
        while true {
            let start = UInt32(truncatingIfNeeded: current >> 32)
            let count = Int(current & 0xFFFF_FFFF)
            let fresh = current == 0 || now >= start &+ window || now < start
            let base = fresh ? 0 : count
            let windowStart = fresh ? now : start
            let reset = max(1, Int(windowStart &+ window) - Int(now))
            guard base + cost <= limit else {
                return .decided(WindowDecision(allowed: false, limit: limit, remaining: max(0, limit - base), resetSeconds: reset))
            }
            let next = UInt64(windowStart) << 32 | UInt64(base + cost)
            if berth_shared_compare_exchange(state, &current, next) == 1 {
                if fresh { berth_shared_store(windowEnd, UInt64(windowStart &+ window)) }
                return .decided(WindowDecision(allowed: true, limit: limit, remaining: limit - base - cost, resetSeconds: reset))
            }
        }
    }

    /// The slot of `hash`: the one already holding it, an empty one, or one whose window has
    /// ended, taken over with a compare-and-swap so that two processes never share it.
    private func claim(_ hash: UInt64, now: UInt32) -> UnsafeMutablePointer<UInt64>? {
        for probe in 0 ..< Self.probes {
            let index = (Int(truncatingIfNeeded: hash) &+ probe) & mask
            let slot = words + Self.headerWords + index * Self.slotWords
            var holder = berth_shared_load(slot)
            if holder == hash { return slot }
            if holder == 0 {
                if berth_shared_compare_exchange(slot, &holder, hash) == 1 || holder == hash { return slot }
                continue
            }
            let end = berth_shared_load(slot + 2)
            if end != 0, UInt64(now) > end, berth_shared_compare_exchange(slot, &holder, hash) == 1 {
                berth_shared_store(slot + 1, 0)
                return slot
            }
        }
        return nil
    }

    /// A keyed 64-bit hash of `key` under the table's seed (see ``SharedKeyHash``), never 0.
    private func hash(_ key: String) -> UInt64 {
        SharedKeyHash.hash(seed: seed, key.utf8)
    }
}
