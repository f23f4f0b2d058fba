import Foundation
import PluginAPI
import Synchronization

/// Every slot's installed providers and its selection: from the variable at start, from the admin
/// API at run time (recorded in the home, so every worker and the next start agree; a recorded
/// choice wins over the variable).
///
/// A slot call costs no system call: the recorded selections are checked for a change made by
/// another process at most once per ``selectionCheckInterval`` (a monotonic clock read per call
/// otherwise), and each slot's providers are resolved once per change of its selection or of the
/// installed providers.
public final class SlotRegistry: Sendable {
    /// The longest a change recorded by another process (a `PUT /api/v1/providers/{slot}` served
    /// by another worker) takes to reach this process's slot calls. Admin reads
    /// (``selection(_:)``, ``reports()``) and this process's own changes check at once.
    public static let selectionCheckInterval: Duration = .milliseconds(5)

    /// One slot's providers as its calls use them: resolved from the selection and the installed
    /// entries, kept until either changes.
    ///
    /// A class: the call path reads it out of the state with one retain, where a struct's copy
    /// retained each of its fields.
    private final class Resolution: Sendable {
        let selection: ProviderSelection
        let entries: [Target]
        /// The first selected provider that is not installed (single, failover and round robin
        /// selections then fail with 503; fan-out skips it).
        let missing: String?
        /// The one provider, when a call can go to it without the general delivery
        /// (``immediateRoute(_:)``).
        let immediate: ImmediateRoute?

        init(selection: ProviderSelection, entries: [Target], missing: String?, immediate: ImmediateRoute?) {
            self.selection = selection
            self.entries = entries
            self.missing = missing
            self.immediate = immediate
        }
    }

    /// A slot's only provider when its calls never suspend, with the counter of its calls; one
    /// object, so the call path's lookup retains one reference and copies no ``Target``.
    final class ImmediateRoute: Sendable {
        let provider: ImmediateProvider
        let target: Target
        let slot: Slot

        init(provider: ImmediateProvider, target: Target, slot: Slot) {
            self.provider = provider
            self.target = target
            self.slot = slot
        }
    }

    /// One provider a call tries, with the counter of its calls made when the slot was resolved:
    /// a call then counts without looking its (slot, provider) pair up by name.
    struct Target: Sendable {
        let entry: ProviderEntry
        /// `nil` when there is no observer, or when it could not make a counter at resolution
        /// (a full metrics table): the call then asks the observer again.
        let counter: CallCounter?
    }

    /// Counts the calls of one (slot, provider) pair; told whether the call failed.
    public typealias CallCounter = @Sendable (_ failed: Bool) -> Void

    /// The observer of provider calls, in a class so the mutex holds a reference and never the
    /// function itself: a function stored as a generic value and passed `inout` through
    /// `withLock` is reabstracted on the way in and on the way out, and those conversion thunks
    /// wrap each other, two more on every call (the defect that made each slot call slower than
    /// the one before and finally overflowed the stack).
    private final class CallObserver: Sendable {
        let counter: @Sendable (_ slot: String, _ provider: String) -> CallCounter?
        init(counter: @escaping @Sendable (_ slot: String, _ provider: String) -> CallCounter?) { self.counter = counter }
    }

    /// The observer of the rate-limiting slot's moves, boxed for the same reason.
    private final class SwitchObserver: Sendable {
        let call: @Sendable (_ builtIn: Bool) -> Void
        init(call: @escaping @Sendable (_ builtIn: Bool) -> Void) { self.call = call }
    }

    private struct State {
        var entries: [Slot: [String: ProviderEntry]] = [:]
        var recorded: [Slot: ProviderSelection] = [:]
        var recordedStamp: SelectionStore.Stamp?
        /// When the call path next looks at the selections file (monotonic nanoseconds: a plain
        /// integer comparison, where clock instants cost 128-bit arithmetic on every call).
        var nextCheck: UInt64 = 0
        /// By ``Slot/ordinal``: the call path's lookup hashes no slot name.
        var resolved = [Resolution?](repeating: nil, count: Slot.allCases.count)
        var callObserver: CallObserver?
        /// Whether the rate-limiting slot uses only the built-in `memory` provider, as of the last check.
        var builtInRateLimits = true
        var turns: [Slot: Int] = [:]
        var lastFailures: [Slot: [String: String]] = [:]
    }

    private let state = Mutex(State())
    private let rateLimitSwitchObserver = Mutex<SwitchObserver?>(nil)
    private let environment: [Slot: ProviderSelection]
    private let store: SelectionStore
    /// Where host messages (fan-out failures) go.
    let logger: Logger

    /// Reads the variables of `environment`; selections chosen earlier through the admin API are
    /// read from `selectionsFile`.
    /// - Throws: ``ProviderError`` naming the slot, the variable and the value of the first
    ///   variable that does not parse.
    public init(environment: [String: String], selectionsFile: String, logger: Logger) throws(ProviderError) {
        var chosen: [Slot: ProviderSelection] = [:]
        for slot in Slot.allCases {
            if let value = environment[slot.variable], !value.isEmpty {
                chosen[slot] = try ProviderSelection.parse(value, for: slot)
            }
        }
        self.environment = chosen
        self.store = SelectionStore(path: selectionsFile)
        self.logger = logger
        let fromEnvironment = chosen[.rateLimit].map { $0.providers == ["memory"] } ?? true
        state.withLock { $0.builtInRateLimits = fromEnvironment }
        try refresh()
    }

    /// Calls `observer` after every call a provider answered or failed (the host counts them in
    /// its metrics); replaces any observer set before.
    public func observeCalls(_ observer: @escaping @Sendable (_ slot: String, _ provider: String, _ failed: Bool) -> Void) {
        observeCalls(counters: { slot, provider in { failed in observer(slot, provider, failed) } })
    }

    /// Counts every call a provider answered or failed with the counter `makeCounter` returns for
    /// its (slot, provider) pair, asked once per resolution of the slot (a change of its
    /// selection or of the installed providers) and again at each call while it returns `nil`;
    /// replaces any observer set before.
    public func observeCalls(counters makeCounter: @escaping @Sendable (_ slot: String, _ provider: String) -> CallCounter?) {
        let boxed = CallObserver(counter: makeCounter)
        state.withLock { state in
            state.callObserver = boxed
            state.resolved = Self.unresolved
        }
    }

    private static let unresolved = [Resolution?](repeating: nil, count: Slot.allCases.count)

    /// ``selectionCheckInterval`` in nanoseconds.
    private static let checkIntervalNanoseconds = UInt64(selectionCheckInterval.components.attoseconds / 1_000_000_000) + UInt64(selectionCheckInterval.components.seconds) * 1_000_000_000

    /// Calls `observer` in the process that notices it, whenever the rate-limiting slot moves from
    /// the built-in `memory` provider to another or back (a `PUT /api/v1/providers/rate_limit` of
    /// any worker): the host remounts its limited routes so every one counts in the new place.
    public func observeRateLimitSwitch(_ observer: @escaping @Sendable (_ builtIn: Bool) -> Void) {
        let boxed = SwitchObserver(call: observer)
        rateLimitSwitchObserver.withLock { $0 = boxed }
    }

    /// ``rateLimitsAreBuiltIn`` as the request path reads it: the selections file is checked at
    /// most once per ``selectionCheckInterval``, and a move it finds is reported to the observer
    /// of ``observeRateLimitSwitch(_:)``.
    public func rateLimitsAreBuiltInNow() -> Bool {
        withFreshState { $0.builtInRateLimits }
    }

    /// Checks the selections file every `interval` until the registry is gone, so a process that
    /// makes no slot call (a worker serving only synchronous limited routes) still sees a move of
    /// the rate-limiting slot and tells the observer of ``observeRateLimitSwitch(_:)``.
    ///
    /// The watch holds the registry strongly and lets go once it holds the last reference: a weak
    /// reference would give the registry a side table, and then every retain and release of it on
    /// the call path takes the runtime's slow path.
    @discardableResult
    public func watchSelections(every interval: Duration) -> Task<Void, Never> {
        let lease = Lease(self)
        return Task.detached {
            guard var registry = lease.take() else { return }
            while !Task.isCancelled, !isKnownUniquelyReferenced(&registry) {
                try? registry.refresh()
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Hands the registry to the watch's task, so the task's closure keeps no second reference.
    private final class Lease: Sendable {
        private let registry: Mutex<SlotRegistry?>
        init(_ registry: SlotRegistry) { self.registry = Mutex(registry) }
        func take() -> SlotRegistry? { registry.withLock { $0.take() } }
    }

    func observed(_ slot: Slot, _ target: Target, failed: Bool) {
        if let counter = target.counter { return counter(failed) }
        state.withLock { $0.callObserver }?.counter(slot.rawValue, target.entry.name)?(failed)
    }

    // MARK: Providers

    /// Adds `entry` to its slot.
    /// - Throws: ``ProviderError`` if another supplier already offers that name for the slot.
    public func register(_ entry: ProviderEntry) throws(ProviderError) {
        try state.withLock { (state) throws(ProviderError) in
            if let held = state.entries[entry.slot]?[entry.name], held.supplier != entry.supplier {
                throw .invalidArgument("the \(entry.slot.rawValue) provider '\(entry.name)' is already supplied by \(held.supplier)")
            }
            state.entries[entry.slot, default: [:]][entry.name] = entry
            state.resolved[entry.slot.ordinal] = nil
        }
    }

    /// Removes every provider `supplier` offered; returns how many.
    @discardableResult
    public func withdraw(supplier: String) -> Int {
        state.withLock { state in
            var count = 0
            for slot in Slot.allCases {
                let names = (state.entries[slot] ?? [:]).values.filter { $0.supplier == supplier }.map(\.name)
                for name in names { state.entries[slot]?[name] = nil }
                if !names.isEmpty { state.resolved[slot.ordinal] = nil }
                count += names.count
            }
            return count
        }
    }

    /// The provider names installed for `slot`.
    public func available(_ slot: Slot) -> [String] {
        state.withLock { ($0.entries[slot] ?? [:]).keys.sorted() }
    }

    // MARK: Selections

    /// The selection `slot` uses now and where it came from.
    public func selection(_ slot: Slot) -> (selection: ProviderSelection, source: String) {
        try? refresh()
        return state.withLock { selection(slot, in: $0) }
    }

    private func selection(_ slot: Slot, in state: State) -> (selection: ProviderSelection, source: String) {
        if let recorded = state.recorded[slot] { return (recorded, "admin") }
        if let chosen = environment[slot] { return (chosen, "environment") }
        let fallback = ProviderSelection(mode: slot.isFanOut ? .all : .single, providers: [slot.developmentDefault])
        return (fallback, "default")
    }

    /// Checks that every selected provider is installed (the host calls it once its addons started).
    ///
    /// A variable naming a missing provider stops the start. A choice recorded through the admin
    /// API whose provider has gone since (its addon was quarantined, say) is logged instead, and
    /// the slot's calls fail with 503 until an administrator chooses again: a host must still
    /// start to be repaired through its admin API.
    /// - Throws: ``ProviderError`` `provider_not_installed` naming the slot, the value and how to install it.
    public func verifySelections() throws(ProviderError) {
        for slot in Slot.allCases {
            let (selection, source) = selection(slot)
            do {
                try requireInstalled(selection, for: slot)
            } catch where source == "admin" {
                logger.error("a recorded provider choice names a provider that is not installed", metadata: ["slot": .string(slot.rawValue), "error": .string(error.message)])
            }
        }
    }

    /// Chooses `value` for the slot named `slotName` and records it for every process of the host.
    /// - Throws: 404 for an unknown slot or a provider not installed, 400 for a value that does not parse.
    @discardableResult
    public func select(slot slotName: String, value: String) throws(ProviderError) -> ProviderSelection {
        guard let slot = Slot(rawValue: slotName) else { throw .unknownSlot(slotName) }
        let selection = try ProviderSelection.parse(value, for: slot)
        try requireInstalled(selection, for: slot)
        do {
            try store.update { $0[slot.rawValue] = selection.description }
        } catch let error as ProviderError {
            throw error
        } catch {
            throw .unavailable("could not record the selection in \(store.path): \(error)", cause: error)
        }
        try refresh()
        return selection
    }

    private func requireInstalled(_ selection: ProviderSelection, for slot: Slot) throws(ProviderError) {
        let available = available(slot)
        for name in selection.providers where !available.contains(name) {
            throw .notInstalled(slot, value: selection.description, missing: name, available: available)
        }
    }

    /// Runs `body` on the state once the recorded selections are fresh: the call path's check,
    /// which re-reads them at most once per ``selectionCheckInterval``. One lock per call; a
    /// second only when the check is due, after reading the file outside it.
    private func withFreshState<Result: Sendable, Failure: Error>(_ body: (inout State) throws(Failure) -> Result) throws(Failure) -> Result {
        let now = DispatchTime.now().uptimeNanoseconds
        if let result = try state.withLock({ (state) throws(Failure) -> Result? in
            guard now < state.nextCheck else { return nil }
            return try body(&state)
        }) {
            return result
        }
        try? refresh()
        return try state.withLock { (state) throws(Failure) -> Result in try body(&state) }
    }

    /// Re-reads the recorded selections if another process changed them.
    private func refresh() throws(ProviderError) {
        let now = DispatchTime.now().uptimeNanoseconds
        let stamp = store.stamp()
        let unchanged = state.withLock { state in
            guard state.recordedStamp == stamp else { return false }
            state.nextCheck = now + Self.checkIntervalNanoseconds
            return true
        }
        if unchanged { return }
        let texts: [String: String]
        do { texts = try store.load() } catch {
            throw .unavailable("the provider selections in \(store.path) cannot be read: \(error)", cause: error)
        }
        var recorded: [Slot: ProviderSelection] = [:]
        for (name, text) in texts {
            guard let slot = Slot(rawValue: name) else { continue }
            recorded[slot] = try ProviderSelection.parse(text, for: slot)
        }
        let switched = state.withLock { state -> Bool? in
            state.recorded = recorded
            state.recordedStamp = stamp
            state.resolved = Self.unresolved
            state.nextCheck = now + Self.checkIntervalNanoseconds
            let builtIn = selection(.rateLimit, in: state).selection.providers == ["memory"]
            guard builtIn != state.builtInRateLimits else { return nil }
            state.builtInRateLimits = builtIn
            return builtIn
        }
        if let switched { rateLimitSwitchObserver.withLock { $0 }?.call(switched) }
    }

    // MARK: Calls

    /// The providers one call of `slot` tries, in order: the first is the one to use, the others
    /// (failover, round robin) are the fallbacks; a fan-out call uses all of them.
    /// - Throws: 503 when a selected provider is not installed (e.g. its addon was deactivated).
    func targets(_ slot: Slot) throws(ProviderError) -> [ProviderEntry] {
        try resolvedTargets(slot).map(\.entry)
    }

    /// ``targets(_:)`` with each provider's call counter.
    private func resolvedTargets(_ slot: Slot) throws(ProviderError) -> [Target] {
        try withFreshState { (state) throws(ProviderError) -> [Target] in try targets(slot, in: &state) }
    }

    private func targets(_ slot: Slot, in state: inout State) throws(ProviderError) -> [Target] {
        let resolution = state.resolved[slot.ordinal] ?? resolve(slot, in: &state)
        if let missing = resolution.missing, !slot.isFanOut {
            throw .notInstalled(slot, value: resolution.selection.description, missing: missing, available: (state.entries[slot] ?? [:]).keys.sorted())
        }
        let entries = resolution.entries
        if resolution.selection.mode == .roundRobin, entries.count > 1 {
            let turn = state.turns[slot, default: 0]
            state.turns[slot] = turn &+ 1
            let start = turn % entries.count
            return Array(entries[start...] + entries[..<start])
        }
        return entries
    }

    /// The slot's providers as its selection names them, remembered until it or they change.
    private func resolve(_ slot: Slot, in state: inout State) -> Resolution {
        let (selection, _) = selection(slot, in: state)
        var entries: [Target] = []
        var missing: String?
        for name in selection.providers {
            guard let entry = state.entries[slot]?[name] else {
                if missing == nil { missing = name }
                continue
            }
            entries.append(Target(entry: entry, counter: state.callObserver?.counter(slot.rawValue, name)))
        }
        let only = entries.count == 1 && missing == nil ? entries[0] : nil
        let immediate = only.flatMap { target in
            ImmediateProvider(target.entry.provider).map { ImmediateRoute(provider: $0, target: target, slot: slot) }
        }
        let resolution = Resolution(selection: selection, entries: entries, missing: missing, immediate: immediate)
        state.resolved[slot.ordinal] = resolution
        return resolution
    }

    /// The slot's only provider when its calls never suspend (the built-in `memory` cache or rate
    /// limiter selected alone), for a front to call directly; count the call with
    /// ``observed(_:_:failed:)``. `nil` whenever the general delivery must decide: several
    /// providers, one not installed (its 503 comes from there), or an addon's provider.
    func immediateRoute(_ slot: Slot) -> ImmediateRoute? {
        withFreshState { state in (state.resolved[slot.ordinal] ?? resolve(slot, in: &state)).immediate }
    }

    /// ``targets(_:)`` for a call from an addon: a missing provider is a 503 the addon's client sees.
    func callTargets(_ slot: Slot) throws(HTTPError) -> [ProviderEntry] {
        try callTargetsCounted(slot).map(\.entry)
    }

    /// ``callTargets(_:)`` with each provider's call counter.
    func callTargetsCounted(_ slot: Slot) throws(HTTPError) -> [Target] {
        do {
            return try resolvedTargets(slot)
        } catch {
            throw HTTPError(status: 503, code: error.code, message: error.message)
        }
    }

    /// Runs `call` on every provider of a fan-out slot; each failure is logged and recorded
    /// separately, and the failures are returned by provider name.
    @discardableResult
    func fanOut<Service>(_ slot: Slot, as type: Service.Type, _ call: @Sendable (Service) async throws -> Void) async -> [String: String] {
        let targets = (try? resolvedTargets(slot)) ?? []
        var failures: [String: String] = [:]
        let (selection, _) = selection(slot)
        for name in selection.providers where !targets.contains(where: { $0.entry.name == name }) {
            failures[name] = "provider \(name) is not installed"
        }
        for target in targets {
            let entry = target.entry
            guard let provider = entry.provider as? Service else {
                failures[entry.name] = "provider \(entry.name) does not implement the \(slot.rawValue) slot"
                continue
            }
            do {
                try await call(provider)
                observed(slot, target, failed: false)
            } catch {
                observed(slot, target, failed: true)
                failures[entry.name] = ProviderError.describe(error)
            }
        }
        state.withLock { state in
            for (name, failure) in failures { state.lastFailures[slot, default: [:]][name] = failure }
        }
        for (name, failure) in failures.sorted(by: { $0.key < $1.key }) {
            logger.error("fan-out delivery failed", metadata: ["slot": .string(slot.rawValue), "provider": .string(name), "error": .string(failure)])
        }
        return failures
    }

    // MARK: Removal and reports

    /// The slots whose selection uses a provider `addonID` supplies.
    public func slotsUsing(supplier addonID: String) -> [Slot] {
        Slot.allCases.filter { slot in
            let names = selection(slot).selection.providers
            return state.withLock { state in names.contains { state.entries[slot]?[$0]?.supplier == addonID } }
        }
    }

    /// Refuses to `action` (uninstall, deactivate…) the addon `addonID` while a slot uses one of
    /// its providers; the lifecycle calls this before it changes anything.
    /// - Throws: 409 `provider_in_use` naming the slots.
    public func refuseRemoval(of addonID: String, action: String) throws(ProviderError) {
        let slots = slotsUsing(supplier: addonID)
        if !slots.isEmpty { throw .inUse(addon: addonID, slots: slots, action: action) }
    }

    /// Every slot, its selection, who supplies each provider and their health.
    public func reports() async -> [SlotReport] {
        var reports: [SlotReport] = []
        for slot in Slot.allCases {
            let (selection, source) = selection(slot)
            let (entries, failures) = state.withLock { ($0.entries[slot] ?? [:], $0.lastFailures[slot] ?? [:]) }
            var members: [SlotReport.Member] = []
            for name in selection.providers {
                guard let entry = entries[name] else {
                    members.append(.init(name: name, suppliedBy: nil, health: "missing", problem: "no provider named \(name) is installed", lastFailure: failures[name]))
                    continue
                }
                let problem = await entry.health()
                members.append(.init(name: name, suppliedBy: entry.supplier, health: problem == nil ? "ok" : "failing", problem: problem, lastFailure: failures[name]))
            }
            reports.append(SlotReport(
                slot: slot.rawValue, variable: slot.variable, provider: selection.description, mode: selection.mode.rawValue,
                source: source, providers: members, available: entries.keys.sorted(),
                health: members.allSatisfy { $0.health == "ok" } ? "ok" : "failing"
            ))
        }
        return reports
    }
}
