extension AddonManager {
    /// Ids of the installed addons whose package `keyID` signed.
    func addons(signedBy keyID: String) -> [String] {
        registry.values.filter { $0.signer == keyID }.map(\.id).sorted()
    }
}
