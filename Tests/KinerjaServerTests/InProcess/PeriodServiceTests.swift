import Foundation
import GRPCCore
import KinerjaAPI
import SwiftProtobuf
import Testing

@testable import KinerjaServer

/// `kinerja.v1.PeriodService` in process: creating, advancing and reopening periods, each error code, each right.
@Suite struct PeriodServiceTests {
    @Test func aPeriodIsCreatedWithItsChildrenAndAdvancesFromDraft() async throws {
        let daemon = try await InProcessDaemon.twoPersonAgency()
        try await daemon.withClient { client in
            let periods = Kinerja_V1_PeriodService.Client(wrapping: client)
            let admin = InProcessDaemon.metadata(.admin)
            let listed = try await periods.listPeriods(.init(), metadata: InProcessDaemon.metadata(.operator))
            #expect(listed.periods.map(\.id) == ["2026"] + (1...12).map { String(format: "2026-%02d", $0) })
            #expect(listed.periods.allSatisfy { $0.state == "draft" })
            let advanced = try await periods.advancePeriod(.with { $0.id = "2026" }, metadata: admin)
            #expect(advanced.state == "planning")
            let shown = try await periods.getPeriod(.with { $0.id = "2026" }, metadata: InProcessDaemon.metadata(.operator))
            #expect(shown.state == "planning")
        }
    }

    @Test func eachErrorHasItsCode() async throws {
        let daemon = try await InProcessDaemon.twoPersonAgency()
        try await daemon.withClient { client in
            let periods = Kinerja_V1_PeriodService.Client(wrapping: client)
            let admin = InProcessDaemon.metadata(.admin)
            #expect(await status { try await periods.createPeriod(.with { $0.id = "2026" }, metadata: admin) } == .failedPrecondition)
            #expect(
                await status {
                    try await periods.createPeriod(
                        .with {
                            $0.id = "2027"
                            $0.periodic = "weekly"
                        }, metadata: admin)
                } == .invalidArgument)
            #expect(await status { try await periods.getPeriod(.with { $0.id = "2030" }, metadata: admin) } == .notFound)
            #expect(await status { try await periods.getPeriod(.with { $0.id = "20x6" }, metadata: admin) } == .invalidArgument)
            #expect(
                await status {
                    try await periods.reopenPeriod(
                        .with {
                            $0.id = "2026"
                            $0.reason = "salah"
                        }, metadata: admin)
                } == .failedPrecondition)
            #expect(await status { try await periods.reopenPeriod(.with { $0.id = "2026" }, metadata: admin) } == .invalidArgument)
            #expect(
                await status {
                    try await periods.advancePeriod(
                        .with {
                            $0.id = "2026"
                            $0.force = true
                        }, metadata: admin)
                } == .invalidArgument)
            // A month cannot run ahead of its year.
            #expect(await status { try await periods.advancePeriod(.with { $0.id = "2026-01" }, metadata: admin) } == .failedPrecondition)
        }
    }

    @Test func rightsFollowTheRole() async throws {
        let daemon = try await InProcessDaemon.twoPersonAgency()
        try await daemon.withClient { client in
            let periods = Kinerja_V1_PeriodService.Client(wrapping: client)
            #expect(
                await status { try await periods.advancePeriod(.with { $0.id = "2026" }, metadata: InProcessDaemon.metadata(.operator)) } == .permissionDenied)
            #expect(
                await status { try await periods.createPeriod(.with { $0.id = "2027" }, metadata: InProcessDaemon.metadata(.operator)) } == .permissionDenied)
            #expect(
                await status { try await periods.listPeriods(.init(), metadata: InProcessDaemon.metadata(.gateway(actingFor: InProcessDaemon.staf))) }
                    == .permissionDenied)
            #expect(await status { try await periods.listPeriods(.init(), metadata: InProcessDaemon.metadata(.nobody)) } == .permissionDenied)
        }
    }

    @Test func lifecycleDeadlinesInWITAAndWITAndClosedImmutability() async throws {
        let daemon = try InProcessDaemon()
        try await daemon.withClients { c in
            let admin = Clients.asAdmin
            func zone(_ id: String) async throws { _ = try await c.org.updateAgency(.with { $0.timeZone = id }, metadata: admin) }
            func setDeadline(_ id: String, deadline: String = "", skp: String = "") async -> RPCError? {
                await failure {
                    try await c.period.setDeadline(
                        .with {
                            $0.id = id
                            $0.deadline = deadline
                            $0.skpDeadline = skp
                        }, metadata: admin)
                }
            }
            try await zone("Asia/Makassar")
            #expect(try await c.createPeriod("2025", periodic: "monthly").count == 13)
            let march = try await c.getPeriod("2025-03")
            #expect(march.deadline.date == "2025-04-10")
            // 23:59:59 WITA (UTC+8) is 15:59:59 UTC.
            #expect(march.deadline.untilUtc == "2025-04-10T15:59:59.000Z")
            #expect(march.deadline.local == "2025-04-10 23:59 WITA")
            let annual = try await c.getPeriod("2025")
            #expect(annual.skpDeadline.date == "2025-01-31" && annual.deadline.date == "2026-01-10" && annual.children.count == 12)
            // WIT: UTC+9.
            try await zone("Asia/Jayapura")
            #expect(try await c.getPeriod("2025-03").deadline.untilUtc == "2025-04-10T14:59:59.000Z")
            // Override, refused when nonsense.
            #expect(await setDeadline("2025-03", deadline: "2025-04-15") == nil)
            #expect(try await c.getPeriod("2025-03").deadline.date == "2025-04-15")
            #expect(await setDeadline("2025-03", deadline: "2025-02-30")?.code == .invalidArgument)
            #expect(await setDeadline("2025-03", skp: "2025-01-20")?.message.contains("only an annual period") == true)

            // Child ahead of parent: refused with the reason.
            let ahead = await failure { try await c.advance("2025-03") }
            #expect(ahead?.code == .failedPrecondition && ahead?.message.contains("ahead of its annual period 2025") == true)
            // The annual period walks its states (no employees: SKP precondition holds; 2025 has ended).
            for expected in ["planning", "running", "assessment"] { #expect(try await c.advance("2025").state == expected) }
            // Closing the annual period needs its children closed.
            let early = await failure { try await c.advance("2025") }
            #expect(early?.message.contains("12 periodic periods of 2025 are not closed yet") == true, "\(String(describing: early))")
            #expect(early?.message.contains("open_periodic: 12") == true)
            // Forcing needs a reason; with one it passes and is audited.
            #expect(await status { try await c.advance("2025", force: true) } == .invalidArgument)
            #expect(try await c.advance("2025", force: true, reason: "uji coba penutupan").state == "closed")
            #expect(try await c.audit().first?.summary == "assessment → closed (forced: uji coba penutupan)")
            // Closed: writes touching it are refused, naming the period; advancing further too.
            let locked = await setDeadline("2025", deadline: "2026-01-20")
            #expect(locked?.code == .failedPrecondition && locked?.message.contains("period 2025 is closed") == true)
            #expect(await failure { try await c.advance("2025", force: true, reason: "x") }?.message.contains("reopen") == true)
            // Reopening needs a reason; goes back to assessment.
            #expect(await status { try await c.period.reopenPeriod(.with { $0.id = "2025" }, metadata: admin) } == .invalidArgument)
            #expect(
                try await c.period.reopenPeriod(
                    .with {
                        $0.id = "2025"
                        $0.reason = "koreksi nilai"
                    }, metadata: admin
                ).state == "assessment")
            #expect(
                await failure {
                    try await c.period.reopenPeriod(
                        .with {
                            $0.id = "2025"
                            $0.reason = "again"
                        }, metadata: admin)
                }?.message.contains("not closed") == true)
            // Creating twice, or a periodic id, is refused.
            #expect(await failure { try await c.createPeriod("2025") }?.message.contains("already exists") == true)
            #expect(await status { try await c.createPeriod("2025-05") } == .invalidArgument)
            #expect(await status { try await c.createPeriod("2027", periodic: "weekly") } == .invalidArgument)
            #expect(await status { try await c.getPeriod("2031") } == .notFound)
        }
    }
}
