import Foundation
import PluginAPI
import Synchronization
import Testing
@testable import BerthProviders

/// The call path of a slot: what stays constant however many calls a process makes, and how a
/// selection another process records reaches it.
@Suite(.removesScratchFolders)
struct SlotCallTests {
    /// The address of a local of the function calling this one: how deep the stack is there.
    @inline(never)
    static func stackAddress() -> UInt {
        var marker = 0
        return withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
    }

    static func cacheRegistry(folder: String = scratchFolder()) throws -> SlotRegistry {
        let slots = try registry(folder: folder)
        try slots.register(ProviderEntry(slot: .cache, name: "memory", supplier: "host", provider: MemoryCache()))
        try slots.register(ProviderEntry(slot: .cache, name: "second", supplier: "cache_addon", provider: MemoryCache()))
        return slots
    }

    @Test func theCallObserverRunsAtTheSameStackDepthAfterThousandsOfCalls() async throws {
        let slots = try Self.cacheRegistry()
        // Where the observer runs, at the first call and at the latest; and what it was told.
        let depths = Mutex<(first: UInt?, last: UInt, calls: Int, labels: Set<String>)>((nil, 0, 0, []))
        slots.observeCalls { slot, provider, failed in
            let depth = Self.stackAddress()
            depths.withLock { state in
                if state.first == nil { state.first = depth }
                state.last = depth
                state.calls += 1
                state.labels.insert("\(slot)/\(provider)/\(failed)")
            }
        }
        let cache = CacheFront(registry: slots, addonID: "test")
        try await cache.set("key", [1, 2, 3], ttl: nil)
        for _ in 0 ..< 5_000 {
            #expect(try await cache.get("key") == [1, 2, 3])
        }
        let (first, last, calls, labels) = depths.withLock { $0 }
        #expect(calls == 5_001)
        #expect(labels == ["cache/memory/false"])
        // Each call once wrapped the observer in two more conversion thunks (80 bytes of stack
        // in a release build, 128 in a debug one): 5,000 calls ran 400–640 KB deeper. Now the
        // same depth, give or take a frame.
        let deeper = Int(bitPattern: first ?? 0) - Int(bitPattern: last)
        #expect(abs(deeper) < 4096, "the observer ran \(deeper) bytes deeper after \(calls) calls")
    }

    @Test func aSelectionAnotherProcessRecordsReachesThisProcesssCalls() async throws {
        let folder = scratchFolder()
        let admin = try Self.cacheRegistry(folder: folder)
        let worker = try Self.cacheRegistry(folder: folder)
        let used = Mutex<[String]>([])
        worker.observeCalls { _, provider, _ in used.withLock { $0.append(provider) } }
        let cache = CacheFront(registry: worker, addonID: "test")
        _ = try await cache.get("key")
        #expect(used.withLock { $0 } == ["memory"])

        try admin.select(slot: "cache", value: "second")
        // Within SlotRegistry.selectionCheckInterval the worker's calls move over; the wait is a
        // generous bound for a loaded machine, not the interval.
        let deadline = ContinuousClock.now + .seconds(5)
        // The last call comes after the deadline, so a starved sleep still ends with a call made
        // past the interval.
        while true {
            _ = try await cache.get("key")
            if used.withLock({ $0.last }) == "second" || ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(used.withLock { $0.last } == "second")
        #expect(worker.selection(.cache).source == "admin")

        // Back again; a provider withdrawn meanwhile is a 503, not a call to a stale entry.
        try admin.select(slot: "cache", value: "memory")
        #expect(worker.selection(.cache).selection.description == "memory", "an admin read checks at once")
        _ = try await cache.get("key")
        #expect(used.withLock { $0.last } == "memory")
        try worker.select(slot: "cache", value: "second")
        #expect(worker.withdraw(supplier: "cache_addon") == 1)
        await #expect(throws: HTTPError.self) { _ = try await cache.get("key") }
    }

    @Test func eachProvidersCounterIsMadeOnceWhenItsSlotResolvesAndAskedAgainWhileItCannotBe() async throws {
        let slots = try Self.cacheRegistry()
        // Counters asked for, by pair; counts by pair and result. The first ask for "second"
        // fails (a full metrics table), so its calls must ask again until one is made.
        let state = Mutex<(asked: [String: Int], counted: [String: Int])>(([:], [:]))
        slots.observeCalls(counters: { slot, provider in
            let pair = "\(slot)/\(provider)"
            let asks = state.withLock { state -> Int in
                state.asked[pair, default: 0] += 1
                return state.asked[pair]!
            }
            if provider == "second", asks == 1 { return nil }
            return { failed in state.withLock { $0.counted["\(pair)/\(failed)", default: 0] += 1 } }
        })
        let cache = CacheFront(registry: slots, addonID: "test")
        for _ in 0 ..< 100 { _ = try await cache.get("key") }
        #expect(state.withLock { $0.asked } == ["cache/memory": 1])
        #expect(state.withLock { $0.counted } == ["cache/memory/false": 100])

        try slots.select(slot: "cache", value: "second")
        for _ in 0 ..< 3 { _ = try await cache.get("key") }
        let (asked, counted) = state.withLock { ($0.asked, $0.counted) }
        // The resolution asked once and got nothing, so each of the three calls asked again
        // (and counted with what that ask made): no call goes uncounted.
        #expect(asked["cache/second"] == 4, "\(asked)")
        #expect(counted["cache/second/false"] == 3, "\(counted)")
    }

    @Test func aCallTheBuiltInCacheRefusesIsCountedAsFailedAndAnswersWithItsOwnError() async throws {
        let slots = try Self.cacheRegistry()
        let counted = Mutex<[String]>([])
        slots.observeCalls { slot, provider, failed in counted.withLock { $0.append("\(slot)/\(provider)/\(failed)") } }
        let cache = CacheFront(registry: slots, addonID: "test")
        do {
            try await cache.set("key", [1], ttl: .zero)
            Issue.record("a zero ttl was accepted")
        } catch let error as HTTPError {
            #expect(error.status == 400, "\(error)")
            #expect(error.message.contains("ttl"), "\(error)")
        }
        #expect(try await cache.increment("n", by: 2, ttl: nil) == 2)
        #expect(try await cache.delete("n"))
        #expect(counted.withLock { $0 } == ["cache/memory/true", "cache/memory/false", "cache/memory/false"])
    }

    @Test func theBuiltInCacheKeepsEachAddonsKeysApartAndReachesTheSameEntriesThroughItsProtocol() async throws {
        let memory = MemoryCache()
        let slots = try registry(folder: scratchFolder())
        try slots.register(ProviderEntry(slot: .cache, name: "memory", supplier: "host", provider: memory))
        let cache = CacheFront(registry: slots, addonID: "test")
        let other = CacheFront(registry: slots, addonID: "other")
        // A front calls the built-in cache directly, with the addon's id and the key kept apart;
        // through the protocol (any other caller) a key is `<addon id>:<key>`: the same entries.
        try await cache.set("user:1", [1], ttl: nil)
        #expect(try await memory.get("test:user:1") == [1])
        #expect(try await memory.get("user:1") == Optional<[UInt8]>.none)
        #expect(try await other.get("user:1") == nil, "another addon's key")
        try await memory.set("other:user:1", [9], ttl: nil)
        #expect(try await other.get("user:1") == [9])
        #expect(try await memory.increment("test:visits", by: 2, ttl: nil) == 2)
        #expect(try await cache.increment("visits", by: 1, ttl: nil) == 3)
        #expect(try await memory.delete("test:user:1"))
        #expect(try await cache.get("user:1") == nil)
        #expect(try await other.get("user:1") == [9])
        // A key without an addon id stays its own entry.
        try await memory.set("plain", [5], ttl: nil)
        #expect(try await memory.get("plain") == [5])
        #expect(try await cache.get("plain") == nil)
    }

    @Test func aRegistryWhoseSelectionWatchRunsIsFreedOnceNothingElseHoldsIt() async throws {
        weak var watched: SlotRegistry?
        let watch: Task<Void, Never>
        do {
            let slots = try Self.cacheRegistry()
            watched = slots
            watch = slots.watchSelections(every: .milliseconds(5))
        }
        // A bound for a loaded machine; the watch looks every 5 ms.
        let deadline = ContinuousClock.now + .seconds(10)
        while watched != nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(watched == nil, "the watch still holds the registry")
        #expect(watch.isCancelled == false, "it ended on its own")
        await watch.value
    }

    @Test func everySlotsOrdinalIsItsPlaceAmongAllCases() {
        for (index, slot) in Slot.allCases.enumerated() {
            #expect(slot.ordinal == index, "\(slot)")
        }
    }
}
