import Foundation
import GRDB
import KinerjaCore

package struct RatingRecord: Sendable, Equatable {
    package var nip: String
    package var hasilKerja: Rating
    package var perilakuKerja: Rating
    package var aspects: [BerAKHLAK: Rating]
    package var notes: String
    package var ratedBy: String
    /// Who set the Hasil Kerja when not the rater: `unit:<code>` (a head takes the unit's result) or an override.
    package var hasilBy: HasilSource = .rater

    package init(
        nip: String, hasilKerja: Rating, perilakuKerja: Rating, aspects: [BerAKHLAK: Rating] = [:], notes: String = "", ratedBy: String = "",
        hasilBy: HasilSource = .rater
    ) {
        self.hasilBy = hasilBy
        self.nip = nip
        self.hasilKerja = hasilKerja
        self.perilakuKerja = perilakuKerja
        self.aspects = aspects
        self.notes = notes
        self.ratedBy = ratedBy
    }

    /// Always derived from the two ratings by the matrix.
    package var predikat: Predikat { Predikat.from(hasilKerja: hasilKerja, perilakuKerja: perilakuKerja) }
}

package enum AppraisalStore {
    static func aspectsJSON(_ a: [BerAKHLAK: Rating]) -> String {
        let pairs = a.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\"\($0.key.rawValue)\":\"\($0.value.rawValue)\"" }
        return "{" + pairs.joined(separator: ",") + "}"
    }

    package static func aspects(_ json: String) -> [BerAKHLAK: Rating] {
        // Most ratings carry no aspects: a JSONDecoder for each of 100,000 stored "{}" cost a tenth of a re-import.
        if json.isEmpty || json == "{}" { return [:] }
        guard let raw = try? JSONDecoder().decode([String: String].self, from: Data(json.utf8)) else { return [:] }
        var out: [BerAKHLAK: Rating] = [:]
        for (k, v) in raw { if let key = BerAKHLAK(rawValue: k), let r = Rating(rawValue: v) { out[key] = r } }
        return out
    }

    /// Upserts ratings; the predikat column is recomputed from the two ratings every time.
    package static func save(_ db: Database, period: PeriodID, _ ratings: [RatingRecord], now: Date) throws {
        let insert = BulkInsert(
            db, table: "ratings",
            columns: [
                "period_id", "nip", "hasil_kerja", "perilaku_kerja", "predikat", "aspects", "notes", "rated_by", "updated_at", "hasil_by",
            ],
            onConflict: """
                ON CONFLICT(period_id, nip) DO UPDATE SET hasil_kerja = excluded.hasil_kerja, perilaku_kerja = excluded.perilaku_kerja,
                    predikat = excluded.predikat, aspects = excluded.aspects, notes = excluded.notes, rated_by = excluded.rated_by,
                    updated_at = excluded.updated_at, hasil_by = excluded.hasil_by
                """)
        let time = UTCTime.format(now)
        let periodText = period.description
        if !ratings.isEmpty { try TPPInputs.touch(db, .ratings(period: periodText)) }
        // In key order (NIP): the B-tree inserts stay local, many rows per statement.
        for r in ratings.sorted(by: { $0.nip < $1.nip }) {
            insert.add(periodText)
            insert.add(r.nip)
            insert.add(r.hasilKerja.rawValue)
            insert.add(r.perilakuKerja.rawValue)
            insert.add(r.predikat.rawValue)
            insert.add(aspectsJSON(r.aspects))
            insert.add(r.notes)
            insert.add(r.ratedBy)
            insert.add(time)
            insert.add(r.hasilBy.stored)
            try insert.endRow()
        }
        try insert.flush()
    }

    package static func ratings(_ db: Database, period: PeriodID) throws -> [String: RatingRecord] {
        var out: [String: RatingRecord] = [:]
        let cursor = try Row.fetchCursor(
            db, sql: "SELECT nip, hasil_kerja, perilaku_kerja, aspects, notes, rated_by, hasil_by FROM ratings WHERE period_id = ?",
            arguments: [period.description])
        while let r = try cursor.next() {
            guard let h = Rating(rawValue: r[1]), let p = Rating(rawValue: r[2]) else { continue }
            let nip: String = r[0]
            out[nip] = RatingRecord(
                nip: nip, hasilKerja: h, perilakuKerja: p, aspects: aspects(r[3]), notes: r[4], ratedBy: r[5], hasilBy: HasilSource(stored: r[6]))
        }
        return out
    }

    package static func unitPredicates(_ db: Database, period: PeriodID) throws -> [String: UnitPredikat] {
        var out: [String: UnitPredikat] = [:]
        for r in try Row.fetchAll(db.cachedStatement(sql: "SELECT unit_code, predikat FROM unit_ratings WHERE period_id = ?"), arguments: [period.description])
        {
            out[r[0]] = UnitPredikat(rawValue: r[1])
        }
        return out
    }

    /// Records the unit's predikat and the head who takes it as their Hasil Kerja (nil: the unit has no head).
    package static func rateUnit(_ db: Database, period: PeriodID, unit: String, predikat: UnitPredikat, head: String?, by: String, now: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO unit_ratings(period_id, unit_code, predikat, rated_by, updated_at, head_nip) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(period_id, unit_code) DO UPDATE SET predikat = excluded.predikat, rated_by = excluded.rated_by,
                    updated_at = excluded.updated_at, head_nip = excluded.head_nip
                """, arguments: [period.description, unit, predikat.rawValue, by, UTCTime.format(now), head])
    }

    /// The unit predikat each head takes as their Hasil Kerja in `period` (a head of two rated units: the first by code).
    package static func headUnits(_ db: Database, period: PeriodID) throws -> [String: (unit: String, predikat: UnitPredikat)] {
        var out: [String: (unit: String, predikat: UnitPredikat)] = [:]
        for r in try Row.fetchAll(
            db, sql: "SELECT head_nip, unit_code, predikat FROM unit_ratings WHERE period_id = ? AND head_nip IS NOT NULL ORDER BY unit_code DESC",
            arguments: [period.description])
        {
            if let p = UnitPredikat(rawValue: r[2]) { out[r[0]] = (r[1], p) }
        }
        return out
    }

    /// The unit predikat `nip` takes as their Hasil Kerja in `period`, if they head a rated unit.
    package static func headUnit(_ db: Database, period: PeriodID, nip: String) throws -> (unit: String, predikat: UnitPredikat)? {
        try Row.fetchOne(
            db, sql: "SELECT unit_code, predikat FROM unit_ratings WHERE period_id = ? AND head_nip = ? ORDER BY unit_code LIMIT 1",
            arguments: [period.description, nip]
        ).flatMap { r in UnitPredikat(rawValue: r[1]).map { (r[0], $0) } }
    }

    /// One stored rating.
    package static func rating(_ db: Database, period: PeriodID, nip: String) throws -> RatingRecord? {
        guard let r = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM ratings WHERE period_id = ? AND nip = ?"), arguments: [period.description, nip]),
            let h = Rating(rawValue: r["hasil_kerja"]), let p = Rating(rawValue: r["perilaku_kerja"])
        else { return nil }
        return RatingRecord(
            nip: nip, hasilKerja: h, perilakuKerja: p, aspects: aspects(r["aspects"]), notes: r["notes"], ratedBy: r["rated_by"],
            hasilBy: HasilSource(stored: r["hasil_by"]))
    }

    package struct UnitCurve: Sendable {
        package var unit: OrgUnit
        package var predikat: UnitPredikat?
        package var evaluation: DistributionCurve.Evaluation
        package var unrated: Int
    }

    /// The curve of every unit that has active employees (their own members, rated ones counted).
    package static func curves(_ db: Database, period: PeriodID, unit: String? = nil) throws -> [UnitCurve] {
        let ratings = try ratings(db, period: period)
        let unitPredicates = try unitPredicates(db, period: period)
        var members: [String: [Predikat]] = [:]
        var unrated: [String: Int] = [:]
        for (nip, unitCode) in try OrganisationStore.activeUnits(db, unit: unit) {
            if let r = ratings[nip] { members[unitCode, default: []].append(r.predikat) } else { unrated[unitCode, default: 0] += 1 }
        }
        return try OrganisationStore.units(db).filter { unit == nil || $0.code == unit }.compactMap { u in
            let predicates = members[u.code] ?? []
            guard !predicates.isEmpty || unrated[u.code] != nil else { return nil }
            let p = unitPredicates[u.code]
            let evaluation =
                p.map { DistributionCurve.evaluate(unit: $0, predicates: predicates) }
                ?? DistributionCurve.Evaluation(employees: predicates.count, counts: Self.counts(predicates), violations: [], minimumChanges: nil)
            return UnitCurve(unit: u, predikat: p, evaluation: evaluation, unrated: unrated[u.code] ?? 0)
        }
    }

    static func counts(_ predicates: [Predikat]) -> [Predikat: Int] {
        var c: [Predikat: Int] = [:]
        for p in Predikat.allCases { c[p] = 0 }
        for p in predicates { c[p, default: 0] += 1 }
        return c
    }

    package static func saveFeedback(
        _ db: Database, period: PeriodID,
        _ entries: [(nip: String, source: String, rating: Rating, aspects: [BerAKHLAK: Rating], comment: String, rater: String)], now: Date
    ) throws {
        let statement = try db.makeStatement(
            sql: """
                INSERT INTO feedback360(period_id, nip, source, rating, aspects, comment, rater_ref, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let time = UTCTime.format(now)
        for e in entries {
            statement.setUncheckedArguments([period.description, e.nip, e.source, e.rating.rawValue, aspectsJSON(e.aspects), e.comment, e.rater, time])
            try statement.execute()
        }
    }

    package static func feedbackRaters(_ db: Database, period: PeriodID) throws -> Set<String> {
        Set(
            try Row.fetchAll(db.cachedStatement(sql: "SELECT nip, source, rater_ref FROM feedback360 WHERE period_id = ?"), arguments: [period.description]).map
            {
                "\($0[0] as String)|\($0[1] as String)|\($0[2] as String)"
            })
    }

    package struct FeedbackEntry: Sendable {
        package var source: String
        package var rating: Rating
        package var aspects: [BerAKHLAK: Rating]
        package var comment: String
    }

    /// Every feedback entry of a period (optionally one employee), rater references not read.
    package static func allFeedback(_ db: Database, period: PeriodID, nip: String?) throws -> [(nip: String, entry: FeedbackEntry)] {
        var sql = "SELECT nip, source, rating, aspects, comment FROM feedback360 WHERE period_id = ?"
        var args: [any DatabaseValueConvertible] = [period.description]
        if let nip {
            sql += " AND nip = ?"
            args.append(nip)
        }
        sql += " ORDER BY nip, id"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).compactMap {
            guard let r = Rating(rawValue: $0[2]) else { return nil }
            return ($0[0], FeedbackEntry(source: $0[1], rating: r, aspects: aspects($0[3]), comment: $0[4]))
        }
    }

    /// Feedback entries for one employee; rater references are not read.
    package static func feedback(_ db: Database, period: PeriodID, nip: String) throws -> [FeedbackEntry] {
        try Row.fetchAll(
            db, sql: "SELECT source, rating, aspects, comment FROM feedback360 WHERE period_id = ? AND nip = ? ORDER BY id",
            arguments: [period.description, nip]
        ).compactMap {
            guard let r = Rating(rawValue: $0[1]) else { return nil }
            return FeedbackEntry(source: $0[0], rating: r, aspects: aspects($0[2]), comment: $0[3])
        }
    }
}
