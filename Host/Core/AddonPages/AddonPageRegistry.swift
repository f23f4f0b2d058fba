import BerthPackages
import Synchronization

/// The page sets of the addons mounted in this process, for the navigation endpoints. Filled and
/// emptied with the addon's routes (mount, unmount), so what it lists is what this worker serves.
final class AddonPageRegistry: Sendable {
    /// A navigation item as the endpoints answer it.
    struct Entry: Codable, Sendable, Equatable {
        let addon: String
        let area: String
        /// The group the item appears under: its `parent`, else the addon's name.
        let parent: String
        let name: String
        let path: String
        /// Where the page is served, `/apps/<id>/<path>`.
        let url: String
        /// Where its icon is served, if it has one.
        let icon: String?
    }

    private let sets = Mutex<[String: AddonPageSet]>([:])

    func set(_ pages: AddonPageSet?, for id: String) {
        sets.withLock { $0[id] = pages }
    }

    func remove(_ id: String) {
        _ = sets.withLock { $0.removeValue(forKey: id) }
    }

    /// Whether `id` still has pages here (the residue audit asks).
    func contains(_ id: String) -> Bool {
        sets.withLock { $0[id] != nil }
    }

    /// The items of `area` (every area when nil), by addon id then in the manifest's order.
    func navigation(area: String? = nil) -> [Entry] {
        let sets = sets.withLock { $0 }
        return sets.keys.sorted().flatMap { id -> [Entry] in
            guard let pages = sets[id] else { return [] }
            return pages.navigation.filter { area == nil || $0.area == area }.map { item in
                Entry(addon: id, area: item.area, parent: item.parent ?? pages.addonName, name: item.name, path: item.path,
                      url: AddonPageSet.url(of: id, item.path), icon: item.icon.map { AddonPageSet.url(of: id, $0) })
            }
        }
    }
}
