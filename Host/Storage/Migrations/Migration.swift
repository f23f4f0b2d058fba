/// One migration as the runner applies it: an up script and the down script that reverses it.
public struct Migration: Sendable, Hashable {
    /// Ordered identifier, e.g. `0001_create_sessions`.
    public let id: String
    /// SQL applied on install or upgrade.
    public let up: String
    /// SQL that reverses ``up``.
    public let down: String

    /// Creates a migration.
    public init(id: String, up: String, down: String) {
        self.id = id
        self.up = up
        self.down = down
    }
}
