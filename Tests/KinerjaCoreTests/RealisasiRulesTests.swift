import Foundation
import Testing

@testable import KinerjaCore

@Suite struct RealisasiRulesTests {
    @Test func oneRealisasiMeetsTheSameRulesAsARowOfAFile() throws {
        func content(
            _ numeric: Bool, value: String = "", text: String = "", evidence: String = ""
        ) -> Result<(value: Double?, text: String), RealisasiRules.Refusal> {
            RealisasiRules.content(numeric: numeric, rhk: "R1", indicator: "I1", valueText: value, text: text, evidence: evidence, note: "")
        }
        #expect(try content(true, value: "12,5").get().value == 12.5)
        #expect(try content(true, value: "12").get().text == "12", "the value as written is kept as its text")
        #expect(throws: RealisasiRules.Refusal("value", "indicator R1/I1 has a numeric target: give a value")) { try content(true).get() }
        #expect(throws: RealisasiRules.Refusal.self) { try content(true, value: "-1").get() }
        #expect(throws: RealisasiRules.Refusal.self) { try content(true, value: "nan").get() }
        #expect(try content(false, text: "Sesuai").get().value == nil)
        #expect(try content(false, value: "3").get().value == 3, "a number for a qualitative target is kept")
        #expect(throws: RealisasiRules.Refusal("text", "indicator R1/I1 has a qualitative target: describe the realisasi in text")) {
            try content(false).get()
        }
        let links = (0..<21).map { "https://x.example/\($0)" }.joined(separator: " ")
        #expect(throws: RealisasiRules.Refusal.self) { try content(false, text: "a", evidence: links).get() }
        let p = try PeriodID("2026-03")
        #expect(RealisasiRules.periodRefusal(p, state: .closed)?.message == "period 2026-03 is closed: realisasi cannot change")
        #expect(RealisasiRules.periodRefusal(p, state: .assessment) == nil)
        #expect(RealisasiRules.skpRefusal(nip: "1", annual: p.annual, status: .submitted)?.column == "nip")
        #expect(RealisasiRules.skpRefusal(nip: "1", annual: p.annual, status: .approved) == nil)
    }

    @Test func theDeadlineBindsUntilItsLastDayAndAnExtensionOnlyMovesItLater() throws {
        let p = try PeriodID("2026-03")
        let deadline = try #require(CivilDate(iso: "2026-04-10"))
        let day = { (s: String) in CivilDate(iso: s)! }
        #expect(FilingDeadline.refusal(period: p, deadline: deadline, extendedUntil: nil, today: day("2026-04-10")) == nil)
        let late = FilingDeadline.refusal(period: p, deadline: deadline, extendedUntil: nil, today: day("2026-04-11"))
        #expect(late?.contains("its batas pengisian 2026-04-10") == true)
        #expect(FilingDeadline.refusal(period: p, deadline: deadline, extendedUntil: day("2026-04-15"), today: day("2026-04-15")) == nil)
        #expect(
            FilingDeadline.refusal(period: p, deadline: deadline, extendedUntil: day("2026-04-15"), today: day("2026-04-16"))?.contains(
                "the extension granted until 2026-04-15") == true)
        #expect(FilingDeadline.inForce(period: deadline, extendedUntil: day("2026-04-01")) == deadline, "an earlier date never shortens it")
    }
}

@Suite struct BeingFilledTests {
    @Test func theOpenPeriodWhoseDeadlineComesFirstIsBeingFilled() throws {
        let d = { (s: String) in CivilDate(iso: s)! }
        let annual = try PeriodID("2026")
        func month(_ m: Int, _ state: PeriodState) throws -> (id: PeriodID, state: PeriodState, deadline: CivilDate, hasChildren: Bool) {
            let id = try PeriodID(String(format: "2026-%02d", m))
            return (id, state, id.defaultDeadline, false)
        }
        let periods = [(annual, PeriodState.running, d("2027-01-10"), true), try month(2, .running), try month(3, .running), try month(4, .draft)]
        // On 5 March February is still being filled (deadline 10 March); on 11 March it is March.
        #expect(FilingDeadline.beingFilled(periods, today: d("2026-03-05")) == (try PeriodID("2026-02")))
        #expect(FilingDeadline.beingFilled(periods, today: d("2026-03-11")) == (try PeriodID("2026-03")))
        // Every deadline past: the latest started; nothing started: none.
        #expect(FilingDeadline.beingFilled(periods, today: d("2026-05-20")) == (try PeriodID("2026-03")))
        #expect(FilingDeadline.beingFilled(periods, today: d("2025-12-01")) == nil)
        // An annual period without children is filled itself.
        #expect(FilingDeadline.beingFilled([(annual, .running, d("2027-01-10"), false)], today: d("2026-06-01")) == annual)
    }
}
