extension AddonManager {
    /// Ids of the installed addons whose package `keyID` signed.
    func addons(signedBy keyID: String) -> [String] {
        // Another worker may have changed the registry since this one last read it.
        refreshRegistryFromDisk()
        return registry.values.filter { $0.signer == keyID }.map(\.id).sorted()
    }
}
