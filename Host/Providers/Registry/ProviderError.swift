import PluginAPI

/// A provider slot refused a setting or a call: a status, a stable code and a message naming the
/// slot and what to do.
public struct ProviderError: Error, Sendable, CustomStringConvertible {
    private enum Kind: String {
        case invalidSelection = "invalid_selection"
        case unknownSlot = "unknown_slot"
        case providerNotInstalled = "provider_not_installed"
        case deliveryFailed = "provider_failed"
        case notConfigured = "provider_not_configured"
        case providerInUse = "provider_in_use"
        case invalidArgument = "invalid_argument"
        case unavailable = "provider_unavailable"
        case presignedInvalid = "presigned_url_invalid"
        case presignedExpired = "presigned_url_expired"
    }

    /// The HTTP status an admin or an addon's caller sees.
    public let status: Int
    /// A stable snake_case code.
    public let code: String
    /// What happened and what to do.
    public let message: String
    /// The underlying error, if any.
    public let cause: (any Error)?

    private init(_ kind: Kind, status: Int, _ message: String, cause: (any Error)? = nil) {
        self.status = status
        self.code = kind.rawValue
        self.message = message
        self.cause = cause
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }

    /// The error as an addon's handler receives it (and its client sees it).
    public var httpError: HTTPError { HTTPError(status: status, code: code, message: message) }

    static func invalidSelection(_ slot: Slot, _ value: String, _ why: String) -> ProviderError {
        ProviderError(.invalidSelection, status: 400, "\(slot.variable)=\(value) is not a valid choice for the \(slot.rawValue) slot: \(why)")
    }

    static func unknownSlot(_ name: String) -> ProviderError {
        ProviderError(.unknownSlot, status: 404, "there is no provider slot named '\(name)'; the slots are \(Slot.allCases.map(\.rawValue).joined(separator: ", "))")
    }

    static func notInstalled(_ slot: Slot, value: String, missing: String, available: [String]) -> ProviderError {
        ProviderError(.providerNotInstalled, status: 404, "\(slot.variable)=\(value): no provider named '\(missing)' is installed for the \(slot.rawValue) slot (available: \(available.joined(separator: ", "))); install and activate the addon that supplies it (POST /api/v1/marketplace/install), then choose it with PUT /api/v1/providers/\(slot.rawValue), or set \(slot.variable) to an available provider")
    }

    static func deliveryFailed(_ slot: Slot, _ failures: [(provider: String, error: any Error)]) -> ProviderError {
        let text = failures.map { "\($0.provider): \(describe($0.error))" }.joined(separator: "; ")
        return ProviderError(.deliveryFailed, status: 502, "the \(slot.rawValue) slot could not deliver the call: \(text)", cause: failures.last?.error)
    }

    static func notConfigured(_ slot: Slot, _ message: String) -> ProviderError {
        ProviderError(.notConfigured, status: 503, message + " (set \(slot.variable), or choose a provider with PUT /api/v1/providers/\(slot.rawValue))")
    }

    static func inUse(addon: String, slots: [Slot], action: String) -> ProviderError {
        let names = slots.map { "\($0.rawValue) (\($0.variable))" }.joined(separator: ", ")
        return ProviderError(.providerInUse, status: 409, "cannot \(action) \(addon): it supplies the provider in use by the slot \(names); choose another provider with PUT /api/v1/providers/<slot> first")
    }

    static func invalidArgument(_ message: String) -> ProviderError {
        ProviderError(.invalidArgument, status: 400, message)
    }

    static func unavailable(_ message: String, cause: (any Error)? = nil) -> ProviderError {
        ProviderError(.unavailable, status: 503, message, cause: cause)
    }

    static func presignedInvalid() -> ProviderError {
        ProviderError(.presignedInvalid, status: 403, "the signature of this presigned URL does not match: it was changed or was not issued by this host")
    }

    static func presignedExpired(_ deadline: Int) -> ProviderError {
        ProviderError(.presignedExpired, status: 403, "this presigned URL expired at \(deadline) (seconds since 1970): ask for a new one")
    }

    static func notFound(_ message: String) -> ProviderError {
        ProviderError(.unavailable, status: 404, message)
    }

    /// How an error reads inside another error's message.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as HTTPError: "\(error.code): \(error.message)"
        case let error as ProviderError: error.description
        default: "\(error)"
        }
    }
}
