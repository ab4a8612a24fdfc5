import Testing

@testable import KinerjaCore

/// The realisasi import's rules, over a source held in memory.
@Suite struct RealisasiImportTests {
    struct Source: RealisasiImportSource {
        var states: [PeriodID: PeriodState]
        var index: IndicatorIndex
        var stored: [StoredRealisasi] = []

        func state(of period: PeriodID) throws -> PeriodState? { states[period] }
        func indicators(of annual: PeriodID) throws -> IndicatorIndex { index }
        func forEachStored(annual: PeriodID, period: PeriodID, _ visit: (StoredRealisasi) throws -> Void) throws {
            for s in stored where s.period == period.description { try visit(s) }
        }
    }

    static let header = RealisasiImport.columns

    static func table(_ rows: [[String]]) -> CSVTable {
        CSVTable(header: header, records: rows.enumerated().map { CSVTable.Record(line: $0.offset + 2, fields: $0.element) })
    }

    /// A (approved: R1/I1 numeric, R1/I2 qualitative) and B (draft) for 2026; March runs, January is closed.
    static func source(stored: [StoredRealisasi] = []) throws -> Source {
        var index = IndicatorIndex()
        index.appendSKP(nip: "A", status: .approved)
        index.appendSKP(nip: "B", status: .draft)
        index.appendIndicator(slot: 0, .init(rhk: "R1", indicator: "I1", numeric: true))
        index.appendIndicator(slot: 0, .init(rhk: "R1", indicator: "I2", numeric: false))
        index.appendIndicator(slot: 1, .init(rhk: "R1", indicator: "I1", numeric: true))
        return Source(
            states: [try PeriodID("2026"): .running, try PeriodID("2026-03"): .running, try PeriodID("2026-01"): .closed], index: index, stored: stored)
    }

    static func plan(_ rows: [[String]], actingFor: String? = nil, source: Source? = nil) throws -> RealisasiImport.Plan {
        try RealisasiImport.plan(table(rows), delimiter: ",", isEmployee: ["A", "B"].contains, actingFor: actingFor, source: source ?? Self.source())
    }

    @Test func goodRowsAreCountedAgainstTheStoredOnesAndWrittenInKeyOrder() throws {
        let stored = [
            StoredRealisasi(period: "2026-03", nip: "A", rhk: "R1", indicator: "I1", value: 3, text: "3", evidence: "", note: ""),
            StoredRealisasi(period: "2026-03", nip: "A", rhk: "R1", indicator: "I2", value: nil, text: "baik", evidence: "", note: ""),
        ]
        let plan = try Self.plan(
            [
                ["A", "2026-03", "R1", "I2", "", "sangat baik", "", ""],
                ["A", "2026-03", "R1", "I1", "3", "", "", ""],
                ["A", "2026", "R1", "I1", "3,5", "", "https://bukti/1", ""],
            ], source: try Self.source(stored: stored))
        #expect(plan.errors.isEmpty && plan.rows == 3)
        #expect(plan.counts.added == 1 && plan.counts.updated == 1 && plan.counts.unchanged == 1)
        // "2026" sorts before "2026-03"; within a period, by indicator.
        #expect(plan.writes.map { "\($0.period) \($0.rhk)/\($0.indicator)" } == ["2026 R1/I1", "2026-03 R1/I2"])
        #expect(plan.writes[0].value == 3.5 && plan.writes[0].annual == "2026" && plan.writes[1].text == "sangat baik")
    }

    @Test func everyBadRowIsNamedWithItsColumn() throws {
        let plan = try Self.plan([
            ["Z", "2026-03", "R1", "I1", "1", "", "", ""],
            ["B", "2026-03", "R1", "I1", "1", "", "", ""],
            ["A", "2026-13", "R1", "I1", "1", "", "", ""],
            ["A", "2027-03", "R1", "I1", "1", "", "", ""],
            ["A", "2026-01", "R1", "I1", "1", "", "", ""],
            ["A", "2026-03", "R1", "I9", "1", "", "", ""],
            ["A", "2026-03", "R1", "I1", "", "", "", ""],
            ["A", "2026-03", "R1", "I1", "-2", "", "", ""],
            ["A", "2026-03", "R1", "I1", "1e33", "", "", ""],
            ["A", "2026-03", "R1", "I2", "", "", "", ""],
            ["A", "2026-03", "R1", "I1", "1", "", "", ""],
            ["A", "2026-03", "R1", "I1", "2", "", "", ""],
        ])
        #expect(plan.errors.map(\.line) == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13])
        #expect(plan.errors.map { $0.column ?? "" } == ["nip", "nip", "period", "period", "period", "indicator_id", "value", "value", "value", "text", ""])
        #expect(plan.errors[1].message.contains("is draft; realisasi is filed against an approved SKP"))
        #expect(plan.errors[3].message == "period 2027-03 does not exist")
        #expect(plan.errors[4].message.contains("is closed"))
        #expect(plan.errors[10].message == "realisasi for A R1/I1 in 2026-03 already appears on line 12")
    }

    @Test func aGatewayFilesForTheEmployeeItActsForOnly() throws {
        let own = try Self.plan([["A", "2026-03", "R1", "I1", "1", "", "", ""]], actingFor: "A")
        #expect(own.errors.isEmpty && own.writes.count == 1)
        let other = try Self.plan([["A", "2026-03", "R1", "I1", "1", "", "", ""]], actingFor: "B")
        #expect(other.errors.first?.message == "a gateway acting for B may not file realisasi for A")
        #expect(other.writes.isEmpty)
    }
}
