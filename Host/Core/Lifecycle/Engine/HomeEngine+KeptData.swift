import Foundation

/// Data kept at uninstall (`keep_data=true`) for a later install of the same id.
extension HomeEngine {
    /// What is recorded of an addon uninstalled with `keep_data`.
    struct KeptData: Codable, Sendable {
        let id: String
        let version: String
        let location: String
        let keptAt: String
    }

    private func keptRecordPath(_ id: String) -> String { home.keptDataDirectory + "/\(id).json" }

    /// The record of `id`'s kept data, if its data was kept at uninstall and still exists.
    func keptData(_ id: String) -> KeptData? {
        guard let data = FileManager.default.contents(atPath: keptRecordPath(id)),
              let record = try? JSONDecoder().decode(KeptData.self, from: data),
              (try? backend.namespaceExists(id)) == true else { return nil }
        return record
    }

    func rememberKeptData(_ id: String, version: String) throws {
        let record = KeptData(id: id, version: version, location: home.relative(backend.location(of: id)), keptAt: ISO8601DateFormatter().string(from: Date()))
        try FileSystem.writeAtomically(try JSONEncoder().encode(record), to: keptRecordPath(id))
    }

    func forgetKeptData(_ id: String) {
        try? FileSystem.remove(keptRecordPath(id))
    }
}
