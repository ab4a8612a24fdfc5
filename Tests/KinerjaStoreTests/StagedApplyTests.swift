import Foundation
import GRDB
import KinerjaCore
import Testing

@testable import KinerjaStore

/// A big SKP import applied in steps (`StagedImportStore`): others may write between the steps, nobody who reads SKPs
/// sees a half-applied import, and a crash in the middle is finished when the database opens again.
@Suite struct StagedApplyTests {
    static let period = PeriodID(year: 2026, kind: .annual, index: 0)
    static let actor = AuditActor(uid: 1000, pid: 42, role: "operator")

    static func nip(_ i: Int) -> String { "19850101" + String(format: "%06d", 201_001 + i) + "1001" }

    static func skp(_ i: Int, text: String = "Terlaksananya kegiatan") -> SKP {
        SKP(
            nip: nip(i), period: period, status: .submitted,
            rhk: [
                RHK(
                    id: "R1", kind: .utama, text: "\(text) 1",
                    indicators: [Indicator(id: "I1", aspect: .kuantitas, text: "Jumlah laporan", target: 12, unit: "laporan")]),
                RHK(
                    id: "R2", kind: .utama, text: "\(text) 2",
                    indicators: [Indicator(id: "I1", aspect: .kualitas, text: "Mutu", target: nil, targetText: "baik")]),
            ])
    }

    /// An agency of `count` employees with an annual period.
    static func seed(_ store: Store, count: Int) throws {
        try store.writeNow { db in
            try OrganisationStore.upsertUnits(db, [OrgUnit(code: "U1", name: "Unit Satu")])
            try OrganisationStore.upsertEmployees(
                db,
                (0..<count).map {
                    Employee(nip: nip($0), name: "Pegawai \($0)", kind: .pns, golongan: "III/a", jenisJabatan: .pelaksana, kelasJabatan: 7, unitCode: "U1")
                })
            _ = try PeriodStore.create(db, year: 2026, periodicity: .none, now: Date())
        }
    }

    static func stage(_ store: Store, _ skps: [SKP]) throws {
        try store.writeNow { db in
            try StagedImportStore.clearStaged(db)
            try SKPStore.stage(db, skps, supervisors: [:], now: Date())
        }
    }

    static func begin(_ store: Store, step: Int) throws -> Bool {
        try store.writeNow { db in
            try StagedImportStore.beginStagedApply(
                db, period: period, audit: .init(actor: actor, rpc: "ImportSKP", target: "2026", summary: "6 added"), step: step)
        }
    }

    @Test func stagedRowsChangeNothingAnyoneReads() throws {
        let store = try Store.inMemory()
        try Self.seed(store, count: 6)
        try Self.stage(store, (0..<6).map { Self.skp($0) })
        #expect(try store.readNow { db in try SKPStore.statuses(db, period: Self.period) }.isEmpty)
        #expect(try store.readNow { db in try PeriodStore.facts(db, Self.period).skp["missing"] } == 6)
    }

    @Test func readsAndSKPWritesWaitForTheLastStepWhileOtherWritesGoOn() async throws {
        let store = try Store.inMemory()
        try Self.seed(store, count: 6)
        try Self.stage(store, (0..<6).map { Self.skp($0) })
        #expect(try Self.begin(store, step: 2) == false)
        // Half applied: a read of the SKP tables in this state is refused (and `Store.read` waits it out) …
        #expect(throws: StagedImportStore.StagedApplyInProgress.self) { try store.writer.read { db in try SKPStore.statuses(db, period: Self.period) } }
        #expect(throws: StagedImportStore.StagedApplyInProgress.self) {
            try store.writer.write { db in try SKPStore.setStatus(db, nip: Self.nip(0), period: Self.period, status: .approved, note: "", by: "x", now: Date())
            }
        }
        // … while a write elsewhere goes through between the steps.
        try await store.write { db in try OrganisationStore.upsertUnits(db, [OrgUnit(code: "U2", name: "Unit Dua")]) }
        let waiting = Task { try await store.read { db in try SKPStore.statuses(db, period: Self.period) } }
        try await Task.sleep(for: .milliseconds(100))
        #expect(try Self.stepOnce(store) == false)
        #expect(try Self.stepOnce(store) == true)
        let seen = try await waiting.value
        #expect(seen.count == 6)
        #expect(seen.values.allSatisfy { $0 == .submitted })
        let loaded = try await store.read { db in try SKPStore.load(db, nip: Self.nip(5), period: Self.period) }
        #expect(loaded?.rhk.map(\.indicators.count) == [1, 1])
        let audit = try await store.read { db in try Audit.list(db, limit: 5) }
        #expect(audit.first?.rpc == "ImportSKP")
        #expect(audit.first?.summary == "6 added")
    }

    static func stepOnce(_ store: Store) throws -> Bool {
        try store.writeNow { db in try StagedImportStore.applyStagedStep(db, step: 2) }
    }

    @Test func aReplacedSKPLosesItsOldRHKAndKeepsItsReturnNote() throws {
        let store = try Store.inMemory()
        try Self.seed(store, count: 3)
        try store.writeNow { db in
            try SKPStore.save(db, (0..<3).map { Self.skp($0, text: "Lama") }, supervisors: [:], now: Date())
            try SKPStore.setStatus(db, nip: Self.nip(1), period: Self.period, status: .returned, note: "perbaiki", by: "x", now: Date())
        }
        var replacement = Self.skp(1, text: "Baru")
        replacement.rhk.removeLast()
        try Self.stage(store, [replacement])
        #expect(try Self.begin(store, step: 10) == true)
        let loaded = try store.readNow { db in try SKPStore.load(db, nip: Self.nip(1), period: Self.period) }
        #expect(loaded?.rhk.map(\.text) == ["Baru 1"])
        #expect(loaded?.returnNote == "perbaiki")
        #expect(try store.readNow { db in try SKPStore.load(db, nip: Self.nip(0), period: Self.period) }?.rhk.map(\.text) == ["Lama 1", "Lama 2"])
    }

    @Test func anImportThatCouldNotFinishIsRefusedBeforeItBegins() throws {
        let store = try Store.inMemory()
        try Self.seed(store, count: 2)
        try store.writeNow { db in
            try SKPStore.save(db, [Self.skp(0)], supervisors: [:], now: Date())
            try RealisasiStore.save(
                db,
                [
                    RealisasiStore.Entry(
                        period: "2026", annual: "2026", nip: Self.nip(0), rhk: "R1", indicator: "I1", value: 3, text: "", evidence: "", note: "")
                ], now: Date())
        }
        try Self.stage(store, [Self.skp(0, text: "Baru"), Self.skp(1)])
        #expect(throws: StoreError.self) { try Self.begin(store, step: 1) }
        // Nothing moved and nobody waits.
        #expect(try store.readNow { db in try SKPStore.statuses(db, period: Self.period) }.count == 1)
    }

    @Test func aCrashInTheMiddleIsFinishedWhenTheDatabaseOpens() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/k.db"
        do {
            let store = try Store(path: path)
            try Self.seed(store, count: 6)
            try Self.stage(store, (0..<6).map { Self.skp($0) })
            #expect(try Self.begin(store, step: 2) == false)
            try store.close()  // as a kill -9 would leave it: two of six applied, the epoch odd
        }
        let reopened = try Store(path: path)
        #expect(reopened.recovered == .finished(period: "2026"))
        #expect(try reopened.readNow { db in try SKPStore.statuses(db, period: Self.period) }.count == 6)
        #expect(try reopened.readNow { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skp_stage") } == 0)
        #expect(try reopened.readNow { db in try Audit.list(db, limit: 1) }.first?.rpc == "ImportSKP")
        try reopened.close()
    }

    @Test func aStagedRealisasiImportIsAllOrNothingToReaders() throws {
        let store = try Store.inMemory()
        try Self.seed(store, count: 3)
        try store.writeNow { db in try SKPStore.save(db, (0..<3).map { Self.skp($0) }, supervisors: [:], now: Date()) }
        let entries = (0..<3).flatMap { i in
            [
                RealisasiStore.Entry(
                    period: "2026", annual: "2026", nip: Self.nip(i), rhk: "R1", indicator: "I1", value: Double(i), text: "", evidence: "", note: ""),
                RealisasiStore.Entry(
                    period: "2026", annual: "2026", nip: Self.nip(i), rhk: "R2", indicator: "I1", value: nil, text: "baik", evidence: "", note: ""),
            ]
        }
        try store.writeNow { db in
            try StagedImportStore.clearStaged(db)
            try RealisasiStore.stage(db, entries, now: Date())
        }
        let begun = try store.writeNow { db in
            try StagedImportStore.beginStagedApply(
                db, kind: .realisasi, period: Self.period, audit: .init(actor: Self.actor, rpc: "ImportRealisasi", target: "r.csv", summary: "6 added"), step: 4
            )
        }
        #expect(begun == false)
        #expect(throws: StagedImportStore.StagedApplyInProgress.self) { try store.writer.read { db in _ = try RealisasiStore.stored(db, annual: Self.period) } }
        #expect(throws: StagedImportStore.StagedApplyInProgress.self) { try store.writer.read { db in try PeriodStore.facts(db, Self.period) } }
        #expect(try store.writeNow { db in try StagedImportStore.applyStagedStep(db, step: 4) } == true)
        let count = try store.readNow { db -> Int in
            let cursor = try RealisasiStore.stored(db, annual: Self.period)
            var n = 0
            while try cursor.next() { n += 1 }
            return n
        }
        #expect(count == 6)
        #expect(try store.readNow { db in try Audit.list(db, limit: 1) }.first?.rpc == "ImportRealisasi")
    }

    @Test func aCrashWhileStagingLeavesNothing() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/k.db"
        do {
            let store = try Store(path: path)
            try Self.seed(store, count: 6)
            try Self.stage(store, (0..<6).map { Self.skp($0) })
            try store.close()
        }
        let reopened = try Store(path: path)
        #expect(reopened.recovered == .cleared)
        #expect(try reopened.readNow { db in try SKPStore.statuses(db, period: Self.period) }.isEmpty)
        #expect(try reopened.readNow { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skp_stage") } == 0)
        try reopened.close()
    }
}
