import Testing

@testable import KinerjaCore

@Suite struct NIPTests {
    @Test func validPNS() throws {
        let nip = try NIP("198503152010011001", kind: .pns)
        #expect(nip.birthDate == CivilDate(year: 1985, month: 3, day: 15))
        #expect(nip.appointmentYear == 2010)
        #expect(nip.appointmentMonth == 1)
        #expect(nip.gender == .male)
    }

    @Test func validPPPK() throws {
        let nip = try NIP("199006062021212006", kind: .pppk)
        #expect(nip.birthDate == CivilDate(year: 1990, month: 6, day: 6))
        #expect(nip.appointmentYear == 2021)
        #expect(nip.appointmentMonth == nil)
        #expect(nip.gender == .female)
    }

    @Test func leapDayBirth() throws {
        _ = try NIP("198402292010012001", kind: .pns)
        #expect(throws: NIP.Invalid.self) { try NIP("198502292010012001", kind: .pns) }
    }

    @Test(arguments: [
        ("19850315201001100", EmployeeKind.pns, "has 17 digits"),
        ("1985031520100110011", .pns, "has 19 digits"),
        ("19850315201001100A", .pns, "digits only"),
        ("", .pns, "empty"),
        ("198513152010011001", .pns, "birth date 19851315"),
        ("198502302010011001", .pns, "not a real date"),
        ("198503152010131001", .pns, "month 13"),
        ("198503152010003001", .pns, "month 00"),
        ("198503152010013001", .pns, "gender digit 15 must be 1 (male) or 2 (female), found 3"),
        ("198503152010011000", .pns, "sequence"),
        ("198503151980011001", .pns, "not after the birth date"),
        ("199006062021212006", .pns, "looks like an NI PPPK"),
        ("198503152010011001", .pppk, "digit 13 must be 2"),
        ("199006062021202006", .pppk, "frequency digit 14 must be 1–9, found 0"),
        ("199006062021213006", .pppk, "gender digit 15"),
    ])
    func invalid(text: String, kind: EmployeeKind, fragment: String) {
        do {
            _ = try NIP(text, kind: kind)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    @Test func golongan() throws {
        #expect(try Golongan.normalize("iii/B", kind: .pns) == "III/b")
        #expect(try Golongan.normalize("IV/e", kind: .pns) == "IV/e")
        #expect(try Golongan.normalize("ix", kind: .pppk) == "IX")
        #expect(throws: ValidationError.self) { try Golongan.normalize("V/a", kind: .pns) }
        #expect(throws: ValidationError.self) { try Golongan.normalize("I/e", kind: .pns) }
        #expect(throws: ValidationError.self) { try Golongan.normalize("III/b", kind: .pppk) }
        #expect(throws: ValidationError.self) { try Golongan.normalize("XVIII", kind: .pppk) }
        #expect(Golongan.pns.count == 17)
        #expect(Golongan.group("III/b", kind: .pns) == 3)
        #expect(Golongan.group("XIII", kind: .pppk) == 13)
    }

    @Test func zones() throws {
        #expect(try AgencyZone.validate("Asia/Makassar") == "Asia/Makassar")
        #expect(throws: ValidationError.self) { try AgencyZone.validate("Asia/Singapore") }
        #expect(throws: ValidationError.self) { try AgencyZone.validate("UTC") }
    }

    @Test func civilDateArithmetic() {
        let d = CivilDate(year: 2026, month: 1, day: 31)!
        #expect(d.adding(days: 1) == CivilDate(year: 2026, month: 2, day: 1))
        #expect(CivilDate(year: 2024, month: 2, day: 28)!.adding(days: 1) == CivilDate(year: 2024, month: 2, day: 29))
        #expect(CivilDate(year: 1970, month: 1, day: 1)!.daysSinceEpoch == 0)
        #expect(CivilDate(year: 2026, month: 11, day: 22)!.weekday == 0)  // a Sunday
        #expect(CivilDate(iso: "2026-02-29") == nil)
        #expect(CivilDate(iso: "2028-02-29")?.description == "2028-02-29")
    }
}
