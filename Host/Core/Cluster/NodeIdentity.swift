import Foundation

/// This host's name in the cluster: `BERTH_NODE_ID`, or a name generated at the first start and
/// kept in `.berth/node-id`, so a restarted node is recognised as the same one.
enum NodeIdentity {
    static func resolve(settings: HostSettings, home: BerthHome) throws -> String {
        if let configured = settings.nodeID { return configured }
        let file = home.stateDirectory + "/node-id"
        if let data = FileManager.default.contents(atPath: file) {
            let stored = String(decoding: data, as: UTF8.self).trimmingWhitespace
            if !stored.isEmpty { return stored }
        }
        let generated = "node-" + UUID().uuidString.prefix(8).lowercased()
        try FileSystem.writeAtomically(Data((generated + "\n").utf8), to: file)
        return generated
    }
}
