import Foundation
import GRDB
import KinerjaCore
import KinerjaStore

/// Time as the agency sees it: "today" and deadlines in its IANA zone. The daemon reads the system clock
/// (tests shift it with faketime); the rules in KinerjaCore take plain dates.
struct AgencyClock: Sendable {
    let zone: TimeZone
    let now: @Sendable () -> Date

    init(zone identifier: String, now: @escaping @Sendable () -> Date = { Date() }) {
        self.zone = TimeZone(identifier: identifier) ?? TimeZone(identifier: "Asia/Jakarta")!
        self.now = now
    }

    /// The agency's clock as it stood at `instant` (the daemon's injected clock's reading).
    static func agency(_ db: Database, at instant: Date) throws -> AgencyClock {
        AgencyClock(zone: try OrganisationStore.agency(db).timeZone, now: { instant })
    }

    var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = zone
        return c
    }

    var today: CivilDate { date(of: now()) }

    func date(of instant: Date) -> CivilDate {
        let c = calendar.dateComponents([.year, .month, .day], from: instant)
        return CivilDate(year: c.year!, month: c.month!, day: c.day!)!
    }

    /// The last second of `day` in the agency's zone.
    func endOfDay(_ day: CivilDate) -> Date {
        let start = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day))!
        return calendar.date(byAdding: .second, value: 86_399, to: start)!
    }

    var label: String { AgencyZone.labels[zone.identifier] ?? zone.identifier }
}
