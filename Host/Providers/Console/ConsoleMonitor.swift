import PluginAPI

/// The `console` monitoring provider: each capture becomes one line of the host log.
public struct ConsoleMonitor: CheckedErrorMonitor {
    let logger: Logger

    /// A provider writing to `logger`.
    public init(logger: Logger) {
        self.logger = logger
    }

    public func capture(error: any Error, context: MonitoringContext) async {
        try? await deliver(message: ProviderError.describe(error), level: .error, context: context)
    }

    public func capture(message: String, level: LogLevel, context: MonitoringContext) async {
        try? await deliver(message: message, level: level, context: context)
    }

    public func deliver(message: String, level: LogLevel, context: MonitoringContext) async throws {
        var metadata: LogMetadata = ["monitoring": "console", "message": .string(message)]
        if let id = context.requestID { metadata["request_id"] = .string(id) }
        if let user = context.userID { metadata["user"] = .string(user) }
        for (key, value) in context.tags { metadata["tag." + key] = .string(value) }
        if !context.breadcrumbs.isEmpty { metadata["breadcrumbs"] = .string(context.breadcrumbs.map { "\($0.category): \($0.message)" }.joined(separator: " | ")) }
        logger.log(level, "captured", metadata: metadata)
    }
}
