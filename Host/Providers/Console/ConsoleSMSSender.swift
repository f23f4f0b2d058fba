import Foundation
import PluginAPI
import Synchronization

/// The `console` SMS provider: prints each text to the host log and keeps it in the development
/// inbox. Verification codes are six digits, kept (per process) until used or expired.
public final class ConsoleSMSSender: SMSSender {
    private let inbox: DevInbox
    private let logger: Logger
    private let codes = Mutex<[String: (code: String, expires: ContinuousClock.Instant)]>([:])

    /// A provider writing to `inbox` and `logger`.
    public init(inbox: DevInbox, logger: Logger) {
        self.inbox = inbox
        self.logger = logger
    }

    public func send(_ message: SMSMessage) async throws -> SMSReceipt {
        guard message.to.hasPrefix("+"), message.to.count >= 8, message.to.dropFirst().allSatisfy(\.isNumber) else {
            throw ProviderError.invalidArgument("'\(message.to)' is not a phone number in E.164 form (e.g. +4915112345678)").httpError
        }
        let id = "console-" + UUID().uuidString.lowercased()
        try inbox.append(DevInbox.Message(id: id, channel: "sms", sentAt: Date().timeIntervalSince1970, from: message.sender, to: [message.to], text: message.body))
        logger.info("sms (console provider)", metadata: ["id": .string(id), "to": .string(message.to), "text": .string(message.body)])
        return SMSReceipt(messageID: id, provider: "console")
    }

    public func sendVerificationCode(to number: String, validity: Duration) async throws -> SMSReceipt {
        let code = String(format: "%06d", Int.random(in: 0 ..< 1_000_000))
        let receipt = try await send(SMSMessage(to: number, body: "Your verification code is \(code)"))
        codes.withLock { $0[number] = (code, .now + validity) }
        return receipt
    }

    public func checkVerificationCode(_ code: String, for number: String) async throws -> VerificationResult {
        codes.withLock { codes in
            guard let pending = codes[number], pending.expires > .now else {
                codes[number] = nil
                return .expired
            }
            guard pending.code == code else { return .rejected }
            codes[number] = nil
            return .approved
        }
    }
}
