import Foundation
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaFixtures
import SwiftProtobuf
import Testing

@testable import KinerjaServer

/// The daily activity log one entry at a time (`PutActivity`, `UpdateActivity`, `DeleteActivity`): the rules of a row
/// of a file, one's own only, a day's 1,440 minutes, and the batas pengisian.
@Suite struct ActivityServiceTests {
    static let budi = ThreePersonAgency.budi
    static let rina = ThreePersonAgency.rina

    static func input(_ date: String, _ description: String, _ minutes: Int32, rhk: String = "", nip: String = budi) -> Kinerja_V1_ActivityInput {
        .with {
            $0.nip = nip
            $0.date = date
            $0.description_p = description
            $0.minutes = minutes
            $0.rhkID = rhk
        }
    }

    @Test func anEmployeeLogsChangesAndRemovesTheirOwnActivities() async throws {
        let (daemon, time) = try await RealisasiServiceTests.agency()
        try await daemon.withClients { c in
            let asBudi = Clients.asGateway(for: Self.budi)
            let first = try await c.skp.putActivity(Self.input("2026-03-20", "Rapat koordinasi", 90, rhk: "R1"), metadata: asBudi)
            #expect(first.id > 0 && first.rhkID == "R1")
            let again = try await c.skp.putActivity(Self.input("2026-03-20", "Rapat koordinasi", 120), metadata: asBudi)
            #expect(again.id == first.id, "the same day and description is replaced, not added")
            #expect(await status { try await c.skp.putActivity(Self.input("2026-03-20", "Lembur", 1_400), metadata: asBudi) } == .failedPrecondition)
            #expect(await status { try await c.skp.putActivity(Self.input("2026-04-06", "Besok", 30), metadata: asBudi) } == .failedPrecondition)
            #expect(await status { try await c.skp.putActivity(Self.input("2026-03-20", "Tanpa RHK", 30, rhk: "ZZ"), metadata: asBudi) } == .notFound)
            #expect(await status { try await c.skp.putActivity(Self.input("2026-03-20", "Nol", 0), metadata: asBudi) } == .invalidArgument)
            #expect(await status { try await c.skp.putActivity(Self.input("2026-03-20", "", 10), metadata: asBudi) } == .invalidArgument)
            #expect(await status { try await c.skp.putActivity(Self.input("20-03-2026", "Rapat", 10), metadata: asBudi) } == .invalidArgument)
            #expect(
                await status { try await c.skp.putActivity(Self.input("2026-03-20", "Titipan", 10), metadata: Clients.asGateway(for: Self.rina)) }
                    == .permissionDenied)
            let second = try await c.skp.putActivity(Self.input("2026-03-20", "Menyusun laporan", 60), metadata: asBudi)
            // Update by id: new fields, the same rules; a clash with another entry of the day is refused.
            let changed = try await c.skp.updateActivity(
                .with {
                    $0.id = second.id
                    $0.activity = Self.input("2026-03-21", "Menyusun laporan bulanan", 75, rhk: "R1")
                }, metadata: asBudi)
            #expect(changed.id == second.id && changed.date == "2026-03-21")
            #expect(
                await status {
                    try await c.skp.updateActivity(
                        .with {
                            $0.id = second.id
                            $0.activity = Self.input("2026-03-20", "Rapat koordinasi", 30)
                        }, metadata: asBudi)
                } == .failedPrecondition)
            #expect(
                await status {
                    try await c.skp.updateActivity(
                        .with {
                            $0.id = second.id
                            $0.activity = Self.input("2026-03-21", "Milik Rina", 30, nip: Self.rina)
                        }, metadata: Clients.asGateway(for: Self.rina))
                } == .notFound, "an id is found only with the NIP it belongs to")
            let listed = try await c.skp.listActivities(.with { $0.nip = Self.budi }, metadata: asBudi)
            #expect(listed.activities.map(\.description_p) == ["Rapat koordinasi", "Menyusun laporan bulanan"])
            #expect(listed.totalMinutes == 195)
            #expect(
                await status {
                    try await c.skp.deleteActivity(
                        .with {
                            $0.id = first.id
                            $0.nip = Self.rina
                        }, metadata: Clients.asGateway(for: Self.rina))
                } == .notFound)
            let deleted = try await c.skp.deleteActivity(
                .with {
                    $0.id = first.id
                    $0.nip = Self.budi
                }, metadata: asBudi)
            #expect(deleted.deleted)
            // After March's batas pengisian (10 April) March is closed to the portal, until an admin extends it.
            time.advance(by: 6 * 86_400)
            #expect(await status { try await c.skp.putActivity(Self.input("2026-03-25", "Terlambat", 30), metadata: asBudi) } == .failedPrecondition)
            #expect(
                await status {
                    try await c.skp.deleteActivity(
                        .with {
                            $0.id = second.id
                            $0.nip = Self.budi
                        }, metadata: asBudi)
                } == .failedPrecondition)
            _ = try await c.skp.putActivity(Self.input("2026-03-25", "Dicatat oleh kepegawaian", 30), metadata: Clients.asOperator)
            _ = try await c.period.extendDeadline(
                .with {
                    $0.periodID = "2026-03"
                    $0.nip = Self.budi
                    $0.until = "2026-04-20"
                    $0.reason = "cuti sakit"
                }, metadata: Clients.asAdmin)
            _ = try await c.skp.putActivity(Self.input("2026-03-25", "Terlambat", 30), metadata: asBudi)
            let audit = try await c.audit().filter { ["PutActivity", "UpdateActivity", "DeleteActivity"].contains($0.rpc) && !$0.summary.hasPrefix("denied") }
            #expect(audit.count == 7)
        }
    }
}
