/// The metric families Berth exposes, with their Prometheus names, types and help texts.
///
/// Names follow Prometheus conventions: base units (seconds, bytes), `_total` for counters, and
/// labels of bounded cardinality (route templates, never paths or user ids).
public enum MetricFamily: UInt8, Sendable, CaseIterable {
    /// Requests answered, by `addon`, `route` (template), `method`, `code`.
    case httpRequests = 1
    /// Request durations, by `addon`, `route`, `method`.
    case httpRequestDuration = 2
    /// Requests being handled now, by `addon`.
    case httpInFlight = 3
    /// Handler crashes, by `addon`.
    case handlerCrashes = 4
    /// Handler timeouts, by `addon`.
    case handlerTimeouts = 5
    /// Quarantines, by `addon`.
    case quarantines = 6
    /// Lifecycle operations, by `kind` and `result`.
    case lifecycleOperations = 7
    /// Lifecycle operation durations, by `kind`.
    case lifecycleDuration = 8
    /// Provider slot calls, by `slot`, `provider`, `result`.
    case providerCalls = 9
    /// Rate-limit refusals, by `addon`, `route`.
    case rateLimited = 10
    /// Authentication refusals, by `addon`, `reason`.
    case authenticationRefusals = 11
    /// Workers serving now (the supervisor's count; 1 for a single-process host).
    case workers = 12
    /// The generation of workers serving now.
    case generation = 13
    /// Addons deactivated by their error threshold, by `addon`.
    case errorThresholdDeactivations = 14

    /// The metric's name without the `_total` a counter's samples carry.
    public var baseName: String {
        switch self {
        case .httpRequests: "berth_http_requests"
        case .httpRequestDuration: "berth_http_request_duration_seconds"
        case .httpInFlight: "berth_http_requests_in_flight"
        case .handlerCrashes: "berth_handler_crashes"
        case .handlerTimeouts: "berth_handler_timeouts"
        case .quarantines: "berth_addon_quarantines"
        case .lifecycleOperations: "berth_lifecycle_operations"
        case .lifecycleDuration: "berth_lifecycle_operation_duration_seconds"
        case .providerCalls: "berth_provider_calls"
        case .rateLimited: "berth_rate_limited_requests"
        case .authenticationRefusals: "berth_authentication_refusals"
        case .workers: "berth_workers"
        case .generation: "berth_worker_generation"
        case .errorThresholdDeactivations: "berth_addon_error_threshold_deactivations"
        }
    }

    /// `counter`, `gauge` or `histogram`.
    public var type: String {
        switch self {
        case .httpRequestDuration, .lifecycleDuration: "histogram"
        case .httpInFlight, .workers, .generation: "gauge"
        default: "counter"
        }
    }

    /// One line for people.
    public var help: String {
        switch self {
        case .httpRequests: "HTTP requests answered, by addon, route template, method and status code."
        case .httpRequestDuration: "Time from routing a request to its response, by addon, route template and method."
        case .httpInFlight: "Requests being handled now, by addon."
        case .handlerCrashes: "Handler crashes answered 502, by addon."
        case .handlerTimeouts: "Handlers that overran their deadline and were answered 504, by addon."
        case .quarantines: "Times an addon was quarantined after repeated crashes, by addon."
        case .lifecycleOperations: "Installs, upgrades, uninstalls, activations, deactivations and configuration changes, by kind and result (ok or the error code)."
        case .lifecycleDuration: "Duration of lifecycle operations, by kind."
        case .providerCalls: "Calls to provider slots, by slot, provider and result."
        case .rateLimited: "Requests refused with 429 by a route's rate limit, by addon and route template."
        case .authenticationRefusals: "Requests refused with 401 or 403 before reaching the addon, by addon and reason."
        case .workers: "Worker processes serving now."
        case .generation: "The generation of workers serving now; it grows at every roll."
        case .errorThresholdDeactivations: "Times an addon was deactivated because its share of 5xx answers passed its error threshold, by addon."
        }
    }
}
