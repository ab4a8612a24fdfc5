import Foundation
import GRPCCore
import KinerjaAPI
import SwiftProtobuf
import Testing

@testable import KinerjaServer

/// `kinerja.v1.SKPService` in process: the SKP's life (submit, approve, return) as the employee and their
/// supervisor see it through a gateway, each error code, each right.
@Suite struct SKPServiceTests {
    static let kepala = InProcessDaemon.kepala
    static let staf = InProcessDaemon.staf

    static func document(nip: String, intervensi: String?, text: String = "Terlaksananya layanan umum") -> String {
        let link = intervensi.map { ",\"intervensi\":\"\($0)\"" } ?? ""
        return """
            {"nip":"\(nip)","rhk":[{"id":"R1","kind":"utama","text":"\(text)"\(link),
             "indicators":[{"id":"I1","aspect":"kuantitas","text":"Jumlah laporan","target":12,"unit":"laporan"}]}]}
            """
    }

    /// The two-person agency with both SKPs for 2026 imported as drafts by an operator.
    static func agency() async throws -> InProcessDaemon {
        let daemon = try await InProcessDaemon.twoPersonAgency()
        try await daemon.withClient { client in
            let content = "{\"period\":\"2026\",\"skp\":[\(document(nip: kepala, intervensi: nil)),\(document(nip: staf, intervensi: "R1"))]}"
            let report = try await Kinerja_V1_SKPService.Client(wrapping: client).importSKP(
                .with { $0.content = Data(content.utf8) }, metadata: InProcessDaemon.metadata(.operator))
            #expect(report.applied && report.added == 2, "\(report.errors)")
        }
        return daemon
    }

    static func ref(_ nip: String, period: String = "2026", note: String = "") -> Kinerja_V1_SKPRef {
        .with {
            $0.nip = nip
            $0.periodID = period
            $0.note = note
        }
    }

    @Test func theEmployeeSubmitsAndTheSupervisorReturnsThenApproves() async throws {
        let daemon = try await Self.agency()
        try await daemon.withClient { client in
            let skp = Kinerja_V1_SKPService.Client(wrapping: client)
            let asStaf = InProcessDaemon.metadata(.gateway(actingFor: Self.staf))
            let asKepala = InProcessDaemon.metadata(.gateway(actingFor: Self.kepala))
            #expect(try await skp.submitSKP(Self.ref(Self.staf), metadata: asStaf).status == "submitted")
            let returned = try await skp.returnSKP(Self.ref(Self.staf, note: "Tambahkan indikator waktu"), metadata: asKepala)
            #expect(returned.status == "returned" && returned.returnNote == "Tambahkan indikator waktu")
            #expect(try await skp.submitSKP(Self.ref(Self.staf), metadata: asStaf).status == "submitted")
            #expect(try await skp.approveSKP(Self.ref(Self.staf), metadata: asKepala).status == "approved")
            // The supervisor reads their subordinate's SKP, the employee their own.
            #expect(try await skp.getSKP(Self.ref(Self.staf), metadata: asKepala).supervisorNip == Self.kepala)
            #expect(try await skp.getSKP(Self.ref(Self.staf), metadata: asStaf).rhk.first?.intervensi == "R1")
        }
    }

    @Test func eachErrorHasItsCode() async throws {
        let daemon = try await Self.agency()
        try await daemon.withClient { client in
            let skp = Kinerja_V1_SKPService.Client(wrapping: client)
            let asStaf = InProcessDaemon.metadata(.gateway(actingFor: Self.staf))
            let asKepala = InProcessDaemon.metadata(.gateway(actingFor: Self.kepala))
            // The status machine: approving a draft, returning an approved SKP, submitting twice.
            #expect(await status { try await skp.approveSKP(Self.ref(Self.staf), metadata: asKepala) } == .failedPrecondition)
            _ = try await skp.submitSKP(Self.ref(Self.staf), metadata: asStaf)
            #expect(await status { try await skp.submitSKP(Self.ref(Self.staf), metadata: asStaf) } == .failedPrecondition)
            _ = try await skp.approveSKP(Self.ref(Self.staf), metadata: asKepala)
            #expect(await status { try await skp.returnSKP(Self.ref(Self.staf, note: "lagi"), metadata: asKepala) } == .failedPrecondition)
            // Bad requests and missing things.
            #expect(await status { try await skp.returnSKP(Self.ref(Self.staf, note: "  "), metadata: asKepala) } == .invalidArgument)
            #expect(await status { try await skp.getSKP(Self.ref(Self.staf, period: "2026-01"), metadata: asStaf) } == .invalidArgument)
            #expect(await status { try await skp.getSKP(Self.ref(Self.staf, period: "2025"), metadata: asStaf) } == .notFound)
            #expect(await status { try await skp.getSKP(Self.ref("199909092020121001"), metadata: InProcessDaemon.metadata(.operator)) } == .notFound)
            #expect(await status { try await skp.getSKP(Self.ref("12345"), metadata: InProcessDaemon.metadata(.operator)) } == .invalidArgument)
        }
    }

    @Test func rightsFollowTheRoleAndTheEmployeeAGatewayActsFor() async throws {
        let daemon = try await Self.agency()
        try await daemon.withClient { client in
            let skp = Kinerja_V1_SKPService.Client(wrapping: client)
            let asStaf = InProcessDaemon.metadata(.gateway(actingFor: Self.staf))
            let asKepala = InProcessDaemon.metadata(.gateway(actingFor: Self.kepala))
            // Only the employee submits their own; only the direct supervisor approves; the staff member reads their
            // supervisor's SKP (to choose an intervensi), a gateway acting for nobody reads nothing.
            #expect(await status { try await skp.submitSKP(Self.ref(Self.staf), metadata: asKepala) } == .permissionDenied)
            _ = try await skp.submitSKP(Self.ref(Self.staf), metadata: asStaf)
            #expect(await status { try await skp.approveSKP(Self.ref(Self.staf), metadata: asStaf) } == .permissionDenied)
            #expect(await status { try await skp.getSKP(Self.ref(Self.kepala), metadata: asStaf) } != .permissionDenied)
            #expect(
                await status { try await skp.getSKP(Self.ref(Self.staf), metadata: InProcessDaemon.metadata(.gateway(actingFor: nil))) } == .permissionDenied)
            // A gateway imports for the employee it acts for only (the report says who may).
            let other = "{\"period\":\"2026\",\"skp\":[\(Self.document(nip: Self.kepala, intervensi: nil, text: "Lain"))]}"
            let refused = try await skp.importSKP(.with { $0.content = Data(other.utf8) }, metadata: asStaf)
            #expect(!refused.applied && refused.errors.contains { $0.message.contains("may not import the SKP of \(Self.kepala)") })
            // Listing is for operators; approving everything for admins; nobody without a role gets anything.
            #expect(await status { try await skp.listSKP(.with { $0.periodID = "2026" }, metadata: asKepala) } == .permissionDenied)
            #expect(
                await status { try await skp.approveAllSKP(.with { $0.periodID = "2026" }, metadata: InProcessDaemon.metadata(.operator)) } == .permissionDenied
            )
            #expect(await status { try await skp.getSKP(Self.ref(Self.staf), metadata: InProcessDaemon.metadata(.nobody)) } == .permissionDenied)
            #expect(try await skp.approveAllSKP(.with { $0.periodID = "2026" }, metadata: InProcessDaemon.metadata(.admin)).approved == 1)
        }
    }
}
