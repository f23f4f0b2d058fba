import Foundation

/// Kept data, as the home's engine records it.
extension AddonManager {
    func keptData(_ id: String) -> HomeEngine.KeptData? {
        engine.keptData(id)
    }

    func rememberKeptData(_ id: String, version: String) throws {
        try engine.rememberKeptData(id, version: version)
    }

    func forgetKeptData(_ id: String) {
        engine.forgetKeptData(id)
    }
}
