import BerthPackages
import Foundation
import Testing

struct NavigationValidationTests {
    private func manifest(_ navigation: [NavigationItem]) -> Manifest {
        var manifest = PackageFixture.template()
        let hash = String(repeating: "a", count: 64)
        manifest.files = ["lib/libGreeter.so": hash, "migrations/sqlite/0001_init.up.sql": hash, "migrations/sqlite/0001_init.down.sql": hash, "assets/index.html": hash, "assets/admin/chats.html": hash, "assets/icon.svg": hash, "assets/notes.txt": hash]
        manifest.navigation = navigation
        return manifest
    }

    private func expectInvalid(naming field: String, saying words: String, _ navigation: [NavigationItem]) {
        let error = #expect(throws: PackageError.self) { try manifest(navigation).validate() }
        #expect(error?.code == "invalid_manifest")
        #expect(error?.message.contains("'\(field)'") == true, "\(String(describing: error))")
        #expect(error?.message.contains(words) == true, "\(String(describing: error))")
    }

    @Test func itemsForTheConsoleAndForEndUsersDecodeAndValidate() throws {
        let json = #"[{"area":"console","parent":"Chat","name":"Live chats","path":"admin/chats.html","icon":"icon.svg"},{"area":"apps","name":"Greet","path":"index.html"}]"#
        let items = try JSONDecoder().decode([NavigationItem].self, from: Data(json.utf8))
        #expect(items[0] == NavigationItem(area: "console", name: "Live chats", path: "admin/chats.html", parent: "Chat", icon: "icon.svg"))
        #expect(items[1].parent == nil && items[1].icon == nil)
        try manifest(items).validate()
    }

    @Test func aManifestWithoutNavigationStillDecodes() throws {
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(PackageFixture.template())) as! [String: Any]
        object.removeValue(forKey: "navigation")
        let decoded = try JSONDecoder().decode(Manifest.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(decoded.navigation.isEmpty)
    }

    @Test func badItemsNameTheirField() {
        expectInvalid(naming: "navigation[0].area", saying: "is not one of apps, console", [NavigationItem(area: "sidebar", name: "X", path: "index.html")])
        expectInvalid(naming: "navigation[0].name", saying: "1 to 60 characters", [NavigationItem(area: "apps", name: " ", path: "index.html")])
        expectInvalid(naming: "navigation[0].parent", saying: "1 to 40 characters", [NavigationItem(area: "apps", name: "X", path: "index.html", parent: String(repeating: "p", count: 41))])
        expectInvalid(naming: "navigation[0].path", saying: "relative to assets/", [NavigationItem(area: "apps", name: "X", path: "/index.html")])
        expectInvalid(naming: "navigation[0].path", saying: "relative to assets/", [NavigationItem(area: "apps", name: "X", path: "admin/../index.html")])
        expectInvalid(naming: "navigation[0].path", saying: "must be a .html file", [NavigationItem(area: "apps", name: "X", path: "notes.txt")])
        expectInvalid(naming: "navigation[0].path", saying: "is not a file of the package's assets/ folder", [NavigationItem(area: "apps", name: "X", path: "missing.html")])
        expectInvalid(naming: "navigation[0].icon", saying: "must be a .svg or .png file", [NavigationItem(area: "apps", name: "X", path: "index.html", icon: "index.html")])
        expectInvalid(naming: "navigation[1].path", saying: "appears twice", [NavigationItem(area: "apps", name: "X", path: "index.html"), NavigationItem(area: "apps", name: "Y", path: "index.html")])
        expectInvalid(naming: "navigation", saying: "at most 20", Array(repeating: NavigationItem(area: "apps", name: "X", path: "index.html"), count: 21))
    }

    @Test func theSamePageMayAppearInBothAreas() throws {
        try manifest([NavigationItem(area: "apps", name: "X", path: "index.html"), NavigationItem(area: "console", name: "X", path: "index.html")]).validate()
    }
}
