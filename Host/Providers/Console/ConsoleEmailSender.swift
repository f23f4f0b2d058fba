import Foundation
import PluginAPI

/// The `console` email provider: prints each message to the host log and keeps it in the
/// development inbox, so sign-up and verification flows work end to end in development.
public struct ConsoleEmailSender: EmailSender {
    let inbox: DevInbox
    let logger: Logger

    /// A provider writing to `inbox` and `logger`.
    public init(inbox: DevInbox, logger: Logger) {
        self.inbox = inbox
        self.logger = logger
    }

    public func send(_ message: EmailMessage) async throws -> EmailReceipt {
        let id = "console-" + UUID().uuidString.lowercased()
        let render: (EmailAddress) -> String = { address in address.name.map { "\($0) <\(address.address)>" } ?? address.address }
        let kept = DevInbox.Message(
            id: id, channel: "email", sentAt: Date().timeIntervalSince1970, from: message.from.map(render),
            to: message.to.map(\.address), cc: message.cc.map(\.address), bcc: message.bcc.map(\.address),
            subject: message.subject, text: message.text, html: message.html
        )
        try inbox.append(kept)
        logger.info("email (console provider)", metadata: [
            "id": .string(id), "to": .string(message.to.map(render).joined(separator: ", ")),
            "subject": .string(message.subject), "text": .string(message.text ?? message.html ?? ""),
        ])
        return EmailReceipt(messageID: id, provider: "console")
    }
}
