import Testing

@testable import KinerjaCore

@Suite struct PeriodTests {
    @Test func idsAndDates() throws {
        #expect(try PeriodID("2026").kind == .annual)
        #expect(try PeriodID("2026-03").dates == (CivilDate(year: 2026, month: 3, day: 1)!, CivilDate(year: 2026, month: 3, day: 31)!))
        #expect(try PeriodID("2028-02").dates.end == CivilDate(year: 2028, month: 2, day: 29))
        #expect(try PeriodID("2026-q2").description == "2026-Q2")
        #expect(try PeriodID("2026-Q4").dates.start == CivilDate(year: 2026, month: 10, day: 1))
        #expect(try PeriodID("2026-S2").dates == (CivilDate(year: 2026, month: 7, day: 1)!, CivilDate(year: 2026, month: 12, day: 31)!))
        for bad in ["26", "2026-13", "2026-Q5", "2026-S3", "abcd", "2026-", "1999"] {
            #expect(throws: ValidationError.self, "\(bad)") { try PeriodID(bad) }
        }
        #expect(PeriodID.children(of: 2026, .monthly).count == 12)
        #expect(PeriodID.children(of: 2026, .quarterly).map(\.description) == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"])
        #expect(PeriodID.children(of: 2026, .semester).count == 2)
        #expect(PeriodID.children(of: 2026, .none).isEmpty)
    }

    @Test func defaultDeadlines() throws {
        #expect(try PeriodID("2026-03").defaultDeadline.description == "2026-04-10")
        #expect(try PeriodID("2026-12").defaultDeadline.description == "2027-01-10")
        #expect(try PeriodID("2026-Q1").defaultDeadline.description == "2026-04-10")
        #expect(try PeriodID("2026-S2").defaultDeadline.description == "2027-01-10")
        #expect(try PeriodID("2026").defaultDeadline.description == "2027-01-10")
        #expect(try PeriodID("2026").defaultSKPDeadline.description == "2026-01-31")
    }

    func facts(
        _ id: String, _ state: PeriodState, parent: PeriodState? = nil, children: [PeriodState] = [], today: String = "2027-02-01"
    ) throws -> TransitionFacts {
        TransitionFacts(id: try PeriodID(id), state: state, parentState: parent, childStates: children, today: CivilDate(iso: today)!)
    }

    @Test func everyLegalStep() throws {
        var f = try facts("2026", .draft)
        f.activeEmployees = 3
        f.approvedSKPs = 3
        for expected: PeriodState in [.planning, .running, .assessment, .closed] {
            let next = try PeriodRules.advance(f, force: false)
            #expect(next == expected)
            f.state = next
        }
        #expect(throws: TransitionRefusal.self) { try PeriodRules.advance(f, force: true) }  // closed: only reopen
    }

    @Test func refusalsAndForce() throws {
        // Missing SKPs block running (annual), with counts.
        var f = try facts("2026", .planning)
        f.activeEmployees = 10
        f.approvedSKPs = 7
        do {
            _ = try PeriodRules.advance(f, force: false)
            Issue.record("advanced")
        } catch {
            #expect(error.reason.contains("3 active employees have no approved SKP"))
            #expect(error.counts == ["active_employees": 10, "approved_skp": 7])
        }
        #expect(try PeriodRules.advance(f, force: true) == .running)
        // Assessment only after the period ends.
        #expect(throws: TransitionRefusal.self) { try PeriodRules.advance(try facts("2026-03", .running, parent: .running, today: "2026-03-31"), force: false) }
        #expect(try PeriodRules.advance(try facts("2026-03", .running, parent: .assessment, today: "2026-04-01"), force: false) == .assessment)
        // A child cannot go ahead of its parent.
        #expect(throws: TransitionRefusal.self) { try PeriodRules.advance(try facts("2026-Q1", .draft, parent: .draft), force: false) }
        #expect(try PeriodRules.advance(try facts("2026-Q1", .draft, parent: .planning), force: false) == .planning)
        #expect(throws: TransitionRefusal.self) { try PeriodRules.advance(try facts("2026-Q1", .planning, parent: .planning), force: false) }
        // A month closes while its year is still running (no deadlock with "the year closes after its months").
        #expect(try PeriodRules.advance(try facts("2026-Q1", .assessment, parent: .running), force: false) == .closed)
        // The annual period closes only after its children.
        #expect(throws: TransitionRefusal.self) { try PeriodRules.advance(try facts("2026", .assessment, children: [.closed, .assessment]), force: false) }
        #expect(try PeriodRules.advance(try facts("2026", .assessment, children: [.closed, .closed]), force: false) == .closed)
        // Unrated employees block closing.
        var unrated = try facts("2026-Q1", .assessment, parent: .assessment)
        unrated.unrated = 2
        #expect(throws: TransitionRefusal.self) { try PeriodRules.advance(unrated, force: false) }
    }
}
