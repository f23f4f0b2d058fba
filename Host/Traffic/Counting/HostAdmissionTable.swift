import CBerthShared
import Glibc

/// The HTTP admission counts of a whole host, shared by its worker processes through one mapped
/// file: open connections in total and per client address, uploads being received, and the bytes
/// those uploads announced. A limit of N connections then admits N whichever worker accepts them,
/// not N per worker.
///
/// Every limit is checked and taken with one compare-and-swap on a host-wide word, so two workers
/// never both take the last place. Each process also records its own share in a row it claims
/// (``register()``), so that the share of a process that died (a crashed worker never gives its
/// places back) is handed back: by the next process that registers, and whenever a limit is
/// reached (``reclaimDeadProcesses()``). No lock, no system call on the admitting path.
///
/// Layout after the 8-word header (whose words 3–5 hold the host-wide connections, uploads and
/// upload bytes): 64 rows of 8 words (pid, connections, uploads, upload bytes), then the address
/// slots. An address slot is one word (key in the high 40 bits, the host-wide count in the low 24)
/// followed by 16 words of per-row counts, 16 bits for each of the 64 rows.
///
/// `@unchecked Sendable`: the mapping is owned by its ``SharedCounterFile`` and read and written only
/// through atomic operations; ``row`` is set once by ``register()`` before the table is shared.
public final class HostAdmissionTable: @unchecked Sendable {
    /// Why a connection was not admitted, with the count that was at its limit.
    public enum ConnectionRefusal: Sendable, Equatable {
        /// The host has `open` connections, its total limit.
        case total(open: Int)
        /// The address has `open` connections, its limit.
        case address(open: Int)
        /// Every slot the address could be counted in holds another address with open connections
        /// (thousands of addresses at once): refused rather than admitted uncounted.
        case addressesFull
    }

    private static let magic: UInt64 = 0x4245_5254_4841_4431 // "BERTHAD1"
    private static let headerWords = 8
    static let rows = 64
    private static let rowWords = 8
    private static let laneWords = rows / 4
    private static let slotWords = 1 + laneWords
    private static let probes = 16
    private static let countBits: UInt64 = 24
    private static let countMask: UInt64 = (1 << countBits) - 1
    private static let laneMax: UInt64 = 0xFFFF

    private let file: SharedCounterFile
    private let words: UnsafeMutablePointer<UInt64>
    private let slotMask: Int
    private var row: Int?

    /// The seed of the table's file, for ``SharedKeyHash`` keys of addresses.
    public var seed: UInt64 { file.seed }

    /// Maps the table at `path`, creating it with `addressSlots` address slots (a power of two) if
    /// it is new.
    /// - Throws: ``TrafficError`` when the file cannot be opened, sized or mapped, or holds a table
    ///   of another size.
    public init(path: String, addressSlots: Int = 1 << 14) throws(TrafficError) {
        precondition(addressSlots > 0 && addressSlots & (addressSlots - 1) == 0, "addressSlots must be a power of two")
        let size = (Self.headerWords + Self.rows * Self.rowWords + addressSlots * Self.slotWords) * MemoryLayout<UInt64>.size
        file = try SharedCounterFile(path: path, size: size, magic: Self.magic, slots: UInt64(addressSlots))
        words = file.base.assumingMemoryBound(to: UInt64.self)
        slotMask = addressSlots - 1
    }

    /// Claims this process's row, first handing back the shares of processes that are gone.
    /// Call once, before the first admission.
    /// - Returns: false when every row is held by a live process (the caller then counts by itself).
    @discardableResult
    public func register() -> Bool {
        reclaimDeadProcesses()
        let pid = UInt64(getpid())
        for index in 0 ..< Self.rows {
            let record = rowRecord(index)
            var holder = berth_shared_load(record)
            guard holder == 0 else { continue }
            if berth_shared_compare_exchange(record, &holder, pid) == 1 {
                row = index
                return true
            }
        }
        return false
    }

    /// Whether ``register()`` claimed a row.
    public var isRegistered: Bool { row != nil }

    // MARK: - Connections

    /// Takes a place for a new connection from the address whose ``SharedKeyHash`` under
    /// ``seed`` is `addressHash`, unless the host has `totalLimit` connections open (0: no limit) or
    /// that address has `perAddressLimit` (0: not counted per address).
    /// - Returns: nil when admitted, else the refusal.
    public func openConnection(addressHash: UInt64, totalLimit: Int, perAddressLimit: Int) -> ConnectionRefusal? {
        guard let row else { return nil }
        var total = take(total: words + 3, limit: totalLimit)
        if case .refused = total, reclaimDeadProcesses() > 0 { total = take(total: words + 3, limit: totalLimit) }
        if case .refused(let open) = total { return .total(open: open) }
        berth_shared_add(rowRecord(row) + 1, 1)
        guard perAddressLimit > 0 else { return nil }
        var outcome = takeAddress(addressHash, limit: perAddressLimit, row: row)
        if case .taken = outcome {} else if reclaimDeadProcesses() > 0 {
            outcome = takeAddress(addressHash, limit: perAddressLimit, row: row)
        }
        switch outcome {
        case .taken:
            return nil
        case .refused(let open):
            giveBack(total: words + 3, rowWord: rowRecord(row) + 1, amount: 1)
            return .address(open: open)
        case .full:
            giveBack(total: words + 3, rowWord: rowRecord(row) + 1, amount: 1)
            return .addressesFull
        }
    }

    /// Gives back the place ``openConnection(addressHash:totalLimit:perAddressLimit:)`` took for a
    /// connection from `addressHash`; `perAddress` says whether it was counted per address (a
    /// per-address limit was set).
    public func closeConnection(addressHash: UInt64, perAddress: Bool) {
        guard let row else { return }
        giveBack(total: words + 3, rowWord: rowRecord(row) + 1, amount: 1)
        guard perAddress else { return }
        // A key with open connections never leaves its slot, so the probe finds the one it was
        // counted in.
        let key = max(1, addressHash >> Self.countBits)
        for probe in 0 ..< Self.probes {
            let slot = slotRecord((Int(truncatingIfNeeded: addressHash) &+ probe) & slotMask)
            let word = berth_shared_load(slot)
            guard word >> Self.countBits == key, word & Self.countMask > 0 else { continue }
            let (lane, shift) = laneWord(slot, row: row)
            var current = berth_shared_load(lane)
            while (current >> shift) & Self.laneMax > 0, berth_shared_compare_exchange(lane, &current, current &- (UInt64(1) << shift)) != 1 {}
            subtract(1, fromCountOf: slot)
            return
        }
    }

    /// The connections open on the whole host now.
    public var openConnections: Int { Int(truncatingIfNeeded: berth_shared_load(words + 3)) }

    // MARK: - Uploads

    /// Takes one of `limit` upload places (0: no limit) for an upload announcing `bytes` bytes
    /// (0 if it announced none).
    /// - Returns: nil when taken, else the uploads being received now (the limit).
    public func beginUpload(limit: Int, bytes: Int) -> Int? {
        guard let row else { return nil }
        if case .refused(let open) = take(total: words + 4, limit: limit) {
            guard reclaimDeadProcesses() > 0, case .taken = take(total: words + 4, limit: limit) else { return open }
        }
        berth_shared_add(rowRecord(row) + 2, 1)
        let bytes = UInt64(max(0, bytes))
        berth_shared_add(words + 5, bytes)
        berth_shared_add(rowRecord(row) + 3, bytes)
        return nil
    }

    /// Gives back an upload place taken for `bytes` announced bytes.
    public func endUpload(bytes: Int) {
        guard let row else { return }
        giveBack(total: words + 4, rowWord: rowRecord(row) + 2, amount: 1)
        let bytes = UInt64(max(0, bytes))
        giveBack(total: words + 5, rowWord: rowRecord(row) + 3, amount: bytes)
    }

    /// Uploads being received on the whole host now.
    public var activeUploads: Int { Int(truncatingIfNeeded: berth_shared_load(words + 4)) }

    /// Bytes the uploads being received on the whole host announced.
    public var announcedUploadBytes: Int { Int(truncatingIfNeeded: berth_shared_load(words + 5)) }

    // MARK: - Dead processes

    /// Hands back the counts of every process that registered and is gone, and frees its row.
    /// - Returns: the number of rows freed.
    @discardableResult
    public func reclaimDeadProcesses() -> Int {
        var freed = 0
        for index in 0 ..< Self.rows where index != row {
            let record = rowRecord(index)
            var holder = berth_shared_load(record)
            guard holder != 0, holder != Self.reclaiming, !Self.isAlive(holder) else { continue }
            // Only the process that marks the row hands its counts back.
            guard berth_shared_compare_exchange(record, &holder, Self.reclaiming) == 1 else { continue }
            handBack(row: index)
            berth_shared_store(record, 0)
            freed += 1
        }
        return freed
    }

    private static let reclaiming = UInt64.max

    private func handBack(row index: Int) {
        let record = rowRecord(index)
        for (word, total) in [(1, 3), (2, 4), (3, 5)] {
            var share = berth_shared_load(record + word)
            while share != 0, berth_shared_compare_exchange(record + word, &share, 0) != 1 {}
            if share != 0 { subtractClamped(share, from: words + total) }
        }
        for slotIndex in 0 ... slotMask {
            let slot = slotRecord(slotIndex)
            let (lane, shift) = laneWord(slot, row: index)
            var current = berth_shared_load(lane)
            var count = (current >> shift) & Self.laneMax
            while count != 0, berth_shared_compare_exchange(lane, &current, current & ~(Self.laneMax << shift)) != 1 {
                count = (current >> shift) & Self.laneMax
            }
            if count != 0 { subtract(count, fromCountOf: slot) }
        }
    }

    // MARK: - Words

    private enum Take {
        case taken(Int)
        case refused(open: Int)
        case full
    }

    /// Adds 1 to `total` unless it is at `limit` (0: no limit).
    private func take(total: UnsafeMutablePointer<UInt64>, limit: Int) -> Take {
        var current = berth_shared_load(total)
        while true {
            let open = Int(truncatingIfNeeded: current)
            if limit > 0 && open >= limit { return .refused(open: open) }
            if berth_shared_compare_exchange(total, &current, current &+ 1) == 1 { return .taken(open + 1) }
        }
    }

    private func giveBack(total: UnsafeMutablePointer<UInt64>, rowWord: UnsafeMutablePointer<UInt64>, amount: UInt64) {
        guard amount > 0 else { return }
        subtractClamped(amount, from: rowWord)
        subtractClamped(amount, from: total)
    }

    /// Subtracts `amount`, stopping at 0 (a count never wraps below zero, even if a reclaim raced).
    private func subtractClamped(_ amount: UInt64, from word: UnsafeMutablePointer<UInt64>) {
        var current = berth_shared_load(word)
        while berth_shared_compare_exchange(word, &current, current > amount ? current - amount : 0) != 1 {}
    }

    /// Counts one connection of `addressHash` in its slot (the one holding its key, or a free one).
    private func takeAddress(_ addressHash: UInt64, limit: Int, row: Int) -> Take {
        let key = max(1, addressHash >> Self.countBits)
        for probe in 0 ..< Self.probes {
            let index = (Int(truncatingIfNeeded: addressHash) &+ probe) & slotMask
            let slot = slotRecord(index)
            var current = berth_shared_load(slot)
            while true {
                let holder = current >> Self.countBits
                let count = current & Self.countMask
                guard holder == key || count == 0 else { break }
                if holder == key && count >= UInt64(min(limit, Int(Self.countMask))) { return .refused(open: Int(count)) }
                let next = holder == key ? current + 1 : key << Self.countBits | 1
                if berth_shared_compare_exchange(slot, &current, next) == 1 {
                    let (lane, shift) = laneWord(slot, row: row)
                    if (berth_shared_load(lane) >> shift) & Self.laneMax < Self.laneMax {
                        berth_shared_add(lane, UInt64(1) << shift)
                    }
                    return .taken(index)
                }
            }
        }
        return .full
    }

    private func subtract(_ amount: UInt64, fromCountOf slot: UnsafeMutablePointer<UInt64>) {
        var current = berth_shared_load(slot)
        while true {
            let count = current & Self.countMask
            let next = (current & ~Self.countMask) | (count > amount ? count - amount : 0)
            if berth_shared_compare_exchange(slot, &current, next) == 1 { return }
        }
    }

    private func rowRecord(_ index: Int) -> UnsafeMutablePointer<UInt64> {
        words + Self.headerWords + index * Self.rowWords
    }

    private func slotRecord(_ index: Int) -> UnsafeMutablePointer<UInt64> {
        words + Self.headerWords + Self.rows * Self.rowWords + index * Self.slotWords
    }

    /// The word holding `row`'s 16-bit count in `slot`, and the count's shift in it.
    private func laneWord(_ slot: UnsafeMutablePointer<UInt64>, row: Int) -> (UnsafeMutablePointer<UInt64>, UInt64) {
        (slot + 1 + row / 4, UInt64(row % 4) * 16)
    }

    private static func isAlive(_ pid: UInt64) -> Bool {
        guard pid > 0, pid < UInt64(Int32.max) else { return false }
        return kill(pid_t(pid), 0) == 0 || errno == EPERM
    }
}
