import Foundation
import PluginAPI

/// The email slot for tests: records every message instead of sending it, and answers with a
/// receipt numbered in order (`test-email-1`, …). Make it fail with ``failNext(with:)``.
///
/// `@unchecked Sendable`: its state is read and written only under `lock`.
public final class RecordingEmailSender: EmailSender, @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [EmailMessage] = []
    private var failure: (any Error)?

    /// Creates a sender that has sent nothing.
    public init() {}

    /// The messages sent so far, in order.
    public var sent: [EmailMessage] { lock.withLock { messages } }

    /// Makes the next ``send(_:)`` throw `error` (and record nothing), as a refusing provider would.
    public func failNext(with error: any Error) {
        lock.withLock { failure = error }
    }

    /// Records `message`.
    public func send(_ message: EmailMessage) async throws -> EmailReceipt {
        try lock.withLock {
            if let failure {
                self.failure = nil
                throw failure
            }
            messages.append(message)
            return EmailReceipt(messageID: "test-email-\(messages.count)", provider: "test")
        }
    }
}
