import Foundation
import PluginAPI

/// The child side of a probe: `berth probe <library> <id> <version>` loads the library in a
/// throw-away process and reports what it found. If the library crashes the loader or its entry,
/// only this process dies, and the parent reports the signal.
public enum ProbeCommand {
    /// Runs the probe and returns the process's exit status.
    public static func run(arguments: [String]) -> Int32 {
        guard arguments.count == 3 else {
            FileHandle.standardError.write(Data("usage: berth probe <library> <id> <version>\n".utf8))
            return 64
        }
        let result: ProbeResult
        do {
            let library = try AddonLibrary.load(path: arguments[0])
            try library.requireIdentity(id: arguments[1], version: arguments[2])
            var routes = Routes()
            library.addon.routes(&routes, context: ProbeContext.make(addonID: arguments[1]))
            result = ProbeResult(
                ok: true, descriptor: library.descriptor, id: library.addon.id, version: library.addon.version,
                routes: routes.all.map { ProbeResult.Route(method: $0.method.rawValue, path: $0.path) }
            )
        } catch let error as LoaderError {
            result = ProbeResult(ok: false, code: error.code, message: error.message)
        } catch {
            result = ProbeResult(ok: false, code: LoaderError.Code.probeFailed.rawValue, message: "\(error)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(result)) ?? Data("{\"ok\":false}".utf8)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
        return result.ok ? 0 : 1
    }
}

/// Services for an addon that is only being looked at: nothing is stored or delivered.
enum ProbeContext {
    struct NoDatabase: AddonDatabase {
        var dialect: String { "none" }
        func execute(_ sql: String, _ parameters: [SQLValue]) async throws -> Int {
            throw HTTPError(status: 500, code: "probe", message: "no database while probing")
        }
        func query(_ sql: String, _ parameters: [SQLValue]) async throws -> [SQLRow] {
            throw HTTPError(status: 500, code: "probe", message: "no database while probing")
        }
    }

    struct NoEvents: EventBus {
        func publish(_ name: String, payload: JSONValue) async {}
        func subscribe(_ name: String, _ handler: @escaping @Sendable (Event) async -> Void) async -> Subscription {
            Subscription {}
        }
    }

    struct StandardErrorLog: LogHandler {
        func log(level: LogLevel, message: String, metadata: [String: String], label: String) {
            FileHandle.standardError.write(Data("[probe \(label)] \(level): \(message)\n".utf8))
        }
    }

    static func make(addonID: String) -> AddonContext {
        AddonContext(
            addonID: addonID, database: NoDatabase(), logger: Logger(label: addonID, handler: StandardErrorLog()),
            events: NoEvents(), configuration: { AddonConfiguration() }
        )
    }
}
