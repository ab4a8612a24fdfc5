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

    @Test func theNationalDecisionBlocksOrPaysAndSaysWhy() throws {
        let policy = TPPPolicy()
        let none = Attendance()
        func decide(
            golongan: String = "III/b", predikat: Predikat? = .baik, period: String = "2026-03", factor: Fraction? = nil, base: Int64 = 5_000_000
        )
            -> TPPDecision
        {
            TPPEligibility.decide(
                base: base, golongan: golongan, kind: .pns, predikat: predikat, predikatPeriod: period, month: "2026-03", factor: factor, attendance: none,
                policy: policy)
        }
        #expect(decide(golongan: "IX/z") == .blocked("no tax band for golongan 'IX/z' (PNS)"))
        #expect(decide(predikat: nil) == .blocked("no predikat yet for period 2026-03"))
        #expect(decide(predikat: nil, period: "") == .blocked("no periodic period contains 2026-03"))
        // A factor from a plugin needs no predikat.
        guard case .paid(let byFactor, let factorLine) = decide(predikat: nil, factor: Fraction.percent(80)) else {
            Issue.record("a given factor was not paid")
            return
        }
        #expect(factorLine == "factor 80%")
        #expect(byFactor.kinerjaFactor == Fraction.percent(80))
        // From the predikat: the same amounts as the calculator, and the line names the predikat and its period.
        guard case .paid(let paid, let line) = decide() else {
            Issue.record("baik was not paid")
            return
        }
        #expect(line.hasPrefix("predikat Baik (period 2026-03) → factor 100%"))
        let expected = try TPPCalculator.compute(base: 5_000_000, predikat: .baik, attendance: none, golongan: "III/b", kind: .pns, policy: policy)
        #expect(paid == expected)
        // Out of bounds: blocked with the reason, never a trap.
        guard case .blocked(let reason) = decide(factor: Fraction.percent(1000), base: .max) else {
            Issue.record("ten times Int64.max was paid")
            return
        }
        #expect(reason.hasPrefix("not computable:"))
    }
}

@Suite struct SKPStatusMachineTests {
    @Test func everyStatusAndAction() {
        let table: [(SKPStatus, SKPAction, SKPStatus?)] = [
            (.draft, .submit, .submitted), (.returned, .submit, .submitted), (.submitted, .submit, nil), (.approved, .submit, nil),
            (.submitted, .approve, .approved), (.draft, .approve, nil), (.returned, .approve, nil), (.approved, .approve, nil),
            (.submitted, .return, .returned), (.draft, .return, nil), (.returned, .return, nil), (.approved, .return, nil),
            (.approved, .revise, .returned), (.draft, .revise, nil), (.submitted, .revise, nil), (.returned, .revise, nil),
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

    @Test func anApprovedSKPIsRevisedOnlyWhileItsYearIsInPlanningOrRunning() throws {
        let year = try PeriodID("2026")
        for state in PeriodState.allCases {
            let refusal = SKPAction.revise.periodRefusal(annual: year, state: state)
            #expect((refusal == nil) == (state == .planning || state == .running), "\(state)")
            #expect(SKPAction.approve.periodRefusal(annual: year, state: state) == nil)
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
