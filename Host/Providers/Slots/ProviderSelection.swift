import Foundation

/// Which provider(s) a slot uses: one, an ordered failover list, a round-robin list, or (for the
/// fan-out slots) every provider of a list.
public struct ProviderSelection: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How the listed providers share the calls.
    public enum Mode: String, Sendable, Codable {
        /// One provider.
        case single
        /// The first; on any error (transport or not) the next, in order.
        case failover
        /// Each call starts at the next provider in turn, failing over through the rest.
        case roundRobin = "round_robin"
        /// Every provider receives each call (fan-out slots).
        case all
    }

    /// How the providers share the calls.
    public let mode: Mode
    /// The provider names, in order.
    public let providers: [String]

    /// Creates a selection.
    public init(mode: Mode, providers: [String]) {
        self.mode = mode
        self.providers = providers
    }

    /// The text form, as written in the variable: `console`, `failover:smtp,console`, `internal,posthog`.
    public var description: String {
        switch mode {
        case .single, .all: providers.joined(separator: ",")
        case .failover: "failover:" + providers.joined(separator: ",")
        case .roundRobin: "round_robin:" + providers.joined(separator: ",")
        }
    }

    /// Parses `text` as the value of `slot`'s variable.
    /// - Throws: ``ProviderError`` `invalid_selection` naming the slot, the variable and the value.
    public static func parse(_ text: String, for slot: Slot) throws(ProviderError) -> ProviderSelection {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var mode: Mode = slot.isFanOut ? .all : .single
        var list = Substring(trimmed)
        for (prefix, form) in [("failover:", Mode.failover), ("round_robin:", Mode.roundRobin)] where trimmed.hasPrefix(prefix) {
            guard slot.allowsAlternatives else {
                throw .invalidSelection(slot, trimmed, "the \(slot.rawValue) slot takes one provider (\(form.rawValue) is for email and sms)")
            }
            mode = form
            list = list.dropFirst(prefix.count)
        }
        let names = list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.isEmpty, names.allSatisfy(isValidName) else {
            throw .invalidSelection(slot, trimmed, "provider names are lowercase letters, digits, '_' and '-', separated by commas")
        }
        guard Set(names).count == names.count else {
            throw .invalidSelection(slot, trimmed, "a provider is listed twice")
        }
        if mode == .single, names.count > 1 {
            throw .invalidSelection(slot, trimmed, "the \(slot.rawValue) slot takes one provider; write failover:\(names.joined(separator: ",")) or round_robin:… where the slot allows it")
        }
        if mode == .failover || mode == .roundRobin, names.count < 2 {
            throw .invalidSelection(slot, trimmed, "\(mode.rawValue) needs at least two providers")
        }
        return ProviderSelection(mode: mode, providers: names)
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x2D }
    }
}
