import Foundation
import PluginAPI
import Testing
@testable import BerthProviders

@Suite(.removesScratchFolders)
struct SlotRegistryTests {
    @Test func everySlotHasItsDevelopmentDefaultWhenItsVariableIsUnset() throws {
        let slots = try registry()
        #expect(slots.selection(.email).selection.description == "console")
        #expect(slots.selection(.cache).selection.description == "memory")
        #expect(slots.selection(.storage).selection.description == "local")
        #expect(slots.selection(.rateLimit).selection.description == "memory")
        #expect(slots.selection(.payments).selection.description == "none")
        #expect(slots.selection(.analytics).selection.mode == .all)
        #expect(slots.selection(.analytics).selection.providers == ["internal"])
        #expect(slots.selection(.monitoring).selection.providers == ["console"])
        #expect(slots.selection(.email).source == "default")
    }

    @Test func aBadVariableIsAnErrorNamingTheSlotTheVariableAndTheValue() {
        for (variable, value) in [("CACHE_PROVIDER", "failover:memory,redis"), ("EMAIL_PROVIDER", "Console"), ("EMAIL_PROVIDER", "smtp,console"), ("SMS_PROVIDER", "failover:twilio"), ("ANALYTICS_PROVIDERS", "internal,,posthog")] {
            do {
                _ = try registry([variable: value])
                Issue.record("\(variable)=\(value) was accepted")
            } catch let error as ProviderError {
                #expect(error.code == "invalid_selection")
                #expect(error.message.contains("\(variable)=\(value)"), "\(error)")
                #expect(error.status == 400)
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func aVariableNamingAProviderThatIsNotInstalledFailsVerificationWithHowToInstallIt() throws {
        let slots = try registry(["EMAIL_PROVIDER": "failover:smtp,console"])
        try slots.register(ProviderEntry(slot: .email, name: "console", supplier: "host", provider: ScriptedSender(name: "console")))
        do {
            try slots.verifySelections()
            Issue.record("smtp is not installed")
        } catch {
            #expect(error.code == "provider_not_installed")
            #expect(error.message.contains("EMAIL_PROVIDER=failover:smtp,console"))
            #expect(error.message.contains("'smtp'"))
            #expect(error.message.contains("install"))
        }
    }

    @Test func aRecordedChoiceWhoseProviderWentAwayDoesNotStopTheStart() throws {
        let folder = scratchFolder()
        let first = try registry(folder: folder)
        try first.register(ProviderEntry(slot: .email, name: "smtp", supplier: "smtp_addon", provider: ScriptedSender(name: "smtp")))
        try first.select(slot: "email", value: "smtp")
        let restarted = try registry(folder: folder)
        try HostProviders(directory: folder + "/host", baseURL: "http://127.0.0.1:1", logger: quietLogger).register(in: restarted)
        try restarted.verifySelections()
        #expect(restarted.selection(.email).selection.description == "smtp", "the choice stays, its calls fail until an admin chooses again")
        #expect(throws: ProviderError.self) { try restarted.targets(.email) }
    }

    @Test func failoverMovesOnAfterARefusalNotOnlyAfterATransportError() async throws {
        let slots = try registry(["EMAIL_PROVIDER": "failover:strict,backup"])
        let strict = ScriptedSender(name: "strict", error: HTTPError(status: 422, code: "invalid_recipient", message: "no such mailbox"))
        let backup = ScriptedSender(name: "backup")
        try slots.register(ProviderEntry(slot: .email, name: "strict", supplier: "a", provider: strict))
        try slots.register(ProviderEntry(slot: .email, name: "backup", supplier: "host", provider: backup))
        let receipt = try await EmailFront(registry: slots).send(EmailMessage(to: [EmailAddress("a@b.c")], subject: "hello"))
        #expect(receipt.provider == "backup")
        #expect(backup.sent == ["hello"])
    }

    @Test func whenNoProviderDeliversTheCallerGetsEveryFailure() async throws {
        let slots = try registry(["EMAIL_PROVIDER": "failover:one,two"])
        try slots.register(ProviderEntry(slot: .email, name: "one", supplier: "host", provider: ScriptedSender(name: "one", error: HTTPError(status: 503, code: "down", message: "one is down"))))
        try slots.register(ProviderEntry(slot: .email, name: "two", supplier: "host", provider: ScriptedSender(name: "two", error: HTTPError(status: 422, code: "refused", message: "two refuses"))))
        do {
            _ = try await EmailFront(registry: slots).send(EmailMessage(to: [EmailAddress("a@b.c")], subject: "x"))
            Issue.record("nothing could deliver")
        } catch let error as HTTPError {
            #expect(error.status == 502)
            #expect(error.code == "provider_failed")
            #expect(error.message.contains("one is down") && error.message.contains("two refuses"), "\(error)")
        }
    }

    @Test func roundRobinStartsEachCallAtTheNextProvider() async throws {
        let slots = try registry(["EMAIL_PROVIDER": "round_robin:a,b"])
        let a = ScriptedSender(name: "a"), b = ScriptedSender(name: "b")
        try slots.register(ProviderEntry(slot: .email, name: "a", supplier: "host", provider: a))
        try slots.register(ProviderEntry(slot: .email, name: "b", supplier: "host", provider: b))
        let front = EmailFront(registry: slots)
        for index in 0 ..< 4 { _ = try await front.send(EmailMessage(to: [EmailAddress("a@b.c")], subject: "\(index)")) }
        #expect(a.sent.count == 2)
        #expect(b.sent.count == 2)
    }

    @Test func aFanOutDeliversToEveryProviderAndReportsEachFailureSeparately() async throws {
        let folder = scratchFolder()
        let slots = try registry(["ANALYTICS_PROVIDERS": "internal,posthog,ga4"], folder: folder)
        let tracker = try InternalAnalytics(path: folder + "/analytics.sqlite")
        try slots.register(ProviderEntry(slot: .analytics, name: "internal", supplier: "host", provider: tracker))
        try slots.register(ProviderEntry(slot: .analytics, name: "posthog", supplier: "posthog_addon", provider: FailingTracker()))
        let failures = await AnalyticsFanOut(registry: slots).trackReporting(AnalyticsEvent(name: "signup_completed", userID: "u1"))
        #expect(failures.keys.sorted() == ["ga4", "posthog"])
        #expect(failures["posthog"]?.contains("posthog is down") == true)
        #expect(failures["ga4"]?.contains("not installed") == true)
        #expect(try tracker.recent().first?["name"]?.text == "signup_completed", "the healthy provider still got the event")
        let report = await slots.reports().first { $0.slot == "analytics" }
        #expect(report?.providers.first { $0.name == "posthog" }?.lastFailure?.contains("posthog is down") == true)
    }

    @Test func aSelectionMadeThroughTheAdminAPIIsSeenByAnotherProcessOfTheHost() throws {
        let folder = scratchFolder()
        let first = try registry(folder: folder)
        let second = try registry(folder: folder)
        for slots in [first, second] {
            try slots.register(ProviderEntry(slot: .email, name: "console", supplier: "host", provider: ScriptedSender(name: "console")))
            try slots.register(ProviderEntry(slot: .email, name: "smtp", supplier: "smtp_addon", provider: ScriptedSender(name: "smtp")))
        }
        try first.select(slot: "email", value: "failover:smtp,console")
        #expect(second.selection(.email).selection.description == "failover:smtp,console")
        #expect(second.selection(.email).source == "admin")
        #expect(second.slotsUsing(supplier: "smtp_addon") == [.email])
        #expect(throws: ProviderError.self) { try second.refuseRemoval(of: "smtp_addon", action: "uninstall") }
        try second.refuseRemoval(of: "other", action: "uninstall")
        #expect(throws: ProviderError.self) { try first.select(slot: "telegraph", value: "console") }
        #expect(throws: ProviderError.self) { try first.select(slot: "email", value: "sendgrid") }
        #expect(first.selection(.email).selection.description == "failover:smtp,console", "a refused change leaves the selection as it was")
    }

    @Test func aWithdrawnProviderMakesItsSlotAnErrorNeverASilentDrop() async throws {
        let slots = try registry(["EMAIL_PROVIDER": "smtp"])
        try slots.register(ProviderEntry(slot: .email, name: "smtp", supplier: "smtp_addon", provider: ScriptedSender(name: "smtp")))
        #expect(slots.withdraw(supplier: "smtp_addon") == 1)
        await #expect(throws: HTTPError.self) {
            _ = try await EmailFront(registry: slots).send(EmailMessage(to: [EmailAddress("a@b.c")], subject: "x"))
        }
    }
}
