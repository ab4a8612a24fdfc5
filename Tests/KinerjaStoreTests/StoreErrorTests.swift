import Foundation
import GRDB
import KinerjaCore
import Testing

@testable import KinerjaStore

/// A store refusal is a value: its code, its message and the item it is about, so callers need not parse text.
@Suite struct StoreErrorTests {
    @Test func missingThingsNameTheirItem() throws {
        let store = try Store.inMemory()
        let period = PeriodID(year: 2031, kind: .annual, index: 0)
        try store.writer.read { db in
            #expect(throws: StoreError.noSuchEmployee("199001012020011001")) { try OrganisationStore.requireEmployee(db, nip: "199001012020011001") }
            #expect(throws: StoreError(.notFound, "period 2031 does not exist", item: .period(period))) { try PeriodStore.require(db, period) }
            let long = String(repeating: "u", count: 500)
            do {
                _ = try OrganisationStore.requireUnit(db, code: long)
                Issue.record("an unknown unit was found")
            } catch let error as StoreError {
                #expect(error.code == .notFound)
                #expect(error.item == .unit(code: long))
                #expect(error.message.utf8.count < 200, "the message quotes a bounded part of the code")
            }
        }
    }

    @Test func stateRefusalsNameThePeriod() throws {
        let store = try Store.inMemory()
        let period = PeriodID(year: 2031, kind: .annual, index: 0)
        try store.writer.write { db in
            _ = try PeriodStore.create(db, year: 2031, periodicity: .quarterly, now: Date(timeIntervalSince1970: 1_900_000_000))
            do {
                _ = try PeriodStore.create(db, year: 2031, periodicity: .quarterly, now: Date(timeIntervalSince1970: 1_900_000_000))
                Issue.record("a second 2031 was created")
            } catch let error as StoreError {
                #expect(error.code == .failedPrecondition)
                #expect(error.item == .period(period))
            }
            #expect(throws: StoreError.self) { try PeriodStore.requireRatable(db, period) }
        }
    }
}
