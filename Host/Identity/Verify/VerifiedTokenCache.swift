import Synchronization

/// Tokens that verified, by their whole text, while they stay valid: a repeated token costs a
/// hash, a byte comparison and two time checks instead of decoding, JSON and a signature check.
///
/// A hit needs the presented token to equal the cached one byte for byte, so a tampered variant
/// of a cached token (another payload, another signature) misses and is verified, and refused, in
/// full. The hash only picks the slot; it is Swift's per-process seeded `Hasher`, so a client
/// cannot aim its tokens at the slot of someone else's.
///
/// Bounded in entries and in token bytes: a slot pair is shared by the tokens hashing to it, the
/// older one giving way, and a token that would pass the byte budget first sweeps out expired
/// tokens, then everything. Cleared whenever the keys change, and a verification that started
/// with the old keys cannot store its result afterwards (``generation``).
final class VerifiedTokenCache: Sendable {
    /// One token that verified: its bytes (compared in full on every hit) and what it said.
    struct Entry: Sendable {
        let token: [UInt8]
        let verified: VerifiedToken
        /// `nbf`, when the token had one.
        let notBefore: Double?
        /// When the entry was stored, in store order: the older of a pair gives way.
        let stamp: UInt64
    }

    private struct State: Sendable {
        /// Pairs of slots: a token hashing to pair `p` lives in slot `2p` or `2p + 1`.
        var slots: [Entry?]
        var bytes = 0
        var stamp: UInt64 = 0
        var generation: UInt64 = 0
    }

    private let state: Mutex<State>
    private let pairMask: Int
    /// The most token bytes kept at once.
    let byteBudget: Int

    /// A cache of at most `capacity` tokens (rounded up to a power of two; `0`: nothing is
    /// cached) holding at most `byteBudget` bytes of token text.
    init(capacity: Int, byteBudget: Int = 4 << 20) {
        var pairs = capacity <= 0 ? 0 : 1
        while pairs > 0, 2 * pairs < capacity { pairs *= 2 }
        self.pairMask = pairs - 1
        self.byteBudget = max(0, byteBudget)
        self.state = Mutex(State(slots: Array(repeating: nil, count: 2 * pairs)))
    }

    /// How many tokens the cache can hold.
    var capacity: Int { 2 * (pairMask + 1) }

    /// The number of tokens cached now and their bytes.
    var occupancy: (count: Int, bytes: Int) {
        state.withLock { state in (state.slots.lazy.filter { $0 != nil }.count, state.bytes) }
    }

    /// Changes on every ``removeAll()``: read it before reading the keys, hand it to
    /// ``store(_:token:notBefore:generation:now:)``, and a result of keys replaced since is dropped.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// The identity `token` verified to, if it is cached and still inside its validity window
    /// at `now` with `skew` seconds of leeway on `exp` and `nbf`. A cached token outside its
    /// window is removed (the caller verifies it in full, which names the reason).
    func lookup(_ token: UnsafeBufferPointer<UInt8>, now: Double, skew: Double) -> VerifiedToken? {
        guard pairMask >= 0 else { return nil }
        let first = 2 * (Self.hash(token) & pairMask)
        return state.withLock { state -> VerifiedToken? in
            let slot: Int
            if let entry = state.slots[first], Self.equal(entry.token, token) {
                slot = first
            } else if let entry = state.slots[first + 1], Self.equal(entry.token, token) {
                slot = first + 1
            } else {
                return nil
            }
            let entry = state.slots[slot].unsafelyUnwrapped
            let valid = now < entry.verified.expiresAt + skew && entry.notBefore.map { now + skew >= $0 } ?? true
            guard valid else {
                state.bytes -= entry.token.count
                state.slots[slot] = nil
                return nil
            }
            return entry.verified
        }
    }

    /// Keeps `verified` for `token`, unless the keys changed since `generation` was read or the
    /// token alone is larger than the byte budget. When the budget would be passed, the tokens
    /// expired at `now` go, and if that is not enough, all of them (a burst of distinct tokens
    /// cannot grow the cache, and the next requests fill it again).
    func store(_ verified: VerifiedToken, token: UnsafeBufferPointer<UInt8>, notBefore: Double?, generation: UInt64, now: Double) {
        guard pairMask >= 0, token.count <= byteBudget else { return }
        let first = 2 * (Self.hash(token) & pairMask)
        let bytes = Array(token)
        state.withLock { state in
            guard state.generation == generation else { return }
            // The same token already there (two requests verified it at once), else an empty
            // slot of the pair, else the older entry of the two.
            let slot: Int
            if let same = (first ... first + 1).first(where: { state.slots[$0].map { Self.equal($0.token, token) } ?? false }) {
                slot = same
            } else if let empty = (first ... first + 1).first(where: { state.slots[$0] == nil }) {
                slot = empty
            } else {
                slot = state.slots[first]!.stamp <= state.slots[first + 1]!.stamp ? first : first + 1
            }
            if let replaced = state.slots[slot] {
                state.bytes -= replaced.token.count
                state.slots[slot] = nil
            }
            if state.bytes + bytes.count > byteBudget {
                for index in state.slots.indices {
                    if let entry = state.slots[index], entry.verified.expiresAt <= now {
                        state.bytes -= entry.token.count
                        state.slots[index] = nil
                    }
                }
                if state.bytes + bytes.count > byteBudget {
                    for index in state.slots.indices { state.slots[index] = nil }
                    state.bytes = 0
                }
            }
            state.stamp &+= 1
            state.bytes += bytes.count
            state.slots[slot] = Entry(token: bytes, verified: verified, notBefore: notBefore, stamp: state.stamp)
        }
    }

    /// Forgets every token, and makes results verified with the keys of before unstorable.
    func removeAll() {
        state.withLock { state in
            for index in state.slots.indices { state.slots[index] = nil }
            state.bytes = 0
            state.generation &+= 1
        }
    }

    /// The slot hash: the length and the last 32 bytes, which are the signature's. Only tokens
    /// that verified are stored, and no one can make two valid tokens end alike without the key,
    /// so the tail separates them as well as the whole would, for a sixth of the work; a forged
    /// token that shares a cached token's tail lands in its pair, misses on the full comparison,
    /// and is verified, and refused, in full.
    private static func hash(_ token: UnsafeBufferPointer<UInt8>) -> Int {
        var hasher = Hasher()
        hasher.combine(token.count)
        hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: token[max(0, token.count - 32)...])))
        return hasher.finalize()
    }

    /// Byte equality in constant time for a given length, eight bytes at a time, so how long a
    /// comparison takes says nothing about how much of a cached token a presented one got right.
    private static func equal(_ stored: [UInt8], _ presented: UnsafeBufferPointer<UInt8>) -> Bool {
        guard stored.count == presented.count else { return false }
        return stored.withUnsafeBytes { left in
            let right = UnsafeRawBufferPointer(presented)
            var difference: UInt64 = 0
            var offset = 0
            while offset + 8 <= left.count {
                difference |= left.loadUnaligned(fromByteOffset: offset, as: UInt64.self) ^ right.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                offset += 8
            }
            while offset < left.count {
                difference |= UInt64(left[offset] ^ right[offset])
                offset += 1
            }
            return difference == 0
        }
    }
}
