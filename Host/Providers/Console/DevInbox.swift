import Foundation
import Glibc

/// The development inbox: the messages the console email and SMS providers "sent", kept in one
/// file of the home (so every worker adds to and reads the same inbox), newest last, at most
/// ``capacity`` of them (the oldest go first).
public final class DevInbox: Sendable {
    /// One message in the inbox.
    public struct Message: Sendable, Codable, Hashable {
        /// A unique id, also the provider's message id.
        public var id: String
        /// `email` or `sms`.
        public var channel: String
        /// Seconds since 1970.
        public var sentAt: Double
        /// The sender, if given.
        public var from: String?
        /// The recipients.
        public var to: [String]
        /// Email copies and blind copies.
        public var cc: [String]?
        /// Email blind copies.
        public var bcc: [String]?
        /// The email subject.
        public var subject: String?
        /// The plain text (the SMS body for an SMS).
        public var text: String?
        /// The email HTML.
        public var html: String?
    }

    /// The file.
    public let path: String
    /// How many messages are kept.
    public let capacity: Int

    /// An inbox kept at `path`.
    public init(path: String, capacity: Int = 200) {
        self.path = path
        self.capacity = capacity
    }

    /// Adds `message`, dropping the oldest past ``capacity``.
    public func append(_ message: Message) throws {
        try locked { messages in
            messages.append(message)
            if messages.count > capacity { messages.removeFirst(messages.count - capacity) }
        }
    }

    /// The messages, oldest first; `channel` and `to` filter them.
    public func messages(channel: String? = nil, to recipient: String? = nil) throws -> [Message] {
        var all: [Message] = []
        try locked { all = $0 }
        return all.filter { (channel == nil || $0.channel == channel) && (recipient == nil || $0.to.contains(recipient!)) }
    }

    /// Empties the inbox; returns how many messages it held.
    @discardableResult
    public func clear() throws -> Int {
        var count = 0
        try locked { messages in
            count = messages.count
            messages.removeAll()
        }
        return count
    }

    /// Runs `body` on the inbox's messages under an exclusive `flock` of the file, and writes them
    /// back if `body` changed them.
    private func locked(_ body: (inout [Message]) throws -> Void) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ProviderError.unavailable("cannot open the development inbox \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw ProviderError.unavailable("cannot lock the development inbox \(path): \(String(cString: strerror(errno)))") }
        defer { flock(fd, LOCK_UN) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        let data = try handle.readToEnd() ?? Data()
        var messages = data.isEmpty ? [] : ((try? JSONDecoder().decode([Message].self, from: data)) ?? [])
        let before = messages
        try body(&messages)
        guard messages != before else { return }
        let encoded = try JSONEncoder().encode(messages)
        try handle.truncate(atOffset: 0)
        try handle.seek(toOffset: 0)
        try handle.write(contentsOf: encoded)
        fsync(fd)
    }
}
