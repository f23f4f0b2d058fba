import PluginAPI
import ProviderKit

extension EmailAPI {
    func sendGrid(_ message: EmailMessage, from: EmailAddress, root: String) -> OutgoingRequest {
        func address(_ address: EmailAddress) -> JSONValue {
            var fields: [String: JSONValue] = ["email": .string(address.address)]
            if let name = address.name { fields["name"] = .string(name) }
            return .object(fields)
        }
        var personalization: [String: JSONValue] = ["to": .array(message.to.map(address))]
        if !message.cc.isEmpty { personalization["cc"] = .array(message.cc.map(address)) }
        if !message.bcc.isEmpty { personalization["bcc"] = .array(message.bcc.map(address)) }
        // SendGrid wants text/plain before text/html.
        var content: [JSONValue] = []
        if let text = message.text { content.append(.object(["type": .string("text/plain"), "value": .string(text)])) }
        if let html = message.html { content.append(.object(["type": .string("text/html"), "value": .string(html)])) }
        var body: [String: JSONValue] = [
            "personalizations": .array([.object(personalization)]), "from": address(from), "subject": .string(message.subject), "content": .array(content),
        ]
        if let replyTo = message.replyTo { body["reply_to"] = address(replyTo) }
        if !message.tags.isEmpty { body["categories"] = .array(message.tags.prefix(10).map { .string($0) }) }
        if !message.attachments.isEmpty {
            body["attachments"] = .array(message.attachments.map { .object(["content": .string(Digest.base64($0.content)), "filename": .string($0.filename), "type": .string($0.contentType)]) })
        }
        return OutgoingRequest(method: .post, url: root + "/v3/mail/send", headers: ["Authorization": "Bearer \(key)", "Content-Type": "application/json"], body: Self.json(.object(body)))
    }

    func mailgun(_ message: EmailMessage, from: EmailAddress, root: String) throws -> OutgoingRequest {
        guard message.attachments.isEmpty else {
            throw HTTPError(status: 422, code: "attachments_unsupported", message: "mailgun: attachments need a multipart body, which this provider does not send; use smtp with the mailgun preset")
        }
        var form = FormBody()
        form.add("from", Self.formatted(from))
        for address in message.to { form.add("to", Self.formatted(address)) }
        for address in message.cc { form.add("cc", Self.formatted(address)) }
        for address in message.bcc { form.add("bcc", Self.formatted(address)) }
        form.add("subject", message.subject)
        form.add("text", message.text)
        form.add("html", message.html)
        if let replyTo = message.replyTo { form.add("h:Reply-To", Self.formatted(replyTo)) }
        for tag in message.tags.prefix(3) { form.add("o:tag", tag) }
        return OutgoingRequest(
            method: .post, url: root + "/v3/\(PercentEncoding.encode(mailgunDomain))/messages",
            headers: ["Authorization": "Basic " + Digest.base64(Array("api:\(key)".utf8)), "Content-Type": "application/x-www-form-urlencoded"],
            body: Array(form.encoded.utf8)
        )
    }

    func postmark(_ message: EmailMessage, from: EmailAddress, root: String) -> OutgoingRequest {
        func list(_ addresses: [EmailAddress]) -> JSONValue { .string(addresses.map(Self.formatted).joined(separator: ", ")) }
        var body: [String: JSONValue] = ["From": .string(Self.formatted(from)), "To": list(message.to), "Subject": .string(message.subject), "MessageStream": .string("outbound")]
        if !message.cc.isEmpty { body["Cc"] = list(message.cc) }
        if !message.bcc.isEmpty { body["Bcc"] = list(message.bcc) }
        if let text = message.text { body["TextBody"] = .string(text) }
        if let html = message.html { body["HtmlBody"] = .string(html) }
        if let replyTo = message.replyTo { body["ReplyTo"] = .string(Self.formatted(replyTo)) }
        if let tag = message.tags.first { body["Tag"] = .string(tag) }
        if !message.attachments.isEmpty {
            body["Attachments"] = .array(message.attachments.map { .object(["Name": .string($0.filename), "Content": .string(Digest.base64($0.content)), "ContentType": .string($0.contentType)]) })
        }
        return OutgoingRequest(
            method: .post, url: root + "/email",
            headers: ["X-Postmark-Server-Token": key, "Accept": "application/json", "Content-Type": "application/json"], body: Self.json(.object(body))
        )
    }

    func resend(_ message: EmailMessage, from: EmailAddress, root: String) -> OutgoingRequest {
        func list(_ addresses: [EmailAddress]) -> JSONValue { .array(addresses.map { .string(Self.formatted($0)) }) }
        var body: [String: JSONValue] = ["from": .string(Self.formatted(from)), "to": list(message.to), "subject": .string(message.subject)]
        if !message.cc.isEmpty { body["cc"] = list(message.cc) }
        if !message.bcc.isEmpty { body["bcc"] = list(message.bcc) }
        if let text = message.text { body["text"] = .string(text) }
        if let html = message.html { body["html"] = .string(html) }
        if let replyTo = message.replyTo { body["reply_to"] = .string(Self.formatted(replyTo)) }
        if !message.attachments.isEmpty {
            body["attachments"] = .array(message.attachments.map { .object(["filename": .string($0.filename), "content": .string(Digest.base64($0.content))]) })
        }
        return OutgoingRequest(method: .post, url: root + "/emails", headers: ["Authorization": "Bearer \(key)", "Content-Type": "application/json"], body: Self.json(.object(body)))
    }
}
