import BerthStorage

/// Chooses where addons keep their data from `BERTH_DATABASE_URL`.
enum DataBackendFactory {
    static func make(settings: HostSettings, home: BerthHome) throws -> any AddonDataBackend {
        SQLiteBackend(folder: home.dataDirectory)
    }
}
