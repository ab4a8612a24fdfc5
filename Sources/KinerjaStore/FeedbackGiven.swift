import Foundation
import GRDB
import KinerjaCore

/// What one employee has given others: umpan balik as a supervisor and 360° feedback as a colleague.
extension OrganisationStore {
    /// The active colleagues `employee` may give 360° feedback on (their supervisor, the others under the same
    /// supervisor, their direct subordinates), by NIP; the relation itself is `FeedbackRelation`'s to decide.
    package static func colleagues(_ db: Database, of employee: Employee) throws -> [Employee] {
        var sql = "SELECT \(employeeColumns) FROM employees WHERE active = 1 AND nip != ? AND (supervisor_nip = ?"
        var arguments = [employee.nip, employee.nip]
        if let supervisor = employee.supervisorNIP {
            sql += " OR nip = ? OR supervisor_nip = ?"
            arguments += [supervisor, supervisor]
        }
        return try employees(db, sql + ") ORDER BY nip", arguments)
    }
}

extension SKPStore {
    package struct FeedbackGiven: Sendable, Equatable {
        package var nip: String
        package var name: String
        package var rhkID: String
        package var text: String
        package var updatedAt: String
    }

    /// The umpan balik `supervisor` wrote on RHK for `period`, by subordinate and RHK.
    package static func rhkFeedbackGiven(_ db: Database, by supervisor: String, period: PeriodID) throws -> [FeedbackGiven] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT f.nip, e.name, f.rhk_id, f.text, f.updated_at FROM rhk_feedback f JOIN employees e ON e.nip = f.nip
                WHERE f.period_id = ? AND f.by_nip = ? ORDER BY f.nip, f.rhk_id
                """,
            arguments: [period.description, supervisor]
        ).map { FeedbackGiven(nip: $0["nip"], name: $0["name"], rhkID: $0["rhk_id"], text: $0["text"], updatedAt: $0["updated_at"]) }
    }
}

extension AppraisalStore {
    /// The 360° entries `rater` (a rater reference, `nip:…`) gave in `period`, by subject NIP. Only for the rater's
    /// own eyes: nobody else's reads name raters.
    package static func feedbackGiven(_ db: Database, period: PeriodID, rater: String) throws -> [String: FeedbackEntry] {
        var out: [String: FeedbackEntry] = [:]
        for r in try Row.fetchAll(
            db, sql: "SELECT nip, source, rating, aspects, comment FROM feedback360 WHERE period_id = ? AND rater_ref = ?",
            arguments: [period.description, rater])
        {
            guard let rating = Rating(rawValue: r["rating"]) else { continue }
            out[r["nip"]] = FeedbackEntry(source: r["source"], rating: rating, aspects: aspects(r["aspects"]), comment: r["comment"])
        }
        return out
    }
}

extension PeriodStore {
    /// True when `id` exists and takes ratings and 360° feedback now.
    package static func isRatable(_ db: Database, _ id: PeriodID) throws -> Bool {
        guard let p = try find(db, id) else { return false }
        return AppraisalWindow.ratingRefusal(period: id.description, state: p.state) == nil
    }
}
