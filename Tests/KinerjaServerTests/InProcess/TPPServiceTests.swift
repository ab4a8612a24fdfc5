import Foundation
import GRPCCore
import KinerjaAPI
import SwiftProtobuf
import Testing

@testable import KinerjaServer

/// `kinerja.v1.TPPService` in process: each RPC's answer, each error code, each right.
@Suite struct TPPServiceTests {
    static let kepala = InProcessDaemon.kepala
    static let staf = InProcessDaemon.staf

    /// The two-person agency, with bases for kelas 9 only and attendance for January.
    static func agency() async throws -> InProcessDaemon {
        let daemon = try await InProcessDaemon.twoPersonAgency()
        try await daemon.withClient { client in
            let admin = InProcessDaemon.metadata(.admin)
            let tpp = Kinerja_V1_TPPService.Client(wrapping: client)
            #expect(try await tpp.importBase(.with { $0.content = Data("kelas_jabatan,base_rupiah\n9,5000000\n".utf8) }, metadata: admin).applied)
            let attendance = try await tpp.importAttendance(
                .with {
                    $0.month = "2026-01"
                    $0.content = Data("nip,tl1,tk\n\(kepala),2,0\n\(staf),0,1\n".utf8)
                }, metadata: admin)
            #expect(attendance.applied, "\(attendance.errors)")
        }
        return daemon
    }

    @Test func computeBlocksThoseWithoutABaseAndEveryoneWhileThePeriodRuns() async throws {
        let daemon = try await Self.agency()
        try await daemon.withClient { client in
            let tpp = Kinerja_V1_TPPService.Client(wrapping: client)
            let computed = try await tpp.compute(.with { $0.month = "2026-01" }, metadata: InProcessDaemon.metadata(.operator))
            #expect(computed.paid == 0 && computed.blocked == 2)
            let reasons = Dictionary(uniqueKeysWithValues: computed.blockedEmployees.map { ($0.nip, $0.blockedReason) })
            #expect(reasons[Self.staf] == "no TPP base for kelas jabatan 7 (tpp base import)")
            #expect(reasons[Self.kepala]?.contains("TPP is paid from a predikat once its period is in assessment or closed") == true)
            let shown = try await tpp.show(
                .with {
                    $0.month = "2026-01"
                    $0.nip = Self.kepala
                }, metadata: InProcessDaemon.metadata(.operator))
            #expect(shown.blocked && shown.base == 5_000_000 && shown.baseSource == "kelas jabatan 9")
            #expect(shown.sanctionPercent == 0 && shown.handledBy == "host")
        }
    }

    @Test func eachErrorHasItsCode() async throws {
        let daemon = try await Self.agency()
        try await daemon.withClient { client in
            let tpp = Kinerja_V1_TPPService.Client(wrapping: client)
            let op = InProcessDaemon.metadata(.operator)
            #expect(await status { try await tpp.compute(.with { $0.month = "2026-13" }, metadata: op) } == .invalidArgument)
            #expect(
                await status {
                    try await tpp.show(
                        .with {
                            $0.month = "2026-01"
                            $0.nip = Self.kepala
                        }, metadata: op)
                } == .notFound)
            #expect(
                await status {
                    try await tpp.show(
                        .with {
                            $0.month = "2026-01"
                            $0.nip = "199909092020121001"
                        }, metadata: op)
                } == .notFound)
            #expect(await status { try await tpp.lock(.with { $0.month = "2026-01" }, metadata: InProcessDaemon.metadata(.admin)) } == .failedPrecondition)
            _ = try await tpp.compute(.with { $0.month = "2026-01" }, metadata: op)
            #expect(await status { try await tpp.lock(.with { $0.month = "2026-01" }, metadata: InProcessDaemon.metadata(.admin)) } == nil)
            #expect(await status { try await tpp.compute(.with { $0.month = "2026-01" }, metadata: op) } == .failedPrecondition)
            #expect(
                await status {
                    try await tpp.unlock(
                        .with {
                            $0.month = "2026-01"
                            $0.reason = " "
                        }, metadata: InProcessDaemon.metadata(.admin))
                } == .invalidArgument)
        }
    }

    @Test func rightsFollowTheRoleAndTheEmployeeAGatewayActsFor() async throws {
        let daemon = try await Self.agency()
        try await daemon.withClient { client in
            let tpp = Kinerja_V1_TPPService.Client(wrapping: client)
            _ = try await tpp.compute(.with { $0.month = "2026-01" }, metadata: InProcessDaemon.metadata(.operator))
            let own = InProcessDaemon.metadata(.gateway(actingFor: Self.staf))
            #expect(
                try await tpp.show(
                    .with {
                        $0.month = "2026-01"
                        $0.nip = Self.staf
                    }, metadata: own
                ).nip == Self.staf)
            #expect(
                await status {
                    try await tpp.show(
                        .with {
                            $0.month = "2026-01"
                            $0.nip = Self.kepala
                        }, metadata: own)
                } == .permissionDenied)
            #expect(
                await status {
                    try await tpp.show(
                        .with {
                            $0.month = "2026-01"
                            $0.nip = Self.staf
                        }, metadata: InProcessDaemon.metadata(.gateway(actingFor: nil)))
                } == .permissionDenied)
            #expect(await status { try await tpp.compute(.with { $0.month = "2026-01" }, metadata: own) } == .permissionDenied)
            #expect(await status { try await tpp.lock(.with { $0.month = "2026-01" }, metadata: InProcessDaemon.metadata(.operator)) } == .permissionDenied)
            #expect(await status { try await tpp.export(.with { $0.month = "2026-01" }, metadata: InProcessDaemon.metadata(.nobody)) } == .permissionDenied)
        }
    }
}
