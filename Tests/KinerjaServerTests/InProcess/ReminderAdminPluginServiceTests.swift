import Foundation
import GRPCCore
import KinerjaAPI
import KinerjaFixtures
import KinerjaStore
import SwiftProtobuf
import Testing

@testable import KinerjaServer

/// `kinerja.v1.ReminderService` in process: rules, the schedule, firing into the outbox, history, each error code
/// and each right. (The scheduler firing on its own, catch-up after downtime and delivery are end-to-end tests.)
@Suite struct ReminderServiceTests {
    static func rule(_ name: String, cron: String = "0 8 * * *", template: String = "Selamat pagi {nama} ({nip})") -> Kinerja_V1_Rule {
        .with {
            $0.name = name
            $0.cron = cron
            $0.audience = "all_active_staff"
            $0.template = template
        }
    }

    @Test func aRuleIsAddedScheduledFiredIntoTheOutboxAndRemembered() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            let added = try await c.reminder.addRule(Self.rule("pagi"), metadata: Clients.asAdmin)
            #expect(added.name == "pagi" && added.source != "")
            let rules = try await c.reminder.listRules(.init(), metadata: Clients.asOperator).rules
            #expect(rules.contains { $0.name == "pagi" && $0.cron == "0 8 * * *" })
            let next = try await c.reminder.next(.with { $0.limit = 50 }, metadata: Clients.asOperator)
            let pagi = try #require(next.upcoming.first { $0.rule == "pagi" })
            #expect(pagi.audienceSize == 3 && pagi.fireAt.hasSuffix("08:00:00+07:00"), "\(pagi)")
            let fired = try await c.reminder.fire(.with { $0.name = "pagi" }, metadata: Clients.asAdmin)
            #expect(fired.recipients == 3 && fired.messages == 3)
            let history = try await c.reminder.history(.with { $0.rule = "pagi" }, metadata: Clients.asOperator).entries
            #expect(history.count == 1 && history.first?.outcome == "manual" && history.first?.recipients == 3)
            let outbox = try await c.reminder.listOutbox(.with { $0.limit = 100 }, metadata: Clients.asOperator)
            #expect(outbox.messages.filter { $0.rule == "pagi" }.count == 3)
            #expect(outbox.messages.contains { $0.body == "Selamat pagi Budi Santoso (\(ThreePersonAgency.budi))" })
            #expect(outbox.counts.values.reduce(0, +) == 3)
            // Removed, it is gone from the list and the schedule; the history stays.
            #expect(try await c.reminder.removeRule(.with { $0.name = "pagi" }, metadata: Clients.asAdmin).builtIn == false)
            #expect(try await c.reminder.listRules(.init(), metadata: Clients.asOperator).rules.contains { $0.name == "pagi" && !$0.removed } == false)
            #expect(try await c.reminder.history(.with { $0.rule = "pagi" }, metadata: Clients.asOperator).entries.count == 1)
        }
    }

    @Test func eachErrorHasItsCode() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            let bad = await failure { try await c.reminder.addRule(Self.rule("x", cron: "0 8 * * MON-XYZ"), metadata: Clients.asAdmin) }
            #expect(bad?.code == .invalidArgument && bad?.message.contains("cron day-of-week") == true, "\(String(describing: bad))")
            #expect(await status { try await c.reminder.addRule(Self.rule("x", template: ""), metadata: Clients.asAdmin) } == .invalidArgument)
            #expect(await status { try await c.reminder.addRule(Self.rule(""), metadata: Clients.asAdmin) } == .invalidArgument)
            var unknownAudience = Self.rule("y")
            unknownAudience.audience = "everyone_everywhere"
            #expect(await status { try await c.reminder.addRule(unknownAudience, metadata: Clients.asAdmin) } == .invalidArgument)
            #expect(await status { try await c.reminder.removeRule(.with { $0.name = "nope" }, metadata: Clients.asAdmin) } == .notFound)
            #expect(await status { try await c.reminder.fire(.with { $0.name = "nope" }, metadata: Clients.asAdmin) } == .notFound)
            #expect(await status { try await c.reminder.enableRule(.with { $0.name = "nope" }, metadata: Clients.asAdmin) } == .notFound)
            #expect(await status { try await c.reminder.listOutbox(.with { $0.status = "lost" }, metadata: Clients.asAdmin) } == .invalidArgument)
            #expect(await status { try await c.reminder.retryOutbox(.with { $0.id = 999_999 }, metadata: Clients.asAdmin) } == .notFound)
        }
    }

    @Test func rightsFollowTheRole() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            #expect(await status { try await c.reminder.listRules(.init(), metadata: Clients.asOperator) } == nil)
            #expect(await status { try await c.reminder.addRule(Self.rule("x"), metadata: Clients.asOperator) } == .permissionDenied)
            #expect(await status { try await c.reminder.fire(.with { $0.name = "realisasi-bulanan" }, metadata: Clients.asOperator) } == .permissionDenied)
            for who in [Clients.asGateway(for: ThreePersonAgency.budi), Clients.asNobody] {
                #expect(await status { try await c.reminder.listRules(.init(), metadata: who) } == .permissionDenied)
                #expect(await status { try await c.reminder.listOutbox(.init(), metadata: who) } == .permissionDenied)
            }
        }
    }
}

/// `kinerja.v1.AdminService` in process: status, who-am-i, the audit trail, each error code and each right.
@Suite struct AdminServiceTests {
    @Test func statusWhoAmIAndTheAuditTrail() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            let status = try await c.admin.status(.init(), metadata: Clients.asOperator)
            #expect(status.database.schemaVersion == Int64(Store.latestSchemaVersion))
            #expect(status.caller.role == "operator" && status.caller.uid == 65_531)
            let me = try await c.admin.whoAmI(.init(), metadata: Clients.asGateway(for: ThreePersonAgency.rina))
            #expect(me.role == "gateway" && me.actorNip == ThreePersonAgency.rina)
            // The agency's two imports are audited, newest first, with who made them.
            let audit = try await c.audit()
            #expect(audit.map(\.rpc).prefix(2) == ["ImportEmployees", "ImportUnits"])
            #expect(audit.first?.role == "admin" && audit.first?.uid == 0)
            let since = try await c.admin.listAudit(.with { $0.since = "2999-01-01T00:00:00Z" }, metadata: Clients.asOperator)
            #expect(since.entries.isEmpty)
            #expect(try await c.admin.listAudit(.with { $0.limit = 1 }, metadata: Clients.asOperator).entries.count == 1)
        }
    }

    @Test func eachErrorHasItsCode() async throws {
        let daemon = try InProcessDaemon()
        try await daemon.withClients { c in
            #expect(await status { try await c.admin.listAudit(.with { $0.since = "yesterday" }, metadata: Clients.asAdmin) } == .invalidArgument)
            #expect(await status { try await c.admin.listAudit(.with { $0.limit = -1 }, metadata: Clients.asAdmin) } == .invalidArgument)
            // A huge limit is capped, not refused.
            #expect(await status { try await c.admin.listAudit(.with { $0.limit = 1_000_000_000 }, metadata: Clients.asAdmin) } == nil)
        }
    }

    @Test func rightsFollowTheRole() async throws {
        let daemon = try InProcessDaemon()
        try await daemon.withClients { c in
            #expect(await status { try await c.admin.reload(.init(), metadata: Clients.asOperator) } == .permissionDenied)
            #expect(await status { try await c.admin.status(.init(), metadata: Clients.asGateway(for: nil)) } == .permissionDenied)
            #expect(await status { try await c.admin.whoAmI(.init(), metadata: Clients.asGateway(for: nil)) } == nil)
            #expect(await status { try await c.admin.whoAmI(.init(), metadata: Clients.asNobody) } == .permissionDenied)
            #expect(await status { try await c.admin.listAudit(.init(), metadata: Clients.asNobody) } == .permissionDenied)
        }
    }
}

/// `kinerja.v1.PluginService` in process, with no plugin loaded: the national rules answer every hook. (Loading
/// plugins, their crashes and their sandbox are end-to-end tests.)
@Suite struct PluginServiceTests {
    @Test func nationalRulesAnswerWithoutAnyPlugin() async throws {
        let daemon = try InProcessDaemon()
        try await daemon.withClients { c in
            let calendar = try await c.plugin.callHook(
                .with {
                    $0.pluginID = "national"
                    $0.method = "ReminderCalendar"
                }, metadata: Clients.asAdmin)
            #expect(calendar.handledBy == "national")
            #expect(calendar.responseJson.contains("0 8 1 * *"), "\(calendar.responseJson)")
            let period = try await c.plugin.callHook(
                .with {
                    $0.pluginID = "national"
                    $0.method = "ValidatePeriod"
                    $0.requestJson = #"{"periodic":"monthly"}"#
                }, metadata: Clients.asAdmin)
            let ok = try JSONSerialization.jsonObject(with: Data(period.responseJson.utf8)) as? [String: Any]
            #expect(ok?["ok"] as? Bool == true)
            #expect(try await c.plugin.listPlugins(.init(), metadata: Clients.asOperator).plugins.isEmpty)
        }
    }

    @Test func eachErrorHasItsCodeAndRightsFollowTheRole() async throws {
        let daemon = try InProcessDaemon()
        try await daemon.withClients { c in
            #expect(await status { try await c.plugin.getPlugin(.with { $0.id = "nope" }, metadata: Clients.asOperator) } == .notFound)
            #expect(
                await status {
                    try await c.plugin.runReport(
                        .with {
                            $0.pluginID = "nope"
                            $0.name = "x"
                        }, metadata: Clients.asOperator)
                } == .notFound)
            let unknownHook = await status {
                try await c.plugin.callHook(
                    .with {
                        $0.pluginID = "national"
                        $0.method = "NoSuchHook"
                    }, metadata: Clients.asAdmin)
            }
            #expect(unknownHook == .invalidArgument || unknownHook == .unimplemented, "\(String(describing: unknownHook))")
            #expect(
                await status {
                    try await c.plugin.callHook(
                        .with {
                            $0.pluginID = "national"
                            $0.method = "ValidatePeriod"
                            $0.requestJson = "{not json"
                        }, metadata: Clients.asAdmin)
                } == .invalidArgument)
            #expect(
                await status {
                    try await c.plugin.callHook(
                        .with {
                            $0.pluginID = "national"
                            $0.method = "ReminderCalendar"
                        }, metadata: Clients.asOperator)
                } == .permissionDenied)
            #expect(await status { try await c.plugin.listPlugins(.init(), metadata: Clients.asNobody) } == .permissionDenied)
        }
    }
}
