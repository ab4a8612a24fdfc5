import PropertyBased
import Testing

@testable import KinerjaCore

@Suite struct YearMonthTests {
    @Test(arguments: ["2026-03", "2000-01", "2100-12"])
    func parsesWhatItPrints(text: String) {
        #expect(YearMonth(text)?.description == text)
    }

    @Test(arguments: ["2026-3", "2026-13", "2026-00", "1999-12", "2101-01", "26-03", "2026/03", "2026-03-01", "+026-03", "2026-+3", "", "٢٠٢٦-03"])
    func refusesEverythingElse(text: String) {
        #expect(YearMonth(text) == nil)
    }

    @Test func ordersByYearThenMonth() {
        #expect(YearMonth("2025-12")! < YearMonth("2026-01")!)
        #expect(YearMonth("2026-02")!.firstDay == CivilDate(year: 2026, month: 2, day: 1))
        #expect(YearMonth("2024-02")!.lastDay == CivilDate(year: 2024, month: 2, day: 29))
        #expect(YearMonth("2026-12")!.lastDay == CivilDate(year: 2026, month: 12, day: 31))
    }

    @Test func anyValidMonthRoundTrips() async {
        await propertyCheck(input: Gen.int(in: 2000...2100), Gen.int(in: 1...12)) { y, m in
            let ym = YearMonth(year: y, month: m)!
            #expect(YearMonth(ym.description) == ym)
        }
    }
}

@Suite struct TPPEligibilityTests {
    @Test func noBaseBlocksFirstThenThePeriodGate() {
        let gate = TPPEligibility.predikatGate(period: "2026-01", state: .running)
        #expect(gate != nil)
        #expect(TPPEligibility.blockedBeforePolicy(hasBase: false, kelasJabatan: 7, predikatGate: gate) == "no TPP base for kelas jabatan 7 (tpp base import)")
        #expect(TPPEligibility.blockedBeforePolicy(hasBase: true, kelasJabatan: 7, predikatGate: gate) == gate)
        #expect(TPPEligibility.blockedBeforePolicy(hasBase: true, kelasJabatan: 7, predikatGate: nil) == nil)
        #expect(TPPEligibility.predikatGate(period: "2026-01", state: .assessment) == nil)
        #expect(TPPEligibility.predikatGate(period: "2026-01", state: .closed) == nil)
    }
}

@Suite struct SKPStatusMachineTests {
    @Test func everyStatusAndAction() {
        let table: [(SKPStatus, SKPAction, SKPStatus?)] = [
            (.draft, .submit, .submitted), (.returned, .submit, .submitted), (.submitted, .submit, nil), (.approved, .submit, nil),
            (.submitted, .approve, .approved), (.draft, .approve, nil), (.returned, .approve, nil), (.approved, .approve, nil),
            (.submitted, .return, .returned), (.draft, .return, nil), (.returned, .return, nil), (.approved, .return, nil),
        ]
        #expect(table.count == SKPStatus.allCases.count * SKPAction.allCases.count)
        for (status, action, expected) in table {
            let result: SKPStatus?
            do { result = try status.after(action) } catch {
                #expect(error == SKPTransitionRefusal(status: status, action: action))
                result = nil
            }
            #expect(result == expected, "\(status) \(action)")
        }
    }

    @Test func onlyWhatCanBeSubmittedCanBeReplacedByAnImport() {
        for status in SKPStatus.allCases { #expect(status.editable == SKPAction.submit.from.contains(status)) }
    }
}

@Suite struct PayTotalsTests {
    @Test func sumsAllThreeAndRefusesOverflow() {
        var totals = Money.PayTotals()
        #expect(throws: Never.self) { try totals.add(gross: 5_000_000, tax: 250_000, net: 4_750_000) }
        #expect(throws: Never.self) { try totals.add(gross: 1, tax: 0, net: 1) }
        #expect(totals.gross.value == 5_000_001 && totals.tax.value == 250_000 && totals.net.value == 4_750_001)
        #expect(throws: FractionError.self) { try totals.add(gross: .max, tax: 0, net: 0) }
    }
}
