/// Ordering of `MAJOR.MINOR.PATCH` versions.
enum SemanticVersion {
    /// A key that sorts versions numerically; a pre-release sorts before its release.
    static func sortKey(_ version: String) -> [Int] {
        let parts = version.split(separator: "-", maxSplits: 1)
        let numbers = (parts.first ?? "").split(separator: ".").map { Int($0) ?? 0 }
        return numbers + [parts.count > 1 ? 0 : 1]
    }

    /// Whether `first` is an older version than `second`.
    static func precedes(_ first: String, _ second: String) -> Bool {
        sortKey(first).lexicographicallyPrecedes(sortKey(second))
    }
}
