/// Helpers for `postgres://` URLs.
public enum PostgresURL {
    /// `url` without its password, for messages and logs.
    public static func redacted(_ url: String) -> String {
        LibPQ.redacted(url)
    }
}
