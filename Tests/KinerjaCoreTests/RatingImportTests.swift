import Testing

@testable import KinerjaCore

@Suite struct RatingImportTests {
    static func table(_ header: [String], _ rows: [[String]]) -> CSVTable {
        CSVTable(header: header, records: rows.enumerated().map { CSVTable.Record(line: $0.offset + 2, fields: $0.element) })
    }

    @Test func spellingsAspectsAndChangesAgainstTheStoredRatings() {
        let known: Set<String> = ["A", "B", "C"]
        let stored = [
            "A": RatingEntry(nip: "A", hasilKerja: .sesuai, perilakuKerja: .sesuai), "B": RatingEntry(nip: "B", hasilKerja: .sesuai, perilakuKerja: .sesuai),
        ]
        let plan = RatingImport.plan(
            Self.table(
                ["nip", "hasil_kerja", "perilaku_kerja", "kompeten"],
                [["A", "sesuai", "SESUAI", ""], ["B", "Di Atas Ekspektasi", "diatas", "di bawah"], ["C", "di_bawah", "sesuai", ""]]),
            delimiter: ",", isEmployee: known.contains, stored: { stored[$0] })
        #expect(plan.errors.isEmpty && plan.recordsChecked == 3)
        #expect(plan.counts.added == 1 && plan.counts.updated == 1 && plan.counts.unchanged == 1)
        #expect(plan.changes.map(\.nip) == ["B", "C"])
        #expect(plan.changes[0] == RatingEntry(nip: "B", hasilKerja: .diAtas, perilakuKerja: .diAtas, aspects: [.kompeten: .diBawah]))
    }

    @Test func everyBadRowIsNamedAndNothingIsPlanned() {
        let known: Set<String> = ["A", "B"]
        let bad = RatingImport.plan(
            Self.table(
                ["nip", "hasil_kerja", "perilaku_kerja", "notes"],
                [
                    ["Z", "sesuai", "sesuai", ""], ["A", "bagus", "sesuai", ""], ["B", "sesuai", "sesuai", String(repeating: "x", count: 5_000)],
                    ["A", "sesuai", "sesuai", ""],
                ]),
            delimiter: ",", isEmployee: known.contains, stored: { _ in nil })
        #expect(bad.errors.map(\.line) == [2, 3, 4, 5])
        #expect(bad.errors.map(\.column) == ["nip", "hasil_kerja", "notes", "nip"])
        #expect(bad.errors[1].message == "'bagus' is not di_atas, sesuai or di_bawah")
        #expect(bad.errors[3].message == "A already appears on line 3")
        #expect(bad.changes.isEmpty)
        let header = RatingImport.plan(
            Self.table(["nip", "hasil_kerja"], [["A", "sesuai"]]), delimiter: ",", isEmployee: known.contains, stored: { _ in nil })
        #expect(!header.errors.isEmpty && header.recordsChecked == 0)
    }
}
