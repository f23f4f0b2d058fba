/// One text message to send.
public struct SMSMessage: Sendable, Hashable {
    /// The recipient's number in E.164 form, e.g. `+4915112345678`.
    public var to: String
    /// The text.
    public var body: String
    /// The sender id or number; `nil` for the provider's default.
    public var sender: String?

    /// Creates a message.
    public init(to: String, body: String, sender: String? = nil) {
        self.to = to
        self.body = body
        self.sender = sender
    }
}

/// What the provider answered for a text message it accepted.
public struct SMSReceipt: Sendable, Hashable {
    /// The provider's id for the message.
    public var messageID: String
    /// The provider's name.
    public var provider: String

    /// Creates a receipt.
    public init(messageID: String, provider: String) {
        self.messageID = messageID
        self.provider = provider
    }
}

/// The result of checking a verification code.
public enum VerificationResult: Sendable, Hashable {
    /// The code matched; it cannot be used again.
    case approved
    /// The code did not match.
    case rejected
    /// No code is pending for the number (never sent, used or expired).
    case expired
}

/// The SMS provider slot (`SMS_PROVIDER`), reached with `try context.service(.sms)`.
public protocol SMSSender: Sendable {
    /// Sends `message`.
    func send(_ message: SMSMessage) async throws -> SMSReceipt

    /// Sends a one-time verification code to `number`, valid for `validity`.
    func sendVerificationCode(to number: String, validity: Duration) async throws -> SMSReceipt

    /// Checks `code` against the one last sent to `number`.
    func checkVerificationCode(_ code: String, for number: String) async throws -> VerificationResult
}
