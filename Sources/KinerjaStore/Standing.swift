import Foundation
import GRDB
import KinerjaCore

/// Where one employee stands in a period: what a supervisor's list and an employee's overview show.
extension OrganisationStore {
    /// The active employees whose direct supervisor is `nip`, by NIP.
    /// Whether `nip` is active: nil when no such employee.
    package static func isActive(_ db: Database, nip: String) throws -> Bool? {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT active FROM employees WHERE nip = ?"), arguments: [nip])
    }

    package static func directSubordinates(_ db: Database, nip: String) throws -> [Employee] {
        try employees(db, "SELECT \(employeeColumns) FROM employees WHERE supervisor_nip = ? AND active = 1 ORDER BY nip", [nip], cached: true)
    }
}

extension SKPStore {
    /// How many indicators the employee's SKP for `period` (annual) has.
    package static func indicatorCount(_ db: Database, nip: String, period: PeriodID) throws -> Int {
        try StagedImportStore.requireSettled(db)
        return try Int.fetchOne(
            db.cachedStatement(sql: "SELECT count(*) FROM indicators WHERE period_id = ? AND nip = ?"), arguments: [period.description, nip]) ?? 0
    }
}

extension RealisasiStore {
    /// How many realisasi the employee filed for `period`.
    package static func filledCount(_ db: Database, nip: String, period: PeriodID) throws -> Int {
        try StagedImportStore.requireSettled(db)
        return try Int.fetchOne(
            db.cachedStatement(sql: "SELECT count(*) FROM realisasi WHERE period_id = ? AND nip = ?"), arguments: [period.description, nip]) ?? 0
    }
}

extension AppraisalStore {
    /// The predikat of the employee's rating for `period`, nil when not rated.
    package static func predikat(_ db: Database, nip: String, period: PeriodID) throws -> String? {
        try String.fetchOne(
            db, sql: "SELECT predikat FROM ratings WHERE period_id = ? AND nip = ? AND predikat IS NOT NULL AND predikat != ''",
            arguments: [period.description, nip])
    }
}

extension PeriodStore {
    /// The period being filled on `today` (see `FilingDeadline.beingFilled`).
    package static func beingFilled(_ db: Database, today: CivilDate) throws -> PeriodRecord? {
        beingFilled(among: try all(db), today: today)
    }

    /// The period being filled on `today` among `all` the periods.
    package static func beingFilled(among all: [PeriodRecord], today: CivilDate) -> PeriodRecord? {
        let parents = Set(all.compactMap(\.parentID))
        let id = FilingDeadline.beingFilled(
            all.map { (id: $0.id, state: $0.state, deadline: $0.deadline, hasChildren: parents.contains($0.id)) }, today: today)
        return all.first { $0.id == id }
    }
}

extension AppraisalStore {
    /// Records one rater's 360° feedback on `nip` for `period`, replacing that rater's earlier entry; true when one was
    /// replaced. `rater` is kept only for this (reads never return it).
    package static func replaceFeedback(
        _ db: Database, period: PeriodID, nip: String, source: String, rating: Rating, aspects: [BerAKHLAK: Rating], comment: String, rater: String,
        now: Date
    ) throws -> Bool {
        try db.execute(sql: "DELETE FROM feedback360 WHERE period_id = ? AND nip = ? AND rater_ref = ?", arguments: [period.description, nip, rater])
        let replaced = db.changesCount > 0
        try saveFeedback(db, period: period, [(nip, source, rating, aspects, comment, rater)], now: now)
        return replaced
    }
}

extension AppraisalStore {
    /// The employee's rating for `period`, nil when not rated.
    package static func rating(_ db: Database, nip: String, period: PeriodID) throws -> RatingRecord? {
        guard let r = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM ratings WHERE period_id = ? AND nip = ?"), arguments: [period.description, nip]),
            let h = Rating(rawValue: r["hasil_kerja"]), let p = Rating(rawValue: r["perilaku_kerja"])
        else { return nil }
        return RatingRecord(nip: r["nip"], hasilKerja: h, perilakuKerja: p, aspects: aspects(r["aspects"]), notes: r["notes"], ratedBy: r["rated_by"])
    }
}

/// Links for the public's (masyarakat) feedback on one employee in one period.
package enum PublicLinkStore {
    package struct Link: Sendable, Equatable {
        package var nip: String
        package var period: PeriodID
        package var revoked: Bool
        package init(nip: String, period: PeriodID, revoked: Bool) {
            self.nip = nip
            self.period = period
            self.revoked = revoked
        }
    }

    /// Makes the link `tokenHash` the employee's one for `period` (earlier ones are revoked).
    package static func create(_ db: Database, tokenHash: String, nip: String, period: PeriodID, now: Date) throws {
        let time = UTCTime.format(now)
        try db.execute(
            sql: "UPDATE public_links SET revoked_at = ? WHERE nip = ? AND period_id = ? AND revoked_at = ''",
            arguments: [time, nip, period.description])
        try db.execute(
            sql: "INSERT INTO public_links(token_hash, nip, period_id, created_at) VALUES (?, ?, ?, ?)",
            arguments: [tokenHash, nip, period.description, time])
    }

    /// Revokes the employee's link for `period`; false when there was none in force.
    package static func revoke(_ db: Database, nip: String, period: PeriodID, now: Date) throws -> Bool {
        try db.execute(
            sql: "UPDATE public_links SET revoked_at = ? WHERE nip = ? AND period_id = ? AND revoked_at = ''",
            arguments: [UTCTime.format(now), nip, period.description])
        return db.changesCount > 0
    }

    package static func find(_ db: Database, tokenHash: String) throws -> Link? {
        guard
            let r = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT nip, period_id, revoked_at FROM public_links WHERE token_hash = ?"), arguments: [tokenHash]),
            let period = try? PeriodID(r[1] as String)
        else { return nil }
        return Link(nip: r[0], period: period, revoked: !(r[2] as String).isEmpty)
    }
}
