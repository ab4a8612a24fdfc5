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
            let period: PeriodID
            if request.periodID.isEmpty {
                let today = try AgencyClock.agency(db, at: now).today
                guard let filled = try PeriodStore.beingFilled(db, today: today) else {
                    throw RPCError(code: .failedPrecondition, message: "no period is open: name one")
                }
                period = filled.id
            } else {
                period = try PeriodID.requested(request.periodID)
            }
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
}
