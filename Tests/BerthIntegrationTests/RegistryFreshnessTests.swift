import BerthTestSupport
import Foundation
import Testing

/// Every worker answers admin reads from the registry as it is on disk: after an uninstall made
/// through one worker, none of them still lists the addon.
struct RegistryFreshnessTests {
    @Test func afterAnUninstallNoWorkerStillReportsTheAddon() throws {
        let host = try SupervisedHost(workers: 2)
        defer { host.close() }
        try host.uploadAndInstall(try host.packages.packExample("greeter", product: "Greeter"), id: "greeter")
        let removed = try host.admin.send("DELETE", "/api/v1/marketplace/uninstall/greeter")
        #expect(removed.status == 200, "\(removed.text)")
        for _ in 0 ..< 20 {
            // A connection per request, so both workers answer some of them.
            let reply = try host.admin.send("GET", "/api/v1/addons/greeter", headers: ["Connection": "close"])
            #expect(reply.status == 404, "\(reply.text)")
            let list = try host.admin.send("GET", "/api/v1/addons", headers: ["Connection": "close"])
            #expect((list.json["addons"] as? [[String: Any]])?.isEmpty == true, "\(list.text)")
        }
    }
}
