/// An email address with an optional display name.
public struct EmailAddress: Sendable, Hashable {
    /// The address, e.g. `ada@example.com`.
    public var address: String
    /// The display name, e.g. `Ada Lovelace`.
    public var name: String?

    /// Creates an address.
    public init(_ address: String, name: String? = nil) {
        self.address = address
        self.name = name
    }
}

/// A file attached to an email.
public struct EmailAttachment: Sendable, Hashable {
    /// The file name the recipient sees.
    public var filename: String
    /// The MIME type, e.g. `application/pdf`.
    public var contentType: String
    /// The file's bytes.
    public var content: [UInt8]

    /// Creates an attachment.
    public init(filename: String, contentType: String, content: [UInt8]) {
        self.filename = filename
        self.contentType = contentType
        self.content = content
    }
}

/// One email to send.
public struct EmailMessage: Sendable, Hashable {
    /// The sender; `nil` for the provider's configured default sender.
    public var from: EmailAddress?
    /// The recipients.
    public var to: [EmailAddress]
    /// Copies.
    public var cc: [EmailAddress]
    /// Blind copies.
    public var bcc: [EmailAddress]
    /// Where replies go, if not to the sender.
    public var replyTo: EmailAddress?
    /// The subject line.
    public var subject: String
    /// The plain-text body.
    public var text: String?
    /// The HTML body.
    public var html: String?
    /// Attached files.
    public var attachments: [EmailAttachment]
    /// Provider tags, e.g. for a campaign.
    public var tags: [String]

    /// Creates a message; at least one of `text` and `html` should be set.
    public init(
        from: EmailAddress? = nil, to: [EmailAddress], cc: [EmailAddress] = [], bcc: [EmailAddress] = [],
        replyTo: EmailAddress? = nil, subject: String, text: String? = nil, html: String? = nil,
        attachments: [EmailAttachment] = [], tags: [String] = []
    ) {
        self.from = from
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.replyTo = replyTo
        self.subject = subject
        self.text = text
        self.html = html
        self.attachments = attachments
        self.tags = tags
    }
}

/// What the provider answered for an email it accepted.
public struct EmailReceipt: Sendable, Hashable {
    /// The provider's id for the message, for tracking and support.
    public var messageID: String
    /// The provider's name, e.g. `console`.
    public var provider: String

    /// Creates a receipt.
    public init(messageID: String, provider: String) {
        self.messageID = messageID
        self.provider = provider
    }
}

/// The email provider slot (`EMAIL_PROVIDER`), reached with `try context.service(.email)`.
public protocol EmailSender: Sendable {
    /// Sends `message`; throws ``HTTPError`` when the provider refuses it.
    func send(_ message: EmailMessage) async throws -> EmailReceipt
}
