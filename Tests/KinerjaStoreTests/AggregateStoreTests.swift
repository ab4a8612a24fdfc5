import Foundation
import GRDB
import KinerjaCore
import Testing

@testable import KinerjaStore

/// What `tpp compute` reads of each active employee (`TPPStore.forEachComputationInput`), by NIP.
func computationInputs(
    _ db: Database, month: String = "2026-02", predikatPeriod: PeriodID? = nil, activity: (CivilDate, CivilDate)? = nil
) throws -> [String: TPPStore.ComputationInput] {
    var out: [String: TPPStore.ComputationInput] = [:]
    try TPPStore.forEachComputationInput(db, month: month, predikatPeriod: predikatPeriod?.description, activityFrom: activity) { out[$0.staff.nip] = $0 }
    return out
}

/// A small agency in memory: two employees in one unit, the year 2026 with quarterly periods.
enum StoreFixture {
    static let siti = "198501012010012001"
    static let budi = "199002022015021002"
    static let now = Date(timeIntervalSince1970: 1_780_000_000)
    static let annual = PeriodID(year: 2026, kind: .annual, index: 0)
    static let q1 = PeriodID(year: 2026, kind: .quarterly, index: 1)

    static func store() throws -> Store {
        let store = try Store.inMemory()
        try store.writeNow { db throws in
            try OrganisationStore.upsertUnits(db, [OrgUnit(code: "U1", name: "Bidang Satu")])
            try OrganisationStore.upsertEmployees(
                db,
                [
                    Employee(nip: siti, name: "Siti", kind: .pns, golongan: "III/c", jenisJabatan: .administrator, kelasJabatan: 9, unitCode: "U1"),
                    Employee(
                        nip: budi, name: "Budi", kind: .pns, golongan: "II/b", jenisJabatan: .pelaksana, kelasJabatan: 6, unitCode: "U1", supervisorNIP: siti),
                ])
            _ = try PeriodStore.create(db, year: 2026, periodicity: .quarterly, now: now)
        }
        return store
    }
}

@Suite struct ActivityStoreTests {
    @Test func savingTheSameDayAndDescriptionReplacesAndMinutesAddUpPerEmployee() throws {
        let store = try StoreFixture.store()
        let day1 = try #require(CivilDate(iso: "2026-02-02"))
        let day2 = try #require(CivilDate(iso: "2026-02-03"))
        try store.writeNow { db throws in
            try ActivityStore.save(
                db,
                [
                    .init(nip: StoreFixture.budi, date: day1, description: "Rapat", rhk: "R1", minutes: 60, evidence: ""),
                    .init(nip: StoreFixture.budi, date: day2, description: "Laporan", rhk: "R1", minutes: 120, evidence: "https://x/1"),
                    .init(nip: StoreFixture.siti, date: day1, description: "Rapat", rhk: "", minutes: 30, evidence: ""),
                ], now: StoreFixture.now)
            // The same employee, day and description: replaced, not added.
            try ActivityStore.save(
                db, [.init(nip: StoreFixture.budi, date: day1, description: "Rapat", rhk: "R2", minutes: 90, evidence: "")], now: StoreFixture.now)
        }
        try store.readNow { db throws in
            let budi = try ActivityStore.list(db, nip: StoreFixture.budi, from: nil, to: nil)
            #expect(budi.map(\.entry.description) == ["Rapat", "Laporan"])
            #expect(budi.first?.entry.minutes == 90)
            #expect(budi.first?.entry.rhk == "R2")
            #expect(try ActivityStore.list(db, nip: StoreFixture.budi, from: "2026-02-03", to: nil).count == 1)
            #expect(try ActivityStore.minutesByNIP(db, from: day1, through: day2) == [StoreFixture.budi: 210, StoreFixture.siti: 30])
            #expect(try ActivityStore.minutesByNIP(db, from: day2, through: day2) == [StoreFixture.budi: 120])
            // What tpp compute reads: the minutes of the days asked for, 0 for none logged, none without days.
            #expect(try computationInputs(db, activity: (day1, day2)).mapValues(\.activityMinutes) == [StoreFixture.budi: 210, StoreFixture.siti: 30])
            #expect(try computationInputs(db, activity: (day2, day2)).mapValues(\.activityMinutes) == [StoreFixture.budi: 120, StoreFixture.siti: 0])
            #expect(try computationInputs(db).mapValues(\.activityMinutes) == [StoreFixture.budi: 0, StoreFixture.siti: 0])
            #expect(try ActivityStore.minutes(db, dates: ["2026-02-02"])["\(StoreFixture.budi)|2026-02-02"] == ["Rapat": 90])
        }
    }
}

@Suite struct AppraisalStoreTests {
    @Test func aRatingKeepsItsPredikatAspectsAndIsReplacedByTheNextOne() throws {
        let store = try StoreFixture.store()
        try store.writeNow { db throws in
            try AppraisalStore.save(
                db, period: StoreFixture.q1,
                [RatingRecord(nip: StoreFixture.budi, hasilKerja: .diAtas, perilakuKerja: .sesuai, aspects: [.akuntabel: .diAtas], ratedBy: StoreFixture.siti)],
                now: StoreFixture.now)
        }
        try store.readNow { db throws in
            let rating = try #require(try AppraisalStore.ratings(db, period: StoreFixture.q1)[StoreFixture.budi])
            #expect(rating.aspects == [.akuntabel: .diAtas])
            #expect(rating.ratedBy == StoreFixture.siti)
            // What tpp compute reads: the predikat of the period asked for, empty for the unrated and without a period.
            #expect(
                try computationInputs(db, predikatPeriod: StoreFixture.q1).mapValues(\.predikat) == [
                    StoreFixture.budi: Predikat.baik.rawValue, StoreFixture.siti: "",
                ])
            #expect(try computationInputs(db).mapValues(\.predikat) == [StoreFixture.budi: "", StoreFixture.siti: ""])
            #expect(try computationInputs(db, predikatPeriod: StoreFixture.annual)[StoreFixture.budi]?.predikat == "")
        }
        try store.writeNow { db throws in
            try AppraisalStore.save(
                db, period: StoreFixture.q1, [RatingRecord(nip: StoreFixture.budi, hasilKerja: .diBawah, perilakuKerja: .diBawah)], now: StoreFixture.now)
        }
        try store.readNow { db throws in
            #expect(try AppraisalStore.ratings(db, period: StoreFixture.q1).count == 1)
            #expect(try computationInputs(db, predikatPeriod: StoreFixture.q1)[StoreFixture.budi]?.predikat == Predikat.sangatKurang.rawValue)
            #expect(try AppraisalStore.ratings(db, period: StoreFixture.annual).isEmpty)
        }
    }

    @Test func feedbackIsReadWithoutItsRatersAndUnitsKeepOnePredikat() throws {
        let store = try StoreFixture.store()
        try store.writeNow { db throws in
            try AppraisalStore.saveFeedback(
                db, period: StoreFixture.q1,
                [
                    (StoreFixture.budi, "masyarakat", .diAtas, [:], "Ramah", "pasien-17"),
                    (StoreFixture.budi, "rekan", .sesuai, [.kompeten: .sesuai], "", "rekan-2"),
                ], now: StoreFixture.now)
            try AppraisalStore.rateUnit(db, period: StoreFixture.q1, unit: "U1", predikat: .baik, head: nil, by: "admin", now: StoreFixture.now)
            try AppraisalStore.rateUnit(db, period: StoreFixture.q1, unit: "U1", predikat: .istimewa, head: nil, by: "admin", now: StoreFixture.now)
        }
        try store.readNow { db throws in
            let entries = try AppraisalStore.feedback(db, period: StoreFixture.q1, nip: StoreFixture.budi)
            #expect(entries.map(\.source) == ["masyarakat", "rekan"])
            #expect(entries.last?.aspects == [.kompeten: .sesuai])
            #expect(try AppraisalStore.allFeedback(db, period: StoreFixture.q1, nip: StoreFixture.siti).isEmpty)
            #expect(try AppraisalStore.feedbackRaters(db, period: StoreFixture.q1).contains("\(StoreFixture.budi)|masyarakat|pasien-17"))
            #expect(try AppraisalStore.unitPredicates(db, period: StoreFixture.q1) == ["U1": .istimewa])
        }
    }
}

@Suite struct TPPStoreTests {
    @Test func overridesAndAttendanceAreKeptPerEmployeeAndMonth() throws {
        let store = try StoreFixture.store()
        try store.writeNow { db throws in
            try TPPStore.setOverride(db, nip: StoreFixture.siti, 7_500_000)
            try TPPStore.saveAttendance(db, month: "2026-02", [(StoreFixture.budi, Attendance(tl1: 2, tk: 1))])
            try TPPStore.setLocked(db, month: "2026-02", true, by: "admin", now: StoreFixture.now)
        }
        try store.readNow { db throws in
            #expect(try TPPStore.override(db, nip: StoreFixture.siti) == 7_500_000)
            #expect(try TPPStore.override(db, nip: StoreFixture.budi) == nil)
            #expect(try TPPStore.overrides(db).map(\.nip) == [StoreFixture.siti])
            let inputs = try computationInputs(db, month: "2026-02")
            #expect(inputs.keys.sorted() == [StoreFixture.siti, StoreFixture.budi].sorted())
            #expect(inputs[StoreFixture.siti]?.staff.override == 7_500_000)
            #expect(inputs[StoreFixture.budi]?.attendance == Attendance(tl1: 2, tk: 1))
            #expect(inputs[StoreFixture.siti]?.attendance == nil)
            #expect(try computationInputs(db, month: "2026-03")[StoreFixture.budi]?.attendance == nil)
            #expect(try TPPStore.attendance(db, month: "2026-02")[StoreFixture.budi] == Attendance(tl1: 2, tk: 1))
            #expect(try TPPStore.attendance(db, month: "2026-03").isEmpty)
            // Only a computed month can be locked.
            #expect(try !TPPStore.isLocked(db, month: "2026-02"))
        }
        try store.writeNow { db throws in try TPPStore.setOverride(db, nip: StoreFixture.siti, nil) }
        try store.readNow { db throws in #expect(try TPPStore.overrides(db).isEmpty) }
    }

    @Test func aComputationReplacesTheMonthsResultsAndCanBeLocked() throws {
        let store = try StoreFixture.store()
        func result(_ nip: String, net: Int64, blocked: String = "") -> TPPStore.Result {
            var r = TPPStore.Result()
            r.nip = nip
            r.unitCode = "U1"
            r.net = net
            r.blocked = !blocked.isEmpty
            r.blockedReason = blocked
            return r
        }
        try store.writeNow { db throws in
            try TPPStore.saveComputation(
                db, month: "2026-02", [result(StoreFixture.siti, net: 1), result(StoreFixture.budi, net: 2)], policy: "p1", inputs: "i1",
                now: StoreFixture.now)
            try TPPStore.saveComputation(
                db, month: "2026-02", [result(StoreFixture.budi, net: 0, blocked: "no predikat yet for period 2026-Q1")], policy: "p2", inputs: "i2",
                now: StoreFixture.now)
        }
        try store.readNow { db throws in
            var seen: [TPPStore.Result] = []
            try TPPStore.forEachResult(db, month: "2026-02") { seen.append($0) }
            #expect(seen.map(\.nip) == [StoreFixture.budi])
            #expect(try TPPStore.result(db, month: "2026-02", nip: StoreFixture.budi)?.blockedReason == "no predikat yet for period 2026-Q1")
            #expect(try TPPStore.result(db, month: "2026-02", nip: StoreFixture.siti) == nil)
            #expect(try TPPStore.policySnapshot(db, month: "2026-02") == "p2")
            #expect(try TPPStore.computedAt(db, month: "2026-02") != nil)
            #expect(try TPPStore.computedAt(db, month: "2026-01") == nil)
            #expect(try !TPPStore.isLocked(db, month: "2026-02"))
        }
        try store.writeNow { db throws in try TPPStore.setLocked(db, month: "2026-02", true, by: "admin", now: StoreFixture.now) }
        try store.readNow { db throws in
            #expect(try TPPStore.isLocked(db, month: "2026-02"))
            #expect(try !TPPStore.isLocked(db, month: "2026-03"))
        }
    }
}

@Suite struct ReminderStoreTests {
    @Test func theOutboxQueuesOnceRetriesAndRequeues() throws {
        let store = try StoreFixture.store()
        let message = OutboxMessage(
            recipient: StoreFixture.budi, channel: .log, nip: StoreFixture.budi, name: "Budi", email: "", subject: "Pengingat", body: "Isi laporan")
        try store.writeNow { db throws in
            #expect(try ReminderStore.enqueue(db, rule: "harian", occurrence: "2026-02-02", [message], now: StoreFixture.now) == 1)
            // The same rule, occurrence, recipient and channel: not queued twice.
            #expect(try ReminderStore.enqueue(db, rule: "harian", occurrence: "2026-02-02", [message], now: StoreFixture.now) == 0)
        }
        let id = try #require(try store.readNow { db throws in try ReminderStore.due(db, now: StoreFixture.now, limit: 10) }.first?.id)
        let later = StoreFixture.now.addingTimeInterval(60)
        try store.writeNow { db throws in
            try ReminderStore.recordDeliveries(db, [(id, .failed(attempts: 1, dead: false, nextAttempt: later, error: "sibuk"))])
        }
        try store.readNow { db throws in
            #expect(try ReminderStore.status(db, id: id) == "failed")
            #expect(try ReminderStore.due(db, now: StoreFixture.now, limit: 10).isEmpty)
            #expect(try ReminderStore.due(db, now: later, limit: 10).first?.lastError == "sibuk")
            #expect(try ReminderStore.nextDue(db) == later)
        }
        try store.writeNow { db throws in
            try ReminderStore.recordDeliveries(db, [(id, .failed(attempts: 2, dead: true, nextAttempt: later, error: "gagal"))])
            // A message no longer waiting is left as it is.
            try ReminderStore.recordDeliveries(db, [(id, .sent(at: later))])
            #expect(try ReminderStore.status(db, id: id) == "dead")
            #expect(try ReminderStore.requeueDead(db, now: later) == 1)
            try ReminderStore.recordDeliveries(db, [(id, .sent(at: later))])
            #expect(try ReminderStore.counts(db) == ["sent": 1])
            #expect(try ReminderStore.requeue(db, id: 999, now: later) == 0)
        }
    }
}

@Suite struct AccountStoreTests {
    @Test func anAccountCodeLeavesTheOutboxOnceDelivered() throws {
        let store = try StoreFixture.store()
        let message = OutboxMessage(
            recipient: StoreFixture.budi, channel: .log, nip: StoreFixture.budi, name: "Budi", email: "", subject: "Aktivasi", body: "kode: ABCD-EFGH")
        try store.writeNow { db throws in
            try AccountStore.issueCode(
                db, nip: StoreFixture.budi, codeHash: "h", purpose: "invite", expiresAt: StoreFixture.now.addingTimeInterval(60), now: StoreFixture.now)
            try ReminderStore.enqueue(db, rule: "account", occurrence: "invite:1", [message], now: StoreFixture.now)
            try ReminderStore.enqueue(db, rule: "harian", occurrence: "2026-02-02", [message], now: StoreFixture.now)
            let ids = try ReminderStore.due(db, now: StoreFixture.now, limit: 10).map(\.id)
            try ReminderStore.recordDeliveries(db, ids.map { ($0, .sent(at: StoreFixture.now)) })
            let bodies = try ReminderStore.list(db, status: "sent", limit: 10).map { [$0.rule: $0.body] }
            #expect(bodies.contains(["account": ReminderStore.redactedAccountBody]))
            #expect(bodies.contains(["harian": "kode: ABCD-EFGH"]), "other messages keep their text")
            let account = try #require(try AccountStore.account(db, nip: StoreFixture.budi))
            #expect(account.status == .invited)
            try AccountStore.setPassword(db, nip: StoreFixture.budi, hash: "$2b$04$x", now: StoreFixture.now, clearCode: true)
            #expect(try AccountStore.account(db, nip: StoreFixture.budi)?.status == .active)
            #expect(try AccountStore.account(db, nip: StoreFixture.budi)?.codeHash == "")
            try AccountStore.disable(db, nip: StoreFixture.budi, now: StoreFixture.now)
            #expect(try AccountStore.account(db, nip: StoreFixture.budi)?.status == .disabled)
            #expect(try AccountStore.account(db, nip: StoreFixture.siti) == nil)
        }
    }
}

@Suite struct EmployeesGenerationTests {
    /// The daemon caches whether an actor is active until the employees table changes: the counter must move once a
    /// write to it commits (a rolled-back write leaves the table as it was).
    @Test func theCounterMovesWhenAnEmployeeWriteCommitsAndOnlyThen() throws {
        let store = try StoreFixture.store()
        var budi = try #require(try store.readNow { db in try OrganisationStore.employee(db, nip: StoreFixture.budi) })
        budi.active = false
        struct Abandon: Error {}
        #expect(throws: Abandon.self) {
            try store.writeNow { db throws in
                try OrganisationStore.upsertEmployees(db, [budi])
                throw Abandon()
            }
        }
        #expect(try store.readNow { db in try OrganisationStore.isActive(db, nip: StoreFixture.budi) } == true)
        let afterRollback = EmployeesGeneration.current
        try store.writeNow { db throws in try OrganisationStore.upsertEmployees(db, [budi]) }
        #expect(EmployeesGeneration.current > afterRollback)
        #expect(try store.readNow { db in try OrganisationStore.isActive(db, nip: StoreFixture.budi) } == false)
        #expect(try store.readNow { db in try OrganisationStore.isActive(db, nip: "199999999999999999") } == nil)
    }
}
