import Testing

@testable import KinerjaCore

@Suite struct TPPImportTests {
    static func table(_ header: [String], _ rows: [[String]]) -> CSVTable {
        CSVTable(header: header, records: rows.enumerated().map { CSVTable.Record(line: $0.offset + 2, fields: $0.element) })
    }

    @Test func basesAreCheckedRowByRowAndCountedAgainstTheStoredOnes() {
        let good = TPPBaseImport.plan(Self.table(["kelas_jabatan", "base_rupiah"], [["9", "5000000"], ["7", "3.500.000"]]), delimiter: ",")
        #expect(good.errors.isEmpty && good.recordsChecked == 2)
        #expect(good.bases.map(\.kelas) == [9, 7] && good.bases.map(\.rupiah) == [5_000_000, 3_500_000])
        let counts = TPPBaseImport.counts(good.bases, stored: [9: 5_000_000, 7: 3_000_000])
        #expect(counts.unchanged == 1 && counts.updated == 1 && counts.added == 0)
        let bad = TPPBaseImport.plan(
            Self.table(["kelas_jabatan", "base_rupiah"], [["18", "1"], ["9", "-5"], ["9", "1000"], ["9", "2000"]]), delimiter: ",")
        #expect(bad.errors.map(\.line) == [2, 3, 5])
        #expect(bad.errors[0].message.contains("not a kelas 1–17"))
        #expect(bad.errors[2].message == "kelas 9 already appears on line 4")
        let header = TPPBaseImport.plan(Self.table(["kelas_jabatan"], [["9"]]), delimiter: ",")
        #expect(!header.errors.isEmpty && header.recordsChecked == 0)
    }

    @Test func attendanceCountsAreBoundedAndOnlyChangesAreWritten() {
        let header = ["nip", "tl1", "tk", "sanction_percent"]
        let known: Set<String> = ["A", "B", "C"]
        let stored = ["A": Attendance(tl1: 1), "B": Attendance(tk: 2)]
        let plan = AttendanceImport.plan(
            Self.table(header, [["A", "1", "", ""], ["B", "0", "3", "20"], ["C", "", "", "0"]]), delimiter: ",",
            isEmployee: known.contains, stored: stored)
        #expect(plan.errors.isEmpty && plan.rows == 3)
        #expect(plan.counts.unchanged == 1 && plan.counts.updated == 1 && plan.counts.added == 1)
        #expect(plan.changes.map(\.nip) == ["B", "C"])
        #expect(plan.changes[0].attendance == Attendance(tk: 3, sanctionPercent: 20))
        let bad = AttendanceImport.plan(
            Self.table(header, [["Z", "1", "0", "0"], ["A", "1001", "0", "0"], ["B", "0", "0", "10"], ["A", "0", "0", "0"], ["C", "x", "0", "0"]]),
            delimiter: ",", isEmployee: known.contains, stored: [:])
        #expect(bad.errors.map(\.line) == [2, 3, 4, 5, 6])
        #expect(bad.errors.map(\.column) == ["nip", "tl1", "sanction_percent", "nip", "tl1"])
        #expect(bad.changes.isEmpty && bad.recordsChecked == 5)
    }
}
