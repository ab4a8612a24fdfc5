import Foundation
import PropertyBased
import Testing

@testable import KinerjaCore

@Suite struct AccountRulesTests {
    static let nip = "199002022015022002"

    @Test func passwordsMustBeLongNotTheNIPAndNotCommon() {
        #expect(PasswordRules.refusal("Kinerja!Bagus-2026", nip: Self.nip) == nil)
        #expect(PasswordRules.refusal("kata sandi panjang sekali", nip: Self.nip) == nil)
        #expect(PasswordRules.refusal("pendek", nip: Self.nip) == "a password needs at least 10 characters")
        #expect(PasswordRules.refusal("x" + Self.nip, nip: Self.nip) == "a password may not contain the NIP")
        #expect(PasswordRules.refusal("Bismillah123", nip: Self.nip) == "this password is too easy to guess: choose another")
        #expect(PasswordRules.refusal("ababababababab", nip: Self.nip) == "this password is too easy to guess: choose another")
        #expect(PasswordRules.refusal(String(repeating: "é", count: 37), nip: Self.nip) == "a password may be at most 72 bytes long")
        #expect(PasswordRules.refusal("sandi\u{0}rahasia-ku", nip: Self.nip) == "a password may not contain control characters")
        // Ten characters of any script count as ten.
        #expect(PasswordRules.refusal("ｋｉｎｅｒｊａｂａｉｋ", nip: Self.nip) == nil)
    }

    @Test func codesHave128BitsAndReadBackHoweverTheyAreTyped() async {
        var random = SystemRandomNumberGenerator()
        var seen = Set<String>()
        for _ in 0..<200 {
            let code = ActivationCode.make(using: &random)
            #expect(code.count == 32)
            #expect(ActivationCode.normalised(code) == code.replacingOccurrences(of: "-", with: ""))
            #expect(ActivationCode.normalised(code.lowercased().replacingOccurrences(of: "-", with: " ")) == ActivationCode.normalised(code))
            seen.insert(code)
        }
        #expect(seen.count == 200)
        // Crockford: O reads as 0, I and L as 1; anything else outside the alphabet, or the wrong length, is no code.
        #expect(ActivationCode.normalised("oooo-iiii-llll-0000-0000-0000-00") == "00001111111100000000000000")
        #expect(ActivationCode.normalised("UUUU-0000-0000-0000-0000-0000-00") == nil)
        #expect(ActivationCode.normalised("0000-0000") == nil)
        #expect(ActivationCode.normalised(String(repeating: "0", count: 27)) == nil)
        await propertyCheck(input: Gen.latin1.string(of: 0...40)) { text in
            if let n = ActivationCode.normalised(text) {
                #expect(n.count == 26)
                #expect(n.utf8.allSatisfy { ActivationCode.alphabet.contains($0) })
            }
        }
    }

    @Test func fiveFailuresWithinTheWindowLock() {
        let t0 = Date(timeIntervalSince1970: 1_800_000_000)
        let four = (0..<4).map { t0.addingTimeInterval(Double($0) * 60) }
        #expect(LoginLockout.lockedUntil(afterFailureAt: t0.addingTimeInterval(240), earlier: Array(four.prefix(3))) == nil)
        #expect(LoginLockout.lockedUntil(afterFailureAt: t0.addingTimeInterval(300), earlier: four) == t0.addingTimeInterval(300 + 900))
        // The first failure is 15 minutes old at the fifth: it no longer counts.
        #expect(LoginLockout.lockedUntil(afterFailureAt: t0.addingTimeInterval(900), earlier: four) == nil)
        #expect(LoginLockout.counting(four, now: t0.addingTimeInterval(930)).count == 3)
        #expect(LoginLockout.counting(four, now: t0.addingTimeInterval(960)).count == 2)
    }
}

@Suite struct FeedbackRelationTests {
    @Test func theSourceFollowsTheSupervisorLinks() throws {
        func employee(_ nip: String, supervisor: String?) -> Employee {
            Employee(nip: nip, name: nip, kind: .pns, golongan: "III/a", jenisJabatan: .pelaksana, kelasJabatan: 7, unitCode: "U1", supervisorNIP: supervisor)
        }
        let head = employee("1", supervisor: nil)
        let a = employee("2", supervisor: "1")
        let b = employee("3", supervisor: "1")
        let c = employee("4", supervisor: "2")
        #expect(try FeedbackRelation.source(rater: head, subject: a).get() == "atasan")
        #expect(try FeedbackRelation.source(rater: a, subject: head).get() == "bawahan")
        #expect(try FeedbackRelation.source(rater: a, subject: b).get() == "rekan")
        #expect(throws: ValidationError.self) { try FeedbackRelation.source(rater: head, subject: c).get() }
        #expect(throws: ValidationError.self) { try FeedbackRelation.source(rater: a, subject: a).get() }
        #expect(throws: ValidationError.self) { try FeedbackRelation.source(rater: head, subject: employee("5", supervisor: nil)).get() }
    }
}
