import BerthHTTP
import PluginAPI

extension AdminAPI {
    /// `GET /api/v1/navigation` (admin): the navigation items of every mounted addon, for the
    /// console (`console`) and for end users (`apps`); `GET /apps` (public): the end users' items.
    func registerNavigation(in table: inout RoutingTable) throws {
        let pages = manager.pages
        try admin(.get, "/api/v1/navigation", in: &table) { _, _ in
            JSONResponse.make(NavigationAnswer(console: pages.navigation(area: "console"), apps: pages.navigation(area: "apps")))
        }
        try table.add(.get, "/apps", owner: Self.owner, bodyLimit: 0, immediate: { _ in
            var response = JSONResponse.make(["items": pages.navigation(area: "apps")])
            response.headers["Cache-Control"] = "no-store"
            return response
        })
    }

    private struct NavigationAnswer: Encodable {
        let console: [AddonPageRegistry.Entry]
        let apps: [AddonPageRegistry.Entry]
    }
}
