import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import SwiftProtobuf

extension AppraisalService {
    func giveFeedback360(request: Kinerja_V1_Feedback360Request, context: ServerContext) async throws -> Kinerja_V1_Feedback360Response {
        let caller = try context.caller()
        guard caller.role == .gateway, !caller.actorNIP.isEmpty else {
            throw RPCError(code: .permissionDenied, message: "360° feedback is given by an employee: call as a gateway acting for the rater")
        }
        let rating = try Self.rating(request.rating, "rating")
        let aspects = try Self.aspects(request.aspects)
        let comment = request.comment.trimmedBlanks
        try RequestLimits.text(comment, "comment")
        let now = state.clock.now()
        return try await store.write { db in
            let rater = try EmployeeLookup.employee(db, caller.actorNIP)
            let subject = try EmployeeLookup.employee(db, request.subjectNip)
            guard rater.active, subject.active else { throw RPCError(code: .failedPrecondition, message: "both the rater and the subject must be active") }
            let source: String
            switch FeedbackRelation.source(rater: rater, subject: subject) {
            case .success(let s): source = s
            case .failure(let e): throw RPCError(code: .permissionDenied, message: e.message)
            }
            let period = try Self.periodOrBeingFilled(db, request.periodID, now: now)
            try PeriodStore.requireRatable(db, period)
            let replaced = try AppraisalStore.replaceFeedback(
                db, period: period, nip: subject.nip, source: source, rating: rating, aspects: aspects, comment: comment, rater: "nip:\(rater.nip)", now: now)
            try Audit.record(
                db, actor: caller.auditActor, rpc: "GiveFeedback360", target: "\(subject.nip)/\(period)",
                summary: "\(source) \(rating.rawValue)\(replaced ? " (replaced)" : "")", at: now)
            return .with {
                $0.periodID = period.description
                $0.source = source
                $0.replaced = replaced
            }
        }
    }

    /// What the acting employee gave in a period: their umpan balik as a supervisor and, for every colleague they may
    /// rate, their own 360° entry if any.
    func listFeedbackGiven(request: Kinerja_V1_ListFeedbackGivenRequest, context: ServerContext) async throws -> Kinerja_V1_ListFeedbackGivenResponse {
        let caller = try context.caller()
        guard caller.role == .gateway, !caller.actorNIP.isEmpty else {
            throw RPCError(code: .permissionDenied, message: "feedback given is read by the employee who gave it: call as a gateway acting for them")
        }
        let now = state.clock.now()
        return try await store.read { db in
            let me = try EmployeeLookup.employee(db, caller.actorNIP)
            let period = try Self.periodOrBeingFilled(db, request.periodID, now: now)
            let mine = try AppraisalStore.feedbackGiven(db, period: period, rater: "nip:\(me.nip)")
            let colleagues: [Kinerja_V1_Colleague360] = try OrganisationStore.colleagues(db, of: me).compactMap { c in
                guard case .success(let source) = FeedbackRelation.source(rater: me, subject: c) else { return nil }
                return .with {
                    $0.nip = c.nip
                    $0.name = c.name
                    $0.jabatan = c.jabatan
                    $0.source = source
                    if let entry = mine[c.nip] {
                        $0.given = true
                        $0.rating = entry.rating.rawValue
                        $0.aspects = Dictionary(uniqueKeysWithValues: entry.aspects.map { ($0.key.rawValue, $0.value.rawValue) })
                        $0.comment = entry.comment
                    }
                }
            }
            let umpanBalik = try SKPStore.rhkFeedbackGiven(db, by: me.nip, period: period)
            let open = try PeriodStore.isRatable(db, period)
            return .with {
                $0.periodID = period.description
                $0.colleagues = colleagues
                $0.umpanBalik = umpanBalik.map { f in
                    .with {
                        $0.nip = f.nip
                        $0.name = f.name
                        $0.rhkID = f.rhkID
                        $0.text = f.text
                        $0.updatedAt = f.updatedAt
                    }
                }
                $0.open = open
            }
        }
    }

    /// The named period (which must exist), or the one being filled in the agency's today when none is named.
    static func periodOrBeingFilled(_ db: Database, _ requested: String, now: Date) throws -> PeriodID {
        if requested.isEmpty {
            let today = try AgencyClock.agency(db, at: now).today
            guard let filled = try PeriodStore.beingFilled(db, today: today) else {
                throw RPCError(code: .failedPrecondition, message: "no period is open: name one")
            }
            return filled.id
        }
        let id = try PeriodID.requested(requested)
        _ = try PeriodStore.require(db, id)
        return id
    }
}
