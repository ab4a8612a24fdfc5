import Foundation
import GRDB
import GRPCCore
import KinerjaCore
import KinerjaStore

/// Realisasi and daily-activity imports: validated against the periods, SKPs and the caller's rights, all or nothing.
enum MonitoringImport {
    struct RealisasiRow: Equatable {
        var period: PeriodID
        var nip: String
        var rhk: String
        var indicator: String
        var value: Double?
        var text: String
        var evidence: String
        var note: String
    }

    struct Plan<Row> {
        var errors: [RowError] = []
        var writes: [Row] = []
        var counts = ImportCounts()
        var rows = 0
    }

    struct IndicatorKey: Hashable {
        var nip: String
        var rhk: String
        var indicator: String
    }

    struct RealisasiKey: Hashable {
        var period: PeriodID
        var indicator: IndicatorKey
    }

    static let realisasiColumns = ["nip", "period", "rhk_id", "indicator_id", "value", "text", "evidence", "note"]

    static func planRealisasi(_ db: Database, _ decoded: CSVDecoding.Decoded, caller: Caller) throws -> Plan<RealisasiRow> {
        var plan = Plan<RealisasiRow>()
        let columns = ColumnMap(table: decoded.table, known: realisasiColumns, required: ["nip", "period", "rhk_id", "indicator_id"], errors: &plan.errors)
        if !plan.errors.isEmpty { return plan }
        plan.rows = decoded.table.records.count
        let employees = try OrganisationStore.allNIPs(db)
        var periods: [String: PeriodRecord?] = [:]
        var periodIDs: [String: PeriodID] = [:]
        plan.writes.reserveCapacity(plan.rows)

        var statuses: [PeriodID: [String: SKPStatus]] = [:]
        // (annual, nip, rhk, indicator) → numeric target?
        var indicators: [PeriodID: [IndicatorKey: Bool]] = [:]
        var existing: [PeriodID: [RealisasiKey: RealisasiRow]] = [:]
        var seen: [RealisasiKey: Int] = [:]
        seen.reserveCapacity(plan.rows)
        for record in decoded.table.records {
            if let e = columns.checkWidth(record, delimiter: decoded.delimiter) {
                plan.errors.append(e)
                continue
            }
            func fail(_ column: String?, _ message: String) { plan.errors.append(RowError(line: record.line, column: column, message: message)) }
            let nip = columns.value("nip", record) ?? ""
            let periodText = columns.value("period", record) ?? ""
            let rhk = columns.value("rhk_id", record) ?? ""
            let ind = columns.value("indicator_id", record) ?? ""
            guard employees.contains(nip) else {
                fail("nip", nip.isEmpty ? "NIP is empty" : "unknown employee \(nip)")
                continue
            }
            if caller.role == .gateway && caller.actorNIP != nip {
                fail("nip", "a gateway acting for \(caller.actorNIP.isEmpty ? "nobody" : caller.actorNIP) may not file realisasi for \(nip)")
                continue
            }
            let period: PeriodID
            if let known = periodIDs[periodText] { period = known } else {
                do { period = try PeriodID(periodText) } catch {
                    fail("period", error.message)
                    continue
                }
                periodIDs[periodText] = period
            }
            if periods[periodText] == nil { periods[periodText] = try PeriodStore.find(db, period) }
            guard let p = periods[periodText] ?? nil else {
                fail("period", "period \(period) does not exist")
                continue
            }
            if p.state == .closed {
                fail("period", "period \(period) is closed: realisasi cannot change")
                continue
            }
            let annual = period.annual
            if statuses[annual] == nil {
                statuses[annual] = try SKPStore.statuses(db, period: annual)
                var map: [IndicatorKey: Bool] = [:]
                map.reserveCapacity(try Int.fetchOne(db, sql: "SELECT count(*) FROM indicators WHERE period_id = ?", arguments: [annual.description]) ?? 0)
                let cursor = try Row.fetchCursor(db, sql: "SELECT nip, rhk_id, indicator_id, target_value IS NOT NULL FROM indicators WHERE period_id = ?", arguments: [annual.description])
                while let r = try cursor.next() { map[IndicatorKey(nip: r[0], rhk: r[1], indicator: r[2])] = r[3] }
                indicators[annual] = map
                var old: [RealisasiKey: RealisasiRow] = [:]
                let c2 = try Row.fetchCursor(db, sql: "SELECT * FROM realisasi WHERE skp_period_id = ?", arguments: [annual.description])
                while let r = try c2.next() {
                    let row = RealisasiRow(
                        period: try PeriodID(r["period_id"] as String), nip: r["nip"], rhk: r["rhk_id"], indicator: r["indicator_id"],
                        value: r["value"], text: r["text"], evidence: r["evidence"], note: r["note"])
                    old[RealisasiKey(period: row.period, indicator: IndicatorKey(nip: row.nip, rhk: row.rhk, indicator: row.indicator))] = row
                }
                existing[annual] = old
            }
            guard let status = statuses[annual]?[nip] else {
                fail("nip", "\(nip) has no SKP for \(annual)")
                continue
            }
            guard status == .approved else {
                fail("nip", "the SKP of \(nip) for \(annual) is \(status.rawValue); realisasi is filed against an approved SKP")
                continue
            }
            let indicatorKey = IndicatorKey(nip: nip, rhk: rhk, indicator: ind)
            guard let numeric = indicators[annual]?[indicatorKey] else {
                fail("indicator_id", "\(nip)'s SKP for \(annual) has no indicator \(rhk)/\(ind)")
                continue
            }
            let valueText = columns.value("value", record) ?? ""
            let text = columns.value("text", record) ?? ""
            var value: Double?
            if numeric {
                guard let v = Double(valueText.utf8.contains(0x2C) ? valueText.replacingOccurrences(of: ",", with: ".") : valueText), v.isFinite, v >= 0 else {
                    fail("value", valueText.isEmpty ? "indicator \(rhk)/\(ind) has a numeric target: give a value" : "'\(valueText)' is not a non-negative number")
                    continue
                }
                value = v
            } else if text.isEmpty && valueText.isEmpty {
                fail("text", "indicator \(rhk)/\(ind) has a qualitative target: describe the realisasi in text")
                continue
            } else if !valueText.isEmpty {
                value = Double(valueText)
            }
            let key = RealisasiKey(period: period, indicator: indicatorKey)
            if let first = seen[key] {
                fail(nil, "realisasi for \(nip) \(rhk)/\(ind) in \(period) already appears on line \(first)")
                continue
            }
            seen[key] = record.line
            let row = RealisasiRow(
                period: period, nip: nip, rhk: rhk, indicator: ind, value: value, text: text.isEmpty ? valueText : text,
                evidence: columns.value("evidence", record) ?? "", note: columns.value("note", record) ?? "")
            if let old = existing[annual]?[key] {
                if old == row { plan.counts.unchanged += 1 } else {
                    plan.counts.updated += 1
                    plan.writes.append(row)
                }
            } else {
                plan.counts.added += 1
                plan.writes.append(row)
            }
        }
        return plan
    }

    static func writeRealisasi(_ db: Database, _ rows: [RealisasiRow]) throws {
        let now = UTCTime.format(Date())
        let statement = try BulkInsert(db, sql: """
            INSERT INTO realisasi(period_id, skp_period_id, nip, rhk_id, indicator_id, value, text, evidence, note, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(period_id, nip, rhk_id, indicator_id) DO UPDATE SET value = excluded.value, text = excluded.text,
                evidence = excluded.evidence, note = excluded.note, updated_at = excluded.updated_at
            """)
        // In key order (keeps the B-tree inserts local); period texts computed once.
        var texts: [PeriodID: (String, String)] = [:]
        let sorted = rows.sorted { ($0.period, $0.nip, $0.rhk, $0.indicator) < ($1.period, $1.nip, $1.rhk, $1.indicator) }
        for r in sorted {
            let (period, annual) = texts[r.period] ?? (r.period.description, r.period.annual.description)
            texts[r.period] = (period, annual)
            statement.bind(1, period)
            statement.bind(2, annual)
            statement.bind(3, r.nip)
            statement.bind(4, r.rhk)
            statement.bind(5, r.indicator)
            statement.bind(6, r.value)
            statement.bind(7, r.text)
            statement.bind(8, r.evidence)
            statement.bind(9, r.note)
            statement.bind(10, now)
            try statement.step()
        }
    }

    struct ActivityRow: Equatable {
        var nip: String
        var date: CivilDate
        var description: String
        var rhk: String
        var minutes: Int
        var evidence: String
    }

    static let activityColumns = ["nip", "date", "description", "rhk_id", "minutes", "evidence"]

    static func planActivities(_ db: Database, _ decoded: CSVDecoding.Decoded, caller: Caller) throws -> Plan<ActivityRow> {
        var plan = Plan<ActivityRow>()
        let columns = ColumnMap(table: decoded.table, known: activityColumns, required: ["nip", "date", "description", "minutes"], errors: &plan.errors)
        if !plan.errors.isEmpty { return plan }
        plan.rows = decoded.table.records.count
        let employees = try OrganisationStore.employeesByNIP(db)
        let periods = try PeriodStore.all(db)
        var rhkByYear: [Int: [String: Set<String>]] = [:]
        var seen: [String: Int] = [:]
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
            if let closed = periods.first(where: { $0.id.contains(date) && $0.state == .closed }) {
                fail("date", "period \(closed.id) is closed: activities on \(date) cannot change")
                continue
            }
            let description = columns.value("description", record) ?? ""
            if description.isEmpty { fail("description", "description is empty") }
            let minutesText = columns.value("minutes", record) ?? ""
            guard let minutes = Int(minutesText), (1...1440).contains(minutes) else {
                fail("minutes", "'\(minutesText)' is not a duration of 1–1440 minutes")
                continue
            }
            let rhk = columns.value("rhk_id", record) ?? ""
            if !rhk.isEmpty {
                if rhkByYear[date.year] == nil { rhkByYear[date.year] = try SKPStore.rhkIDs(db, period: PeriodID(year: date.year, kind: .annual, index: 0)) }
                if !(rhkByYear[date.year]?[nip]?.contains(rhk) ?? false) {
                    fail("rhk_id", "\(nip) has no RHK '\(rhk)' in the SKP for \(date.year)")
                    continue
                }
            }
            if description.isEmpty { continue }
            let key = "\(nip)|\(date)|\(description)"
            if let first = seen[key] {
                fail("description", "the same activity on \(date) already appears on line \(first)")
                continue
            }
            seen[key] = record.line
            plan.writes.append(ActivityRow(nip: nip, date: date, description: description, rhk: rhk, minutes: minutes, evidence: columns.value("evidence", record) ?? ""))
        }
        if plan.errors.isEmpty {
            let exists = try db.makeStatement(sql: "SELECT 1 FROM activities WHERE nip = ? AND date = ? AND description = ?")
            for w in plan.writes {
                if try Int.fetchOne(exists, arguments: [w.nip, w.date.description, w.description]) != nil { plan.counts.updated += 1 } else { plan.counts.added += 1 }
            }
        }
        return plan
    }

    static func writeActivities(_ db: Database, _ rows: [ActivityRow]) throws {
        let now = UTCTime.format(Date())
        let statement = try db.makeStatement(sql: """
            INSERT INTO activities(nip, date, description, rhk_id, minutes, evidence, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(nip, date, description) DO UPDATE SET rhk_id = excluded.rhk_id, minutes = excluded.minutes, evidence = excluded.evidence
            """)
        for r in rows {
            try statement.execute(arguments: [r.nip, r.date.description, r.description, r.rhk, r.minutes, r.evidence, now])
        }
    }
}
