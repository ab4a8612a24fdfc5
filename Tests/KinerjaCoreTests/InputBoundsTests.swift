import Testing

@testable import KinerjaCore

/// Exact arithmetic never traps: overflow and division by zero are errors.
@Suite struct FractionSafetyTests {
    @Test func overflowIsAnErrorNotATrap() {
        let huge = Fraction(Int128.max / 2)
        #expect(throws: FractionError.outOfRange) { try huge + huge + huge }
        #expect(throws: FractionError.outOfRange) { try huge * Fraction(3) }
        #expect(throws: FractionError.divisionByZero) { try Fraction(1) / Fraction(0) }
        #expect(throws: FractionError.outOfRange) { try Fraction.decimal(1e33) }
        #expect(throws: FractionError.outOfRange) { try Fraction.decimal(.infinity) }
        #expect(throws: FractionError.outOfRange) { try Fraction.decimal(.nan) }
        #expect(throws: FractionError.outOfRange) { try Fraction(Int128(Int64.max) * 4).rounded() }
    }

    @Test func comparisonIsExactEvenWhereProductsOverflow() {
        let a = Fraction(Int128.max - 1, Int128.max)
        let b = Fraction(Int128.max - 2, Int128.max - 1)
        #expect(b < a)
        #expect(!(a < b))
        #expect(Fraction(-1, 3) < Fraction(1, 3))
    }

    @Test func textNeverTrapsAndRoundsHalfUp() throws {
        #expect(Fraction(1, 8).decimalText(places: 2) == "0.13")
        #expect(Fraction(-1, 8).decimalText(places: 2) == "-0.13")
        #expect(Fraction(999, 1000).decimalText(places: 2) == "1.00")
        #expect(Fraction(3, 8).percentText() == "37.5")
        #expect(Fraction(Int128.max, 3).decimalText(places: 2).hasSuffix(".33"))
        #expect(try Fraction.decimal(0.99) == Fraction(99, 100))
        #expect(AngkaKredit.text(try Fraction(25, 2) / Fraction(12)) == "1.04")
    }

    @Test func arithmeticAgreesWithIntegersWhereItFits() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let a = Int128(Int64.random(in: -1_000_000...1_000_000, using: &rng))
            let b = Int128(Int64.random(in: 1...1_000, using: &rng))
            let c = Int128(Int64.random(in: -1_000_000...1_000_000, using: &rng))
            let d = Int128(Int64.random(in: 1...1_000, using: &rng))
            let x = Fraction(a, b)
            let y = Fraction(c, d)
            #expect(try x + y == Fraction(a * d + c * b, b * d))
            #expect(try x * y == Fraction(a * c, b * d))
            #expect(try x - y == Fraction(a * d - c * b, b * d))
            #expect((x < y) == (a * d < c * b))
        }
    }

    @Test func randomExtremeOperandsNeverTrap() {
        var rng = SystemRandomNumberGenerator()
        let pool: [Int128] = [0, 1, -1, 2, .max, .min, .max - 1, .min + 1, Int128(Int64.max), Int128(Int64.min), 1_000_000]
        for _ in 0..<5_000 {
            let n1 = Bool.random(using: &rng) ? pool.randomElement(using: &rng)! : Int128(Int64.random(in: .min ... .max, using: &rng))
            let n2 = Bool.random(using: &rng) ? pool.randomElement(using: &rng)! : Int128(Int64.random(in: .min ... .max, using: &rng))
            let x = (try? Fraction.exactly(n1, n2 == 0 ? 1 : n2)) ?? .one
            let y = (try? Fraction.exactly(n2, n1 == 0 ? 7 : n1)) ?? .zero
            _ = try? x + y
            _ = try? x - y
            _ = try? x * y
            _ = try? x / y
            _ = try? x.rounded()
            _ = x < y
            _ = x.decimalText(places: 3)
            _ = x.percentText()
        }
    }
}

@Suite struct MoneyTests {
    @Test func sumsReportOverflow() throws {
        var total = Money.Total()
        try total.add(Int64.max)
        #expect(throws: FractionError.outOfRange) { try total.add(1) }
        #expect(throws: FractionError.outOfRange) { try Money.multiply(Int64.max, 2) }
        #expect(try Money.add(2, 3) == 5)
    }

    @Test func tppOfHugeBasesIsAnErrorNotATrap() throws {
        // One employee at Int64.max still fits (60 % + 40 %); the total of two does not, and says so.
        let r = try TPPCalculator.compute(base: Int64.max, factor: .one, attendance: Attendance(), taxPercent: 0)
        var total = Money.Total()
        try total.add(r.net)
        #expect(throws: FractionError.outOfRange) { try total.add(r.net) }
        #expect(throws: FractionError.outOfRange) {
            try TPPCalculator.compute(base: Int64.max, factor: Fraction(3, 2), attendance: Attendance(), taxPercent: 5)
        }
    }

    @Test(arguments: [
        ("4500000", Int64(4_500_000)), ("4.500.000", 4_500_000), ("Rp 4.500.000", 4_500_000), ("Rp4500000", 4_500_000),
        ("Rp. 4.500.000", 4_500_000), ("  6.000.000 ", 6_000_000), ("999", 999), ("1.000", 1_000), ("0", 0),
    ])
    func rupiahAcceptedForms(text: String, value: Int64) throws {
        #expect(try Rupiah.parse(text).get() == value)
    }

    @Test(arguments: [
        "4500000.00", "1.5", "1.2.3", "4,500,000", "4.500,00", "-5", "", "Rp", "12.34.567", "1.0000", ".500", "500.", "9223372036854775808", "1e6", "٤٥",
    ])
    func rupiahRefusedForms(text: String) {
        guard case .failure(let e) = Rupiah.parse(text) else {
            Issue.record("'\(text)' was accepted")
            return
        }
        #expect(e.message.contains("4.500.000"))
    }

    @Test func monthlyBaseBounds() {
        #expect((try? Rupiah.parseMonthlyBase("1.000.000.000").get()) == 1_000_000_000)
        #expect((try? Rupiah.parseMonthlyBase("1.000.000.001").get()) == nil)
        #expect((try? Rupiah.parseMonthlyBase("0").get()) == nil)
        #expect((try? Rupiah.parseMonthlyBase("9.223.372.036.854.775.807").get()) == nil)
    }

    @Test func acceptedRupiahRoundTrips() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let v = Int64.random(in: 0...9_000_000_000_000, using: &rng)
            var grouped = ""
            for (i, c) in String(v).reversed().enumerated() {
                if i > 0 && i % 3 == 0 { grouped.append(".") }
                grouped.append(c)
            }
            #expect(try Rupiah.parse(String(grouped.reversed())).get() == v)
            #expect(try Rupiah.parse("Rp " + String(v)).get() == v)
        }
    }
}

@Suite struct MeasureTests {
    @Test(arguments: ["12", "0", "-3", "1.5", "0.000001", "1000000000000", "-1000000000000", "1.5e3", "2E-6", "10.100000000"])
    func accepted(text: String) throws {
        let v = try Measure.parse(text).get()
        #expect(v == Double(text))
    }

    @Test(arguments: [
        "1e33", "1000000000000.5", "0.0000001", "NaN", "inf", "-Infinity", "1e400", "", "12 ", "1.000.000", "0x10", "1e", "--1", "1e-7", "1e99999999999",
    ])
    func refused(text: String) {
        if case .success(let v) = Measure.parse(text) { Issue.record("'\(text)' was accepted as \(v)") }
    }

    @Test func decimalCommaAndCheckedValues() throws {
        #expect(try Measure.parse("2,5", decimalComma: true).get() == 2.5)
        #expect(Measure.check(1e33) != nil)
        #expect(Measure.check(.nan) != nil)
        #expect(Measure.check(0.1234567) != nil)
        #expect(Measure.check(0.123456) == nil)
        #expect(Measure.check(1e12) == nil)
    }

    @Test func randomBytesNeverTrapAndAcceptedValuesRoundTrip() throws {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789.-+eE,xn ".utf8)
        for _ in 0..<10_000 {
            let bytes = (0..<Int.random(in: 0...24, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            let text = String(decoding: bytes, as: UTF8.self)
            if case .success(let v) = Measure.parse(text) {
                #expect(abs(v) <= Measure.maximum)
                #expect(Measure.check(v) == nil, "\(text) → \(v)")
            }
        }
    }
}

@Suite struct QuoteAndLimitTests {
    @Test func quotesAreShort() {
        let long = String(repeating: "9", count: 100_000)
        #expect(Quote.short(long).count < 120)
        #expect(Quote.short("abc") == "abc")
    }

    @Test func fieldLimits() {
        #expect(FieldLimit.name.check(String(repeating: "a", count: 200)) == nil)
        #expect(FieldLimit.name.check(String(repeating: "a", count: 201)) != nil)
        #expect(FieldLimit.name.check(String(repeating: "é", count: 150)) == nil)
        #expect(FieldLimit.checkEvidence((0..<21).map { "https://x/\($0)" }.joined(separator: " ")) != nil)
        #expect(FieldLimit.checkEvidence("https://x/" + String(repeating: "a", count: 2_001)) != nil)
        #expect(FieldLimit.checkEvidence("https://a https://b") == nil)
    }
}

@Suite struct DanglingIntervensiTests {
    func skp(_ nip: String, _ rhk: [String]) -> SKP {
        SKP(
            nip: nip, period: try! PeriodID("2026"), rhk: rhk.map { RHK(id: $0, kind: .utama, text: "t", intervensi: nil, indicators: []) },
            lampiran: Lampiran(), perilaku: [:])
    }

    @Test func removingAnIntervenedRHKIsRefusedWithTheSubordinates() {
        let links = [
            IntervensiLink(nip: "S1", rhk: "R1", supervisorNIP: "BOSS", supervisorRHK: "K1"),
            IntervensiLink(nip: "S2", rhk: "R3", supervisorNIP: "BOSS", supervisorRHK: "K2"),
        ]
        let errors = SKPRules.validateDanglingIntervensi([("skp[0] (BOSS)", skp("BOSS", ["K2"]))], stored: links)
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains("S1 R1 → K1") == true)
        #expect(errors.first?.message.contains("S2") == false)
        // The subordinate's SKP in the same file: its own references are checked elsewhere.
        #expect(SKPRules.validateDanglingIntervensi([("a", skp("BOSS", ["K2"])), ("b", skp("S1", ["R1"]))], stored: links).isEmpty)
    }
}
