import Foundation
import GRPCCore
import KinerjaAPI
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
            #expect(await status { try await periods.createPeriod(.with { $0.id = "2027"; $0.periodic = "weekly" }, metadata: admin) } == .invalidArgument)
            #expect(await status { try await periods.getPeriod(.with { $0.id = "2030" }, metadata: admin) } == .notFound)
            #expect(await status { try await periods.getPeriod(.with { $0.id = "20x6" }, metadata: admin) } == .invalidArgument)
            #expect(await status { try await periods.reopenPeriod(.with { $0.id = "2026"; $0.reason = "salah" }, metadata: admin) } == .failedPrecondition)
            #expect(await status { try await periods.reopenPeriod(.with { $0.id = "2026" }, metadata: admin) } == .invalidArgument)
            #expect(await status { try await periods.advancePeriod(.with { $0.id = "2026"; $0.force = true }, metadata: admin) } == .invalidArgument)
            // A month cannot run ahead of its year.
            #expect(await status { try await periods.advancePeriod(.with { $0.id = "2026-01" }, metadata: admin) } == .failedPrecondition)
        }
    }

    @Test func rightsFollowTheRole() async throws {
        let daemon = try await InProcessDaemon.twoPersonAgency()
        try await daemon.withClient { client in
            let periods = Kinerja_V1_PeriodService.Client(wrapping: client)
            #expect(await status { try await periods.advancePeriod(.with { $0.id = "2026" }, metadata: InProcessDaemon.metadata(.operator)) } == .permissionDenied)
            #expect(await status { try await periods.createPeriod(.with { $0.id = "2027" }, metadata: InProcessDaemon.metadata(.operator)) } == .permissionDenied)
            #expect(await status { try await periods.listPeriods(.init(), metadata: InProcessDaemon.metadata(.gateway(actingFor: InProcessDaemon.staf))) } == .permissionDenied)
            #expect(await status { try await periods.listPeriods(.init(), metadata: InProcessDaemon.metadata(.nobody)) } == .permissionDenied)
        }
    }
}
