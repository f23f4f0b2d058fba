/// The health score reads the job runner's failure streaks.
extension JobRunner: JobHealthSource {
    func consecutiveFailures(of addon: String) async -> [String: Int] {
        await failureStreaks(addon: addon)
    }
}
