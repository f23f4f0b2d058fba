import Foundation
import PluginAPI

/// The SMS slot for tests: records every message, and issues verification codes it keeps
/// (``lastCode(for:)``), so a test can complete a verification flow.
///
/// `@unchecked Sendable`: its state is read and written only under `lock`.
public final class RecordingSMSSender: SMSSender, @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [SMSMessage] = []
    private var codes: [String: (code: String, expires: ContinuousClock.Instant)] = [:]

    /// Creates a sender that has sent nothing.
    public init() {}

    /// The messages sent so far (verification codes included), in order.
    public var sent: [SMSMessage] { lock.withLock { messages } }

    /// The verification code last sent to `number`.
    public func lastCode(for number: String) -> String? {
        lock.withLock { codes[number]?.code }
    }

    /// Records `message`.
    public func send(_ message: SMSMessage) async throws -> SMSReceipt {
        lock.withLock {
            messages.append(message)
            return SMSReceipt(messageID: "test-sms-\(messages.count)", provider: "test")
        }
    }

    /// Records a message holding a new six-digit code for `number`.
    public func sendVerificationCode(to number: String, validity: Duration) async throws -> SMSReceipt {
        let code = String(format: "%06d", Int.random(in: 0 ..< 1_000_000))
        lock.withLock { codes[number] = (code, .now + validity) }
        return try await send(SMSMessage(to: number, body: "Your code is \(code)"))
    }

    /// Checks `code` against the last one sent to `number`; a right code is used up.
    public func checkVerificationCode(_ code: String, for number: String) async throws -> VerificationResult {
        lock.withLock {
            guard let issued = codes[number], issued.expires > .now else { return .expired }
            guard issued.code == code else { return .rejected }
            codes[number] = nil
            return .approved
        }
    }
}
