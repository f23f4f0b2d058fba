/// A package archive in `berth_cluster.packages`, as uploaded to (or installed through) any node.
struct SharedPackage: Sendable {
    let id: String
    let version: String
    /// SHA-256 of ``archive``, hex.
    let sha256: String
    /// The signed archive, verified again by every node that imports it.
    let archive: [UInt8]
}
