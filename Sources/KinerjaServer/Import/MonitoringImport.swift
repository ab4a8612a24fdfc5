import Foundation
import GRDB
import GRPCCore
import KinerjaCore
import KinerjaStore

/// Realisasi and daily-activity imports: validated against the periods, SKPs and the caller's rights, all or nothing.
enum MonitoringImport {
    /// A realisasi row to write.
    struct RealisasiWrite {
        /// Position in the table's key order (period text, then NIP, RHK id, indicator id).
        var order: Int
        var period: String
        var annual: String
        var nip: String
        var rhk: String
        var indicator: String
        var value: Double?
        var text: String
        var evidence: String
        var note: String

        var entry: RealisasiStore.Entry {
            .init(period: period, annual: annual, nip: nip, rhk: rhk, indicator: indicator, value: value, text: text, evidence: evidence, note: note)
        }
    }

    struct Plan<Row> {
        var errors: [RowError] = []
        var writes: [Row] = []
        var counts = ImportCounts()
        var rows = 0
    }

    static let realisasiColumns = ["nip", "period", "rhk_id", "indicator_id", "value", "text", "evidence", "note"]

    /// What realisasi rows are checked against for one annual period: its SKPs and indicators, and the realisasi
    /// already stored (by period and indicator) to tell added, updated and unchanged apart.
    struct AnnualContext {
        var index: IndicatorIndex
        var stored: [Int: (value: Double?, text: String, evidence: String, note: String)] = [:]
    }

    /// A period named in the file (or holding stored realisasi).
    struct PeriodEntry {
        var id: PeriodID
        var text: String
        var record: PeriodRecord?
        /// Numbers the periods in order of appearance: with an indicator's position, a key for one realisasi.
        var number: Int
    }

    static func planRealisasi(_ db: Database, _ decoded: CSVDecoding.Decoded, caller: Caller) throws -> Plan<RealisasiWrite> {
        var plan = Plan<RealisasiWrite>()
        let columns = ColumnMap(table: decoded.table, known: realisasiColumns, required: ["nip", "period", "rhk_id", "indicator_id"], errors: &plan.errors)
        if !plan.errors.isEmpty { return plan }
        plan.rows = decoded.table.records.count
        let employees = try OrganisationStore.allNIPs(db)
        plan.writes.reserveCapacity(plan.rows)
        let (nipColumn, periodColumn, rhkColumn, indicatorColumn) = (
            columns.position("nip"), columns.position("period"), columns.position("rhk_id"), columns.position("indicator_id"))
        let (valueColumn, textColumn, evidenceColumn, noteColumn) = (
            columns.position("value"), columns.position("text"), columns.position("evidence"), columns.position("note"))

        var periods: [String: PeriodEntry] = [:]
        var periodByNumber: [PeriodEntry] = []
        var annuals: [PeriodID: AnnualContext] = [:]
        /// (period number << 32 | indicator position) → the line that filed it.
        var seen: [Int: Int] = [:]
        seen.reserveCapacity(plan.rows)

        /// nil when the text is not a period id.
        func period(_ text: String) throws -> PeriodEntry? {
            if let known = periods[text] { return known }
            guard let id = try? PeriodID(text) else { return nil }
            let entry = PeriodEntry(id: id, text: id.description, record: try PeriodStore.find(db, id), number: periodByNumber.count)
            periodByNumber.append(entry)
            periods[text] = entry
            if entry.text != text { periods[entry.text] = entry }
            return entry
        }
        func annual(_ id: PeriodID) throws -> AnnualContext {
            if let known = annuals[id] { return known }
            var context = AnnualContext(index: try IndicatorIndex(db, period: id))
            let old = try RealisasiStore.stored(db, annual: id)
            while try old.next() {
                guard let p = try period(old.period), let slot = context.index.slot(of: old.nip),
                    let k = context.index.entry(slot: slot, rhk: old.rhk, indicator: old.indicator)
                else { continue }
                context.stored[p.number << 32 | k] = (old.value, old.text, old.evidence, old.note)
            }
            annuals[id] = context
            return context
        }

        for record in decoded.table.records {
            if let e = columns.checkWidth(record, delimiter: decoded.delimiter) {
                plan.errors.append(e)
                continue
            }
            func fail(_ column: String?, _ message: String) { plan.errors.append(RowError(line: record.line, column: column, message: message)) }
            let nip = columns.value(at: nipColumn, record) ?? ""
            let periodText = columns.value(at: periodColumn, record) ?? ""
            let rhk = columns.value(at: rhkColumn, record) ?? ""
            let ind = columns.value(at: indicatorColumn, record) ?? ""
            guard employees.contains(nip) else {
                fail("nip", nip.isEmpty ? "NIP is empty" : "unknown employee \(nip)")
                continue
            }
            if caller.role == .gateway && caller.actorNIP != nip {
                fail("nip", "a gateway acting for \(caller.actorNIP.isEmpty ? "nobody" : caller.actorNIP) may not file realisasi for \(nip)")
                continue
            }
            guard let p = try period(periodText) else {
                do { _ = try PeriodID(periodText) } catch { fail("period", error.message) }
                continue
            }
            guard p.record != nil else {
                fail("period", "period \(p.id) does not exist")
                continue
            }
            if p.record?.state == .closed {
                fail("period", "period \(p.id) is closed: realisasi cannot change")
                continue
            }
            let annualID = p.id.annual
            let context = try annual(annualID)
            guard let slot = context.index.slot(of: nip) else {
                fail("nip", "\(nip) has no SKP for \(annualID)")
                continue
            }
            let status = context.index.statuses[slot]
            guard status == .approved else {
                fail("nip", "the SKP of \(nip) for \(annualID) is \(status.rawValue); realisasi is filed against an approved SKP")
                continue
            }
            guard let k = context.index.entry(slot: slot, rhk: rhk, indicator: ind) else {
                fail("indicator_id", "\(nip)'s SKP for \(annualID) has no indicator \(rhk)/\(ind)")
                continue
            }
            let valueText = columns.value(at: valueColumn, record) ?? ""
            let text = columns.value(at: textColumn, record) ?? ""
            var value: Double?
            if context.index.entries[k].numeric {
                if valueText.isEmpty {
                    fail("value", "indicator \(rhk)/\(ind) has a numeric target: give a value")
                    continue
                }
                switch Measure.parse(valueText, decimalComma: true) {
                case .failure(let e):
                    fail("value", "\(e.message): a realisasi is \(Measure.rule), not negative")
                    continue
                case .success(let v) where v < 0:
                    fail("value", "'\(Quote.short(valueText))' is negative: a realisasi is not negative")
                    continue
                case .success(let v):
                    value = v
                }
            } else if text.isEmpty && valueText.isEmpty {
                fail("text", "indicator \(rhk)/\(ind) has a qualitative target: describe the realisasi in text")
                continue
            } else if !valueText.isEmpty {
                // A qualitative realisasi written as a number keeps the number only when it is in range.
                value = try? Measure.parse(valueText, decimalComma: true).get()
            }
            let evidenceText = columns.value(at: evidenceColumn, record) ?? "", noteText = columns.value(at: noteColumn, record) ?? ""
            if let why = FieldLimit.text.check(text) { fail("text", "text \(why)"); continue }
            if let why = FieldLimit.text.check(noteText) { fail("note", "note \(why)"); continue }
            if let why = FieldLimit.checkEvidence(evidenceText) { fail("evidence", "evidence \(why)"); continue }
            let key = p.number << 32 | k
            if let first = seen.updateValue(record.line, forKey: key) {
                seen[key] = first
                fail(nil, "realisasi for \(nip) \(rhk)/\(ind) in \(p.id) already appears on line \(first)")
                continue
            }
            let row = RealisasiWrite(
                order: key, period: p.text, annual: annualID.description, nip: context.index.nips[slot], rhk: context.index.entries[k].rhk,
                indicator: context.index.entries[k].indicator, value: value, text: text.isEmpty ? valueText : text,
                evidence: columns.value(at: evidenceColumn, record) ?? "", note: columns.value(at: noteColumn, record) ?? "")
            if let old = context.stored[key] {
                if old.value == row.value && old.text == row.text && old.evidence == row.evidence && old.note == row.note {
                    plan.counts.unchanged += 1
                } else {
                    plan.counts.updated += 1
                    plan.writes.append(row)
                }
            } else {
                plan.counts.added += 1
                plan.writes.append(row)
            }
        }
        // Key order for the writes: periods by their text, then the indicator's position (already in key order).
        let rank = periodByNumber.sorted { $0.text.utf8.lexicographicallyPrecedes($1.text.utf8) }.enumerated()
            .reduce(into: [Int](repeating: 0, count: periodByNumber.count)) { $0[$1.element.number] = $1.offset }
        for i in plan.writes.indices {
            let o = plan.writes[i].order
            plan.writes[i].order = rank[o >> 32] << 32 | (o & 0xFFFF_FFFF)
        }
        plan.writes.sort { $0.order < $1.order }
        return plan
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
            if description.isEmpty { fail("description", "description is empty") }
            if let why = FieldLimit.text.check(description) { fail("description", "description \(why)"); continue }
            if let why = FieldLimit.checkEvidence(columns.value("evidence", record) ?? "") { fail("evidence", "evidence \(why)"); continue }
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
            lines.append(record.line)
            plan.writes.append(ActivityRow(nip: nip, date: date, description: description, rhk: rhk, minutes: minutes, evidence: columns.value("evidence", record) ?? ""))
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
            let total = day[key]!.values.reduce(0, +)
            if total > ActivityRules.minutesPerDay {
                plan.errors.append(RowError(line: line, column: "minutes", message: "\(w.nip) would have \(total) minutes on \(w.date); a day holds at most \(ActivityRules.minutesPerDay)"))
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
