import BerthNetwork
import Foundation
import PluginAPI

/// The servers tools/scripts/with-test-servers.sh started, read from its environment.
enum TestServers {
    /// Whether the servers' variables are set, or must be (then a test fails on a missing one).
    static var available: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["BERTH_REQUIRE_TEST_SERVERS"] == "1" || environment["BERTH_TEST_S3_URL"] != nil
    }

    /// The variable `name`, or a failure naming the script that sets it.
    static func value(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw TestServerMissing(name: name)
        }
        return value
    }

    /// An HTTP client granted only `127.0.0.1:port` of `url`.
    static func httpClient(for url: String) -> any HTTPClient {
        let port = URLComponents(string: url)?.port ?? 80
        return RestrictedHTTPClient(addonID: "provider-tests", permissions: ["network:127.0.0.1:\(port)"], timeoutMilliseconds: 20_000)
    }
}

struct TestServerMissing: Error, CustomStringConvertible {
    let name: String
    var description: String { "\(name) is not set: run the tests under tools/scripts/with-test-servers.sh" }
}
