import Testing

@testable import KinerjaCore

@Suite struct PredikatMatrixTests {
    @Test(arguments: [
        (Rating.diAtas, Rating.diBawah, Predikat.kurang),
        (.diAtas, .sesuai, .baik),
        (.diAtas, .diAtas, .sangatBaik),
        (.sesuai, .diBawah, .kurang),
        (.sesuai, .sesuai, .baik),
        (.sesuai, .diAtas, .baik),
        (.diBawah, .diBawah, .sangatKurang),
        (.diBawah, .sesuai, .butuhPerbaikan),
        (.diBawah, .diAtas, .butuhPerbaikan),
    ])
    func allNineCells(hasil: Rating, perilaku: Rating, expected: Predikat) {
        #expect(Predikat.from(hasilKerja: hasil, perilakuKerja: perilaku) == expected)
    }

    @Test func spellings() {
        #expect(Rating(text: "di atas ekspektasi") == .diAtas)
        #expect(Rating(text: "Di Atas Ekspektasi") == .diAtas)
        #expect(Rating(text: "diatas") == .diAtas)
        #expect(Rating(text: "DI_BAWAH") == .diBawah)
        #expect(Rating(text: "Sesuai Ekspektasi") == .sesuai)
        #expect(Rating(text: "bagus") == nil)
        #expect(Predikat.kurang.officialName == "Kurang/Misconduct")
        #expect(Predikat(text: "Sangat Baik") == .sangatBaik)
        #expect(Predikat(text: "Kurang/Misconduct") == .kurang)
        #expect(Predikat.sangatBaik > .baik)
    }
}

@Suite struct TPPTests {
    func tpp(_ base: Int64, _ p: Predikat, _ a: Attendance, _ gol: String, _ kind: EmployeeKind = .pns) throws -> TPPBreakdown {
        try TPPCalculator.compute(base: base, predikat: p, attendance: a, golongan: gol, kind: kind)
    }

    @Test func workedExampleOne() throws {
        let r = try tpp(5_000_000, .baik, Attendance(tl1: 2, psw2: 1, tk: 1), "III/b")
        #expect((r.kinerja, r.disiplin, r.gross, r.tax, r.net) == (3_000_000, 1_700_000, 4_700_000, 235_000, 4_465_000))
        #expect(r.deductionTotal.percentText() == "6")
    }

    @Test func workedExampleTwo() throws {
        let r = try tpp(3_250_000, .butuhPerbaikan, Attendance(tk: 12, sanctionPercent: 20), "II/c")
        #expect((r.kinerja, r.disiplin, r.gross, r.tax, r.net) == (1_462_500, 0, 1_170_000, 0, 1_170_000))
    }

    @Test func workedExampleThree() throws {
        let r = try tpp(4_123_457, .sangatKurang, Attendance(tl3: 1), "IV/a")
        #expect((r.kinerja, r.disiplin, r.gross, r.tax, r.net) == (618_519, 1_587_531, 2_206_050, 330_908, 1_875_142))
    }

    @Test func kupangActivityFactorExample() throws {
        let r = try TPPCalculator.compute(base: 4_000_000, factor: Fraction.min(.one, Fraction(5400, 6750)), attendance: Attendance(tl2: 1), taxPercent: 5)
        #expect((r.kinerja, r.disiplin, r.gross, r.tax, r.net) == (1_920_000, 1_560_000, 3_480_000, 174_000, 3_306_000))
    }

    @Test func roundingAtHalfGoesUp() throws {
        // 1,000,001 × 60% × 75% = 450,000.45 → 450,000; 1,000,005 × 60% × 75% = 450,002.25; 101 × 5% = 5.05
        #expect(try Fraction(1, 2).rounded() == 1)
        #expect(try Fraction(3, 2).rounded() == 2)
        #expect(try Fraction(5, 2).rounded() == 3)
        #expect(try Fraction(249, 100).rounded() == 2)
        // base 10: kinerja = 10 × 60% × 25% = 1.5 → 2
        let r = try tpp(10, .sangatKurang, .none, "III/a")
        #expect(r.kinerja == 2)
        // disiplin 10 × 40% = 4; gross 6; tax 5% of 6 = 0.3 → 0
        #expect((r.disiplin, r.gross, r.tax) == (4, 6, 0))
        // 30 gross × 5% = 1.5 → 2
        let s = try tpp(50, .baik, .none, "III/a")
        #expect(s.gross == 50 && s.tax == 3)  // 2.5 → 3
    }

    @Test func fullSanctionAndDeductionsBeyondTheShare() throws {
        let r = try tpp(5_000_000, .sangatBaik, Attendance(tl4: 30, sanctionPercent: 100), "IV/e")
        #expect(r.disiplin == 0)
        #expect(r.gross == 0 && r.tax == 0 && r.net == 0)
    }

    @Test func pppkBands() throws {
        #expect(try tpp(1_000_000, .baik, .none, "VIII", .pppk).taxPercent == 0)
        #expect(try tpp(1_000_000, .baik, .none, "IX", .pppk).taxPercent == 5)
        #expect(try tpp(1_000_000, .baik, .none, "XII", .pppk).taxPercent == 5)
        #expect(try tpp(1_000_000, .baik, .none, "XIII", .pppk).taxPercent == 15)
        #expect(try tpp(1_000_000, .baik, .none, "XVII", .pppk).tax == 150_000)
        #expect(throws: ValidationError.self) { try tpp(1_000_000, .baik, .none, "V/a") }
    }

    @Test func attendanceValidation() {
        #expect(throws: ValidationError.self) { try Attendance(sanctionPercent: 10).validate() }
        #expect(throws: ValidationError.self) { try Attendance(tk: -1).validate() }
        #expect(throws: Never.self) { try Attendance(sanctionPercent: 20).validate() }
        #expect(throws: Never.self) { try Attendance(sanctionPercent: 0).validate() }
    }
}
