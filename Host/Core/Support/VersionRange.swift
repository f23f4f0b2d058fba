/// Semantic-version ranges as manifests write them: space-separated comparators that must all
/// hold, e.g. `>=1.2.0 <2.0.0`, plus `^1.2.0`, `~1.2.0`, `=1.2.0` and a bare version.
enum VersionRange {
    /// Whether `version` satisfies every comparator of `range`.
    static func contains(_ range: String, _ version: String) -> Bool {
        let candidate = SemanticVersion.sortKey(version)
        return range.split(separator: " ").allSatisfy { comparator in
            satisfies(String(comparator), candidate)
        }
    }

    private static func satisfies(_ comparator: String, _ candidate: [Int]) -> Bool {
        for op in [">=", "<=", ">", "<", "=", "^", "~"] where comparator.hasPrefix(op) {
            let bound = SemanticVersion.sortKey(String(comparator.dropFirst(op.count)))
            switch op {
            case ">=": return !candidate.lexicographicallyPrecedes(bound)
            case "<=": return !bound.lexicographicallyPrecedes(candidate)
            case ">": return bound.lexicographicallyPrecedes(candidate)
            case "<": return candidate.lexicographicallyPrecedes(bound)
            case "^": return candidate.first == bound.first && !candidate.lexicographicallyPrecedes(bound)
            case "~": return candidate.prefix(2).elementsEqual(bound.prefix(2)) && !candidate.lexicographicallyPrecedes(bound)
            default: return candidate == bound
            }
        }
        return candidate == SemanticVersion.sortKey(comparator)
    }
}
