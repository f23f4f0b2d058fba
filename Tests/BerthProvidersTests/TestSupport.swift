import Foundation
import Testing
import PluginAPI
@testable import BerthProviders

/// A fresh folder for one test, removed when the test ends (its suite has
/// ``RemovesScratchFolders``; outside one, the folder is reported as an issue and stays).
func scratchFolder() -> String {
    let path = NSTemporaryDirectory() + "berth-providers-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    if let folders = ScratchFolders.current {
        folders.add(path)
    } else {
        Issue.record("scratchFolder() outside a suite with .removesScratchFolders leaves \(path) behind")
    }
    return path
}

/// A logger that drops everything.
let quietLogger = Logger(label: "test", handler: DiscardingHandler())

struct DiscardingHandler: LogHandler {
    func log(level: LogLevel, message: String, metadata: [String: String], label: String) {}
}

/// An email provider that throws `error` (a refusal or a transport failure) or records what it sent.
final class ScriptedSender: EmailSender, @unchecked Sendable {
    // @unchecked: `sent` is guarded by `lock`.
    private let lock = NSLock()
    private var sentSubjects: [String] = []
    let name: String
    let error: (any Error)?

    init(name: String, error: (any Error)? = nil) {
        self.name = name
        self.error = error
    }

    var sent: [String] { lock.withLock { sentSubjects } }

    func send(_ message: EmailMessage) async throws -> EmailReceipt {
        if let error { throw error }
        lock.withLock { sentSubjects.append(message.subject) }
        return EmailReceipt(messageID: "\(name)-1", provider: name)
    }
}

/// An analytics provider that fails every delivery.
struct FailingTracker: CheckedAnalyticsTracker {
    func track(_ event: AnalyticsEvent) async {}
    func identify(userID: String, traits: [String: JSONValue]) async {}
    func deliver(_ event: AnalyticsEvent) async throws { throw HTTPError(status: 502, code: "upstream_down", message: "posthog is down") }
    func deliverIdentify(userID: String, traits: [String: JSONValue]) async throws { throw HTTPError(status: 502, code: "upstream_down", message: "posthog is down") }
}

func registry(_ environment: [String: String] = [:], folder: String = scratchFolder()) throws -> SlotRegistry {
    try SlotRegistry(environment: environment, selectionsFile: folder + "/selections.json", logger: quietLogger)
}
