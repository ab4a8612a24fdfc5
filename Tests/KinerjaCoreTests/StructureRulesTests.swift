import Testing

@testable import KinerjaCore

/// The second wave's rules, worked by hand.
@Suite struct StructureRulesTests {
    static func day(_ s: String) -> CivilDate { CivilDate(iso: s)! }

    @Test func angkaKreditForEachPeriodKindAndAStartInMay() throws {
        // Ahli Pertama (12.5), Baik (100%): monthly 12.5/12 = 1.0416… → 1.042; quarterly 3.125; semester 6.25; annual 12.5.
        let cases: [(String, Int64, String)] = [("2026-03", 1042, "1.04"), ("2026-Q2", 3125, "3.13"), ("2026-S1", 6250, "6.25"), ("2026", 12500, "12.50")]
        for (period, thousandths, text) in cases {
            let id = try PeriodID(period)
            let months = AngkaKredit.months(of: id, since: nil)
            #expect(AngkaKredit.thousandths(.ahliPertama, .baik, months: months) == thousandths, "\(period)")
            #expect(AngkaKredit.text(thousandths: thousandths) == text)
        }
        // Entered the jabatan on 20 May 2026: the year counts May–December (8 months): 12.5 × 8/12 = 8.333…;
        // Q2 (April–June) counts May and June: 12.5 × 2/12 = 2.0833… → 2.083; March counts nothing; Q3 all 3.
        let may = Self.day("2026-05-20")
        #expect(AngkaKredit.months(of: try PeriodID("2026"), since: may) == 8)
        #expect(AngkaKredit.thousandths(.ahliPertama, .baik, months: 8) == 8333)
        #expect(AngkaKredit.months(of: try PeriodID("2026-Q2"), since: may) == 2)
        #expect(AngkaKredit.thousandths(.ahliPertama, .baik, months: 2) == 2083)
        #expect(AngkaKredit.months(of: try PeriodID("2026-03"), since: may) == 0)
        #expect(AngkaKredit.months(of: try PeriodID("2026-Q3"), since: may) == 3)
        #expect(AngkaKredit.months(of: try PeriodID("2026"), since: Self.day("2019-01-01")) == 12)
        // Sangat Baik (150%) for a year as Ahli Muda (25): 37.5; Sangat Kurang (25%) one month as Pemula (3.75): 0.078125 → 0.078.
        #expect(AngkaKredit.thousandths(.ahliMuda, .sangatBaik, months: 12) == 37500)
        #expect(AngkaKredit.thousandths(.pemula, .sangatKurang, months: 1) == 78)
        #expect(AngkaKredit.exactText(thousandths: 78) == "0.078" && AngkaKredit.text(thousandths: 78) == "0.08")
    }

    @Test func aHeadsHasilKerjaIsTheUnitsUnlessOverridden() throws {
        let unit = UnitResult(unitCode: "SEKR", predikat: .baik, hasil: UnitHeadMapping().hasilKerja(.baik))
        #expect(unit.hasil == .sesuai)
        func hasil(
            _ requested: Rating?, _ stored: (Rating, HasilSource)? = nil, override: (String, String)? = nil, unit: UnitResult? = unit
        ) throws
            -> (Rating, HasilSource)
        {
            try UnitHeadRules.hasil(requested: requested, unit: unit, stored: stored, override: override, subject: "X")
        }
        #expect(try hasil(nil) == (.sesuai, .unit("SEKR")))
        #expect(try hasil(.sesuai) == (.sesuai, .unit("SEKR")))
        #expect(throws: ValidationError.self) { try hasil(.diAtas) }
        #expect(try hasil(.diAtas, override: ("197001012000011001", "tugas khusus")) == (.diAtas, .override(who: "197001012000011001", reason: "tugas khusus")))
        #expect(throws: ValidationError.self) { try hasil(.diAtas, override: ("a", " ")) }
        // An earlier override stands while the same value comes again.
        let o = HasilSource.override(who: "a", reason: "r")
        #expect(try hasil(.diAtas, (.diAtas, o)) == (.diAtas, o))
        #expect(try hasil(nil, (.diAtas, o)) == (.diAtas, o))
        // Not a head: a value is needed and an override makes no sense.
        #expect(try hasil(.diBawah, unit: nil) == (.diBawah, .rater))
        #expect(throws: ValidationError.self) { try hasil(nil, unit: nil) }
        #expect(throws: ValidationError.self) { try hasil(.diAtas, override: ("a", "r"), unit: nil) }
        // The stored text round-trips.
        for s in [HasilSource.rater, .unit("SEKR"), .override(who: "a", reason: "tugas khusus dari Bupati")] {
            #expect(HasilSource(stored: s.stored) == s)
        }
    }

    @Test func theAssessorIsTheSupervisorInForceOrAPLT() {
        let end = Self.day("2026-04-30")
        let plt = ActingAssignment(unitCode: "SEKR", nip: "P", kind: .plt, from: Self.day("2026-04-01"), to: Self.day("2026-05-31"))
        let plh = ActingAssignment(unitCode: "SEKR", nip: "H", kind: .plh, from: Self.day("2026-04-01"), to: Self.day("2026-05-31"))
        // A PLT over the unit the supervisor heads replaces them; a PLH does not.
        #expect(ActingRules.assessor(supervisor: "S", supervisorHeads: ["SEKR"], employeeUnit: "SEKR", on: end, assignments: [plt])?.nip == "P")
        #expect(ActingRules.assessor(supervisor: "S", supervisorHeads: ["SEKR"], employeeUnit: "SEKR", on: end, assignments: [plh])?.nip == "S")
        #expect(ActingRules.assessor(supervisor: "S", supervisorHeads: ["BID1"], employeeUnit: "SEKR", on: end, assignments: [plt])?.nip == "S")
        // Outside its days it counts for nothing; with no supervisor, anyone acting over the employee's unit assesses.
        #expect(
            ActingRules.assessor(supervisor: "S", supervisorHeads: ["SEKR"], employeeUnit: "SEKR", on: Self.day("2026-03-31"), assignments: [plt])?.nip == "S")
        #expect(ActingRules.assessor(supervisor: nil, supervisorHeads: [], employeeUnit: "SEKR", on: end, assignments: [plh])?.nip == "H")
        #expect(ActingRules.assessor(supervisor: nil, supervisorHeads: [], employeeUnit: "BID1", on: end, assignments: [plh]) == nil)
        // Changes: the state on a day is the `before` of the first change after it.
        let changes = [
            EmployeeChange(nip: "E", on: Self.day("2026-05-01"), supervisorNIP: "A", unitCode: "U1", jabatan: ""),
            EmployeeChange(nip: "E", on: Self.day("2026-08-01"), supervisorNIP: "B", unitCode: "U2", jabatan: ""),
        ]
        #expect(SupervisorHistory.supervisor(on: Self.day("2026-04-30"), current: "C", changes: changes) == "A")
        #expect(SupervisorHistory.supervisor(on: Self.day("2026-05-01"), current: "C", changes: changes) == "B")
        #expect(SupervisorHistory.supervisor(on: Self.day("2026-07-31"), current: "C", changes: changes) == "B")
        #expect(SupervisorHistory.unit(on: Self.day("2026-07-31"), current: "U3", changes: changes) == "U2")
        #expect(SupervisorHistory.supervisor(on: Self.day("2026-12-31"), current: "C", changes: changes) == "C")
        // Refusals of a new assignment.
        let a = ActingAssignment(unitCode: "SEKR", nip: "P", kind: .plt, from: Self.day("2026-04-01"), to: Self.day("2026-04-30"))
        #expect(ActingRules.refusal(a, head: "S", employeeActive: true, overlapping: []) == nil)
        #expect(ActingRules.refusal(a, head: "P", employeeActive: true, overlapping: [])?.contains("already heads") == true)
        #expect(ActingRules.refusal(a, head: "S", employeeActive: false, overlapping: [])?.contains("not an active") == true)
        #expect(ActingRules.refusal(a, head: "S", employeeActive: true, overlapping: [plt])?.contains("already has a PLT") == true)
    }
}
