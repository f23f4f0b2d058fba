import BerthPackages
import BerthTestSupport
import Foundation
import Testing

/// An addon's pages: served sandboxed under `/apps/<id>/` from the moment it is mounted, listed in
/// navigation, gone (404, unlisted) once it is deactivated or uninstalled; and the console's
/// session is refused from any origin but the host's.
struct AddonPagesTests {
    private func items(_ reply: HTTPTestClient.Reply, _ key: String) -> [[String: Any]] {
        reply.json[key] as? [[String: Any]] ?? []
    }

    @Test func anInstalledAddonServesItsPagesSandboxedAndListsThemForEndUsers() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        #expect(try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter").status == 201)
        let client = host.berth.anonymous

        let listed = items(try client.send("GET", "/apps"), "items")
        #expect(listed.count == 1)
        #expect(listed.first?["url"] as? String == "/apps/greeter/index.html")
        #expect(listed.first?["icon"] as? String == "/apps/greeter/wave.svg")
        #expect(listed.first?["parent"] as? String == "Greeter")
        let navigation = try host.berth.admin.send("GET", "/api/v1/navigation")
        #expect(items(navigation, "apps").count == 1 && items(navigation, "console").isEmpty, "\(navigation.text)")
        #expect(try client.send("GET", "/api/v1/navigation").status == 401)

        let page = try client.send("GET", "/apps/greeter/index.html")
        #expect(page.status == 200)
        #expect(page.headers["content-type"] == "text/html; charset=utf-8")
        let policy = page.headers["content-security-policy"] ?? ""
        #expect(policy.hasPrefix("sandbox allow-scripts allow-forms;") && !policy.contains("allow-same-origin"), "\(policy)")
        #expect(page.headers["x-content-type-options"] == "nosniff")
        #expect(page.text.contains("Greet someone"))
        #expect(try client.send("GET", "/apps/greeter/greeter.js").headers["content-type"] == "text/javascript; charset=utf-8")
        #expect(try client.send("GET", "/apps/greeter/").text == page.text)
        let bare = try client.send("GET", "/apps/greeter")
        #expect(bare.status == 308 && bare.headers["location"] == "/apps/greeter/")
        let revalidated = try client.send("GET", "/apps/greeter/index.html", headers: ["If-None-Match": page.headers["etag"] ?? ""])
        #expect(revalidated.status == 304)
        let missing = try client.send("GET", "/apps/greeter/nothing.html")
        #expect(missing.status == 404 && missing.errorCode == "not_found")

        #expect(try host.berth.admin.send("POST", "/api/v1/addons/greeter/deactivate").status == 200)
        #expect(try client.send("GET", "/apps/greeter/index.html").status == 404)
        #expect(items(try client.send("GET", "/apps"), "items").isEmpty)
        #expect(try host.berth.admin.send("POST", "/api/v1/addons/greeter/activate").status == 200)
        #expect(try client.send("GET", "/apps/greeter/index.html").status == 200)

        let removal = try host.berth.admin.send("DELETE", "/api/v1/marketplace/uninstall/greeter")
        #expect(removal.status == 200)
        #expect((removal.json["residue"] as? [String])?.isEmpty == true, "\(removal.text)")
        #expect(try client.send("GET", "/apps/greeter/index.html").status == 404)
        #expect(items(try client.send("GET", "/apps"), "items").isEmpty)
        let after = try host.berth.admin.send("GET", "/api/v1/navigation")
        #expect(items(after, "apps").isEmpty && items(after, "console").isEmpty)
    }

    @Test func anAdminPageIsListedForTheConsole() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        #expect(try host.uploadAndInstall(try host.packages.packExample("ai_chatbot", product: "AIChatbot"), id: "ai_chatbot").status == 201)
        let console = items(try host.berth.admin.send("GET", "/api/v1/navigation"), "console")
        #expect(console.count == 1)
        #expect(console.first?["name"] as? String == "Live chats")
        #expect(console.first?["parent"] as? String == "Chat")
        #expect(console.first?["url"] as? String == "/apps/ai_chatbot/admin/chats.html")
        #expect(items(try host.berth.anonymous.send("GET", "/apps"), "items").isEmpty)
        let script = try host.berth.anonymous.send("GET", "/apps/ai_chatbot/admin/chats.js")
        #expect(script.status == 200 && script.headers["access-control-allow-origin"] == "*")
        // The page reads the chatbot's routes from its opaque origin: the manifest's CORS allows it.
        let listing = try host.berth.anonymous.send("GET", "/api/v1/chat/sessions", headers: ["Origin": "null"])
        #expect(listing.status == 200 && listing.headers["access-control-allow-origin"] == "*")
    }

    @Test func theConsoleSessionIsRefusedFromAnyOtherOrigin() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let signIn = try host.berth.anonymous.sendJSON("POST", "/admin/session", ["token": host.berth.token])
        #expect(signIn.status == 201, "\(signIn.text)")
        let cookie = (signIn.headers["set-cookie"] ?? "").split(separator: ";").first.map(String.init) ?? ""
        #expect(cookie.hasPrefix("berth_console="))
        let client = host.berth.anonymous
        #expect(try client.send("GET", "/api/v1/addons", headers: ["Cookie": cookie]).status == 200)
        #expect(try client.send("GET", "/api/v1/addons", headers: ["Cookie": cookie, "Origin": "http://127.0.0.1:\(host.berth.port)"]).status == 200)
        for origin in ["null", "http://evil.example"] {
            let refused = try client.send("GET", "/api/v1/addons", headers: ["Cookie": cookie, "Origin": origin])
            #expect(refused.status == 403 && refused.errorCode == "cross_origin", "\(origin): \(refused.text)")
        }
    }

    @Test func theAuditLogListsEveryAddonNewestFirst() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        #expect(try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter").status == 201)
        #expect(try host.berth.admin.send("DELETE", "/api/v1/marketplace/uninstall/greeter").status == 200)
        let log = try host.berth.admin.send("GET", "/api/v1/audit")
        let events = items(log, "entries").map { "\($0["id"] ?? "") \($0["event"] ?? "")" }
        #expect(events.first == "greeter uninstalled", "\(log.text)")
        #expect(events.contains("greeter installed"))
        let one = items(try host.berth.admin.send("GET", "/api/v1/audit?event=installed&limit=1"), "entries")
        #expect(one.count == 1 && one.first?["event"] as? String == "installed")
        let bad = try host.berth.admin.send("GET", "/api/v1/audit?limit=5000")
        #expect(bad.status == 400 && bad.errorMessage?.contains("limit=5000") == true)
        #expect(try host.berth.anonymous.send("GET", "/api/v1/audit").status == 401)
    }

    @Test func anUpgradeSwapsThePagesAndTheirNavigation() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let first = try host.packages.fixture(id: "paged", version: "1.0.0", assets: ["one.html": "<p>one</p>", "shared.css": "p {}"]) { manifest in
            manifest.navigation = [NavigationItem(area: "console", name: "One", path: "one.html")]
        }
        let second = try host.packages.fixture(id: "paged", version: "1.1.0", assets: ["two.html": "<p>two</p>", "shared.css": "p { color: red }"]) { manifest in
            manifest.navigation = [NavigationItem(area: "apps", name: "Two", path: "two.html", parent: "Paged")]
        }
        #expect(try host.uploadAndInstall(first, id: "paged").status == 201)
        let client = host.berth.anonymous
        #expect(try client.send("GET", "/apps/paged/one.html").text == "<p>one</p>")
        #expect(items(try host.berth.admin.send("GET", "/api/v1/navigation"), "console").map { $0["name"] as? String } == ["One"])

        #expect(try host.upload(second).status == 201)
        let upgraded = try host.berth.admin.sendJSON("POST", "/api/v1/addons/paged/upgrade", ["version": "1.1.0"])
        #expect(upgraded.status == 200, "\(upgraded.text)")
        #expect(try client.send("GET", "/apps/paged/one.html").status == 404)
        #expect(try client.send("GET", "/apps/paged/two.html").text == "<p>two</p>")
        #expect(try client.send("GET", "/apps/paged/shared.css").text == "p { color: red }")
        let navigation = try host.berth.admin.send("GET", "/api/v1/navigation")
        #expect(items(navigation, "console").isEmpty)
        #expect(items(navigation, "apps").map { $0["parent"] as? String } == ["Paged"])
    }

    @Test func anAddonCannotMountUnderTheHostsPagePrefixes() throws {
        let host = try IntegrationHost()
        defer { host.close() }
        let archive = try host.packages.fixture(id: "squatter", version: "1.0.0", mountPrefix: "/apps/greeter")
        #expect(try host.upload(archive).status == 201)
        let reply = try host.install("squatter")
        #expect(reply.status == 409 && reply.errorCode == "prefix_conflict", "\(reply.text)")
        #expect(reply.errorMessage?.contains("the host (/apps)") == true)
    }
}
