import Foundation
import GRDB
import GRPCCore
import KinerjaCore
import KinerjaStore

/// Realisasi and daily-activity imports: validated against the periods, SKPs and the caller's rights, all or nothing.
enum MonitoringImport {
    struct Plan<Row> {
        var errors: [RowError] = []
        var writes: [Row] = []
        var counts = ImportCounts()
        var rows = 0
    }

    /// The core's realisasi plan over the store's snapshot; a gateway files for the employee it acts for only.
    static func planRealisasi(_ db: Database, _ decoded: CSVDecoding.Decoded, caller: Caller) throws -> RealisasiImport.Plan {
        let employees = try OrganisationStore.allNIPs(db)
        return try RealisasiImport.plan(
            decoded.table, delimiter: decoded.delimiter, isEmployee: employees.contains,
            actingFor: caller.role == .gateway ? caller.actorNIP : nil, source: RealisasiStore.ImportSource(db))
    }

    typealias ActivityRow = ActivityStore.Entry

    static let activityColumns = ["nip", "date", "description", "rhk_id", "minutes", "evidence"]

    static func planActivities(_ db: Database, _ decoded: CSVDecoding.Decoded, caller: Caller) throws -> Plan<ActivityRow> {
        var plan = Plan<ActivityRow>()
        let columns = ColumnMap(table: decoded.table, known: activityColumns, required: ["nip", "date", "description", "minutes"], errors: &plan.errors)
        if !plan.errors.isEmpty { return plan }
        plan.rows = decoded.table.records.count
        let employees = try OrganisationStore.employeesByNIP(db)
        let periods = try PeriodStore.all(db)
        let periodStates = periods.map { (id: $0.id, state: $0.state) }
        let today = AgencyClock(zone: try OrganisationStore.agency(db).timeZone).today
        var rhkByYear: [Int: [String: Set<String>]] = [:]
        var seen: [String: Int] = [:]
        var lines: [Int] = []
        for record in decoded.table.records {
            if let e = columns.checkWidth(record, delimiter: decoded.delimiter) {
                plan.errors.append(e)
                continue
            }
            func fail(_ column: String?, _ message: String) { plan.errors.append(RowError(line: record.line, column: column, message: message)) }
            let nip = columns.value("nip", record) ?? ""
            guard let employee = employees[nip] else {
                fail("nip", nip.isEmpty ? "NIP is empty" : "unknown employee \(nip)")
                continue
            }
            if !employee.active { fail("nip", "\(nip) is not active") }
            if caller.role == .gateway && caller.actorNIP != nip {
                fail("nip", "a gateway acting for \(caller.actorNIP.isEmpty ? "nobody" : caller.actorNIP) may not log activities for \(nip)")
                continue
            }
            let dateText = columns.value("date", record) ?? ""
            guard let date = CivilDate(iso: dateText) else {
                fail("date", "'\(dateText)' is not a date YYYY-MM-DD")
                continue
            }
            if let why = ActivityRules.dateRefusal(date, today: today, periods: periodStates) {
                fail("date", why)
                continue
            }
            let description = columns.value("description", record) ?? ""
            let minutesText = columns.value("minutes", record) ?? ""
            if let refusal = ActivityRules.entryRefusal(description: description, minutesText: minutesText, evidence: columns.value("evidence", record) ?? "") {
                fail(refusal.column, refusal.message)
                continue
            }
            let minutes = Int(minutesText)!
            let rhk = columns.value("rhk_id", record) ?? ""
            if !rhk.isEmpty {
                if rhkByYear[date.year] == nil { rhkByYear[date.year] = try SKPStore.rhkIDs(db, period: PeriodID(year: date.year, kind: .annual, index: 0)) }
                if !(rhkByYear[date.year]?[nip]?.contains(rhk) ?? false) {
                    fail("rhk_id", "\(nip) has no RHK '\(rhk)' in the SKP for \(date.year)")
                    continue
                }
            }
            let key = "\(nip)|\(date)|\(description)"
            if let first = seen[key] {
                fail("description", "the same activity on \(date) already appears on line \(first)")
                continue
            }
            seen[key] = record.line
            lines.append(record.line)
            plan.writes.append(
                ActivityRow(nip: nip, date: date, description: description, rhk: rhk, minutes: minutes, evidence: columns.value("evidence", record) ?? ""))
        }
        // Per employee and day, the stored entries (those the file replaces count with their new minutes) and the
        // file's together are at most a day.
        let stored = try ActivityStore.minutes(db, dates: Set(plan.writes.map(\.date.description)))
        var day: [String: [String: Int]] = [:]
        var firstLine: [String: Int] = [:]
        for (w, line) in zip(plan.writes, lines) {
            let key = "\(w.nip)|\(w.date)"
            if day[key] == nil { day[key] = stored[key] ?? [:] }
            day[key]![w.description] = w.minutes
            firstLine[key] = firstLine[key] ?? line
            if let why = ActivityRules.dayRefusal(nip: w.nip, date: w.date, total: day[key]!.values.reduce(0, +)) {
                plan.errors.append(RowError(line: line, column: "minutes", message: why))
            }
        }
        if plan.errors.isEmpty {
            for w in plan.writes {
                if stored["\(w.nip)|\(w.date)"]?[w.description] != nil { plan.counts.updated += 1 } else { plan.counts.added += 1 }
            }
        }
        return plan
    }

}

extension RealisasiImport.Write {
    /// The row as the store writes it.
    var entry: RealisasiStore.Entry {
        .init(period: period, annual: annual, nip: nip, rhk: rhk, indicator: indicator, value: value, text: text, evidence: evidence, note: note)
    }
}
