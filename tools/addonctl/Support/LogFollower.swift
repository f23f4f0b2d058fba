import Foundation

/// Follows a host's log file (one JSON object per line) and prints the lines of one addon as
/// `level message key=value…`, from where it was when first read.
struct LogFollower {
    let path: String
    var addonID: String
    private var offset: UInt64 = 0
    private var partial = Data()

    init(path: String, addonID: String) {
        self.path = path
        self.addonID = addonID
    }

    /// Prints the addon's lines written since the last call.
    mutating func printNew() {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        if let end = try? handle.seekToEnd(), end < offset { offset = 0 }
        try? handle.seek(toOffset: offset)
        guard let data = try? handle.readToEnd(), !data.isEmpty else { return }
        offset += UInt64(data.count)
        partial.append(data)
        while let newline = partial.firstIndex(of: UInt8(ascii: "\n")) {
            let line = partial[partial.startIndex ..< newline]
            partial.removeSubrange(partial.startIndex ... newline)
            if let text = format(Data(line)) { print(text) }
        }
    }

    private func format(_ line: Data) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any] else { return nil }
        let label = object["label"] as? String
        let aboutAddon = object["addon"] as? String
        guard label == addonID || aboutAddon == addonID else { return nil }
        let own: Set<String> = ["time", "level", "label", "message"]
        let metadata = object.filter { !own.contains($0.key) }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return (["[\(label ?? "berth")] \(object["level"] as? String ?? "info"): \(object["message"] as? String ?? "")"] + metadata).joined(separator: " ")
    }
}
