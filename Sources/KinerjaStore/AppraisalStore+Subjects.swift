import GRDB
import KinerjaCore

extension AppraisalStore {
    /// Everything the host knows about each active employee (in `unit` and its subunits when given) for `period`:
    /// SKP indicators with realisasi, 360° feedback, attendance months, ratings of the period and the periods inside it,
    /// and logged activity minutes. A nil `period` (or one that does not exist) gives organisation data only.
    /// In the order of `OrganisationStore.employees`.
    package static func subjects(_ db: Database, period periodID: PeriodID?, unit: String? = nil) throws -> [AppraisalSubject] {
        try StagedImportStore.requireSettled(db)
        let units = Dictionary(uniqueKeysWithValues: try OrganisationStore.units(db).map { ($0.code, $0.name) })
        let employees = try OrganisationStore.employees(db, unit: unit, subtree: unit != nil, includeInactive: false)
        var subjects: [String: AppraisalSubject] = [:]
        subjects.reserveCapacity(employees.count)
        for e in employees { subjects[e.nip] = AppraisalSubject(employee: e, unitName: units[e.unitCode] ?? "") }
        if let id = periodID, let period = try PeriodStore.find(db, id) {
            let periodText = id.description
            let annual = id.annual.description
            let inside = id.kind == .annual ? try PeriodStore.children(db, of: id).map(\.id.description) : []
            // Realisasi: on the period itself; for an annual period without any, each indicator's latest periodic value.
            var realisasi: [String: (period: String, value: Double?, text: String)] = [:]
            for r in try Row.fetchAll(
                db, sql: "SELECT period_id, nip, rhk_id, indicator_id, value, text FROM realisasi WHERE skp_period_id = ? ORDER BY period_id",
                arguments: [annual])
            {
                let periodOfRow: String = r[0]
                guard periodOfRow == periodText || inside.contains(periodOfRow) else { continue }
                let key = "\(r[1] as String)/\(r[2] as String)/\(r[3] as String)"
                if periodOfRow != periodText, let existing = realisasi[key], existing.period == periodText { continue }
                realisasi[key] = (periodOfRow, r[4], r[5])  // ascending period order: the latest periodic value wins
            }
            let sql = """
                SELECT i.nip, i.rhk_id, r.kind, r.text, i.indicator_id, i.aspect, i.text, i.target_unit, i.direction, i.target_value FROM indicators i
                JOIN rhk r ON r.period_id = i.period_id AND r.nip = i.nip AND r.rhk_id = i.rhk_id
                WHERE i.period_id = ? ORDER BY i.nip, r.position, i.position
                """
            let rows = try Row.fetchCursor(db, sql: sql, arguments: [annual])
            while let r = try rows.next() {
                let nip: String = r[0]
                guard subjects[nip] != nil else { continue }
                var ind = AppraisalSubject.IndicatorProgress(
                    rhkID: r[1], rhkKind: r[2], rhkText: r[3], indicatorID: r[4], aspect: r[5], text: r[6], targetUnit: r[7], direction: r[8], target: r[9])
                if let x = realisasi["\(nip)/\(ind.rhkID)/\(ind.indicatorID)"] {
                    ind.realisasi = x.value
                    ind.realisasiText = x.text
                }
                subjects[nip]!.indicators.append(ind)
            }
            for r in try Row.fetchAll(
                db.cachedStatement(sql: "SELECT nip, source, rating, aspects FROM feedback360 WHERE period_id = ? ORDER BY id"), arguments: [periodText])
            {
                let nip: String = r[0]
                guard subjects[nip] != nil else { continue }
                subjects[nip]!.feedback.append(AppraisalSubject.FeedbackEntry(source: r[1], rating: r[2], aspects: aspects(r[3])))
            }
            let first = String(period.start.description.prefix(7))
            let last = String(period.end.description.prefix(7))
            let attendance = try Row.fetchCursor(
                db,
                sql: """
                    SELECT nip, month, tl1, tl2, tl3, tl4, psw1, psw2, psw3, psw4, tk, sanction_percent FROM attendance
                    WHERE month >= ? AND month <= ? ORDER BY month
                    """, arguments: [first, last])
            while let r = try attendance.next() {
                let nip: String = r[0]
                guard subjects[nip] != nil else { continue }
                subjects[nip]!.attendance.append(AppraisalSubject.MonthAttendance(month: r[1], attendance: TPPStore.attendance(r, from: 2)))
            }
            let ratedPeriods = [periodText] + inside
            let ratingsSQL = """
                SELECT nip, period_id, hasil_kerja, perilaku_kerja, predikat, aspects FROM ratings
                WHERE period_id IN (\(databaseQuestionMarks(count: ratedPeriods.count))) ORDER BY period_id
                """
            for r in try Row.fetchAll(db, sql: ratingsSQL, arguments: StatementArguments(ratedPeriods)) {
                let nip: String = r[0]
                guard subjects[nip] != nil else { continue }
                subjects[nip]!.ratings.append(
                    AppraisalSubject.PeriodRating(
                        periodID: r[1], hasilKerja: r[2], perilakuKerja: r[3], predikat: (r[4] as String?) ?? "", aspects: aspects(r[5])))
            }
            for (nip, minutes) in try ActivityStore.minutesByNIP(db, from: period.start, through: period.end) where subjects[nip] != nil {
                subjects[nip]!.activityMinutes = minutes
            }
        }
        return employees.compactMap { subjects[$0.nip] }
    }
}
