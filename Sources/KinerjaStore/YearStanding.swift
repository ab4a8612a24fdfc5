import Foundation
import GRDB
import KinerjaCore

/// One employee's year at a glance, read in a handful of point lookups whatever the number of periods: what an
/// overview shows. Every query names the periods (or months) it wants, so each is an index lookup on the tables'
/// primary keys, never a scan of a year of everyone's rows.
package struct YearStanding: Sendable {
    package var skpStatus: SKPStatus?
    package var skpReturnNote = ""
    package var indicators = 0
    package var filled: [PeriodID: Int] = [:]
    package var ratings: [PeriodID: RatingRecord] = [:]
    package var feedback: [PeriodID: [(source: String, rating: Rating)]] = [:]
    package var extensions: [PeriodID: CivilDate] = [:]
    package var tpp: [(month: String, result: TPPStore.Result)] = []

    package static func read(_ db: Database, nip: String, year: PeriodID, periods: [PeriodID]) throws -> YearStanding {
        try StagedImportStore.requireSettled(db)
        var s = YearStanding()
        if let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT status, return_note FROM skp WHERE period_id = ? AND nip = ?"), arguments: [year.description, nip])
        {
            s.skpStatus = SKPStatus(rawValue: row[0])
            s.skpReturnNote = row[1]
        }
        s.indicators =
            try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM indicators WHERE period_id = ? AND nip = ?"), arguments: [year.description, nip])
            ?? 0
        guard !periods.isEmpty else { return s }
        let ids = periods.map(\.description)
        let byText = Dictionary(uniqueKeysWithValues: periods.map { ($0.description, $0) })
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        let arguments = StatementArguments([nip] + ids)
        for r in try Row.fetchAll(
            db, sql: "SELECT period_id, count(*) FROM realisasi WHERE nip = ? AND period_id IN (\(marks)) GROUP BY period_id", arguments: arguments)
        {
            if let p = byText[r[0]] { s.filled[p] = r[1] }
        }
        for r in try Row.fetchAll(
            db, sql: "SELECT period_id, hasil_kerja, perilaku_kerja, aspects, notes, rated_by FROM ratings WHERE nip = ? AND period_id IN (\(marks))",
            arguments: arguments)
        {
            guard let p = byText[r[0]], let h = Rating(rawValue: r[1]), let b = Rating(rawValue: r[2]) else { continue }
            s.ratings[p] = RatingRecord(nip: nip, hasilKerja: h, perilakuKerja: b, aspects: AppraisalStore.aspects(r[3]), notes: r[4], ratedBy: r[5])
        }
        for r in try Row.fetchAll(
            db, sql: "SELECT period_id, source, rating FROM feedback360 WHERE nip = ? AND period_id IN (\(marks)) ORDER BY id", arguments: arguments)
        {
            guard let p = byText[r[0]], let rating = Rating(rawValue: r[2]) else { continue }
            s.feedback[p, default: []].append((r[1], rating))
        }
        for r in try Row.fetchAll(db, sql: "SELECT period_id, until FROM deadline_extensions WHERE nip = ? AND period_id IN (\(marks))", arguments: arguments) {
            if let p = byText[r[0]], let until = CivilDate(iso: r[1]) { s.extensions[p] = until }
        }
        let months = (1...12).map { String(format: "%04d-%02d", year.year, $0) }
        s.tpp = try Row.fetchAll(
            db,
            sql: """
                SELECT \(TPPStore.Result.columns), month FROM tpp_results
                WHERE nip = ? AND month IN (\(Array(repeating: "?", count: 12).joined(separator: ","))) ORDER BY month
                """,
            arguments: StatementArguments([nip] + months)
        ).map { ($0[TPPStore.Result.columnCount], TPPStore.Result(row: $0)) }
        return s
    }
}
