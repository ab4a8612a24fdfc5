import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import SwiftProtobuf

/// Feedback from the public (masyarakat) through a link per employee and period.
extension AppraisalService {
    func createPublicLink(request: Kinerja_V1_PublicLinkRequest, context: ServerContext) async throws -> Kinerja_V1_PublicLink {
        let caller = try context.caller()
        let period = try PeriodID.requested(request.periodID)
        var random = SystemRandomNumberGenerator()
        let token = ActivationCode.normalised(ActivationCode.make(using: &random))!.lowercased()
        let now = state.clock.now()
        return try await store.write { db in
            let e = try EmployeeLookup.employee(db, request.nip)
            try PeriodStore.requireOpen(db, period, action: "making a public feedback link")
            try PublicLinkStore.create(db, tokenHash: Credentials.codeHash(token), nip: e.nip, period: period, now: now)
            try Audit.record(db, actor: caller.auditActor, rpc: "CreatePublicLink", target: "\(e.nip)/\(period)", summary: "link made", at: now)
            var link = try publicLink(db, PublicLinkStore.Link(nip: e.nip, period: period, revoked: false))
            link.token = token
            return link
        }
    }

    func revokePublicLink(request: Kinerja_V1_PublicLinkRequest, context: ServerContext) async throws -> Kinerja_V1_PublicLink {
        let caller = try context.caller()
        let period = try PeriodID.requested(request.periodID)
        let now = state.clock.now()
        return try await store.write { db in
            let e = try EmployeeLookup.employee(db, request.nip)
            guard try PublicLinkStore.revoke(db, nip: e.nip, period: period, now: now) else {
                throw RPCError(code: .notFound, message: "\(e.nip) has no public feedback link in force for \(period)")
            }
            try Audit.record(db, actor: caller.auditActor, rpc: "RevokePublicLink", target: "\(e.nip)/\(period)", summary: "revoked", at: now)
            return try publicLink(db, PublicLinkStore.Link(nip: e.nip, period: period, revoked: true))
        }
    }

    func getPublicLink(request: Kinerja_V1_PublicTokenRequest, context: ServerContext) async throws -> Kinerja_V1_PublicLink {
        let hash = try Self.tokenHash(request.token)
        return try await store.read { db in
            guard let link = try PublicLinkStore.find(db, tokenHash: hash) else { throw RPCError(code: .notFound, message: "this link is not valid") }
            return try publicLink(db, link)
        }
    }

    func submitPublicFeedback(request: Kinerja_V1_PublicFeedbackRequest, context: ServerContext) async throws -> Kinerja_V1_PublicFeedbackResponse {
        let caller = try context.caller()
        let hash = try Self.tokenHash(request.token)
        let rating = try Self.rating(request.rating, "rating")
        let comment = request.comment.trimmedBlanks
        try RequestLimits.text(comment, "comment")
        guard request.clientAddress.utf8.count <= 100 else { throw RPCError(code: .invalidArgument, message: "client_address is too long") }
        let now = state.clock.now()
        let limits = state.settings.publicFeedback
        return try await store.write { db in
            guard let link = try PublicLinkStore.find(db, tokenHash: hash) else { throw RPCError(code: .notFound, message: "this link is not valid") }
            guard !link.revoked else { throw RPCError(code: .failedPrecondition, message: "this link no longer takes feedback") }
            try PeriodStore.requireRatable(db, link.period)
            var keys = [(key: "token:" + hash, limit: limits.perTokenPerHour)]
            if !request.clientAddress.isEmpty { keys.append((SubmissionLimiter.addressKey(request.clientAddress), limits.perAddressPerHour)) }
            guard state.publicSubmissions.admit(keys, now: now) else {
                throw RPCError(code: .resourceExhausted, message: "too many submissions for now: please try again later")
            }
            // Nothing about the submitter is kept: the rater reference is random, only to keep entries apart.
            var random = SystemRandomNumberGenerator()
            let reference = "public:" + String(random.next() as UInt64, radix: 36)
            try AppraisalStore.saveFeedback(db, period: link.period, [(link.nip, "masyarakat", rating, [:], comment, reference)], now: now)
            try Audit.record(
                db, actor: caller.auditActor, rpc: "SubmitPublicFeedback", target: "\(link.nip)/\(link.period)", summary: "masyarakat \(rating.rawValue)",
                at: now)
            return .init()
        }
    }

    static func tokenHash(_ token: String) throws -> String {
        guard let normal = ActivationCode.normalised(token) else { throw RPCError(code: .notFound, message: "this link is not valid") }
        return Credentials.codeHash(normal.lowercased())
    }

    private func publicLink(_ db: GRDB.Database, _ link: PublicLinkStore.Link) throws -> Kinerja_V1_PublicLink {
        let e = try OrganisationStore.requireEmployee(db, nip: link.nip)
        let state = try PeriodStore.find(db, link.period)?.state
        return .with {
            $0.nip = e.nip
            $0.name = e.name
            $0.unitName = (try? OrganisationStore.unit(db, code: e.unitCode)?.name) ?? ""
            $0.periodID = link.period.description
            $0.open = !link.revoked && state.map { AppraisalWindow.ratingRefusal(period: link.period.description, state: $0) == nil } == true
        }
    }
}
