import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import SwiftProtobuf

/// Disciplinary sanctions over a run of months (PP 94/2021 penalties cutting TPP from 20 % to 100 %).
extension TPPService {
    func addSanction(request: Kinerja_V1_AddSanctionRequest, context: ServerContext) async throws -> Kinerja_V1_Sanction {
        let caller = try context.caller()
        guard (20...100).contains(request.percent) else {
            throw RPCError(code: .invalidArgument, message: "percent must be 20–100 (a sanction cuts TPP by 20 % up to 100 %), not \(request.percent)")
        }
        guard (1...120).contains(request.months) else {
            throw RPCError(code: .invalidArgument, message: "months must be 1–120, not \(request.months)")
        }
        let from = try Self.month(request.from)
        let reason = request.reason.trimmedBlanks
        guard !reason.isEmpty else { throw RPCError(code: .invalidArgument, message: "a sanction needs a reason (the decision it carries out)") }
        try RequestLimits.text(reason, "reason")
        let proposed = TPPStore.Sanction(
            nip: "", percent: Int(request.percent), from: from, months: Int(request.months), reason: reason,
            createdBy: caller.recordName)
        guard proposed.range.count == proposed.months else {
            throw RPCError(code: .invalidArgument, message: "\(request.months) months from \(from) run past \(YearMonth.years.upperBound)")
        }
        return try await store.write { db in
            let e = try EmployeeLookup.employee(db, request.nip)
            var sanction = proposed
            sanction.nip = e.nip
            sanction.id = try TPPStore.addSanction(db, sanction, now: Date())
            let locked = try TPPStore.lockedMonths(db, among: sanction.range)
            try Audit.record(
                db, actor: caller.auditActor, rpc: "AddSanction", target: e.nip,
                summary: "\(sanction.percent)% for \(sanction.months) month(s) from \(from): \(reason)"
                    + (locked.isEmpty ? "" : " (locked, not applied: \(locked.map(\.description).joined(separator: ", ")))"))
            var message = Self.sanctionMessage(sanction, name: e.name)
            message.lockedMonths = locked.map(\.description)
            message.createdAt = UTCTime.format(Date())
            return message
        }
    }

    func listSanctions(request: Kinerja_V1_ListSanctionsRequest, context: ServerContext) async throws -> Kinerja_V1_ListSanctionsResponse {
        try await store.read { db in
            let nip = request.nip.isEmpty ? nil : try EmployeeLookup.employee(db, request.nip).nip
            let names = Dictionary(try OrganisationStore.briefs(db, unit: nil).map { ($0.nip, $0.name) }, uniquingKeysWith: { a, _ in a })
            return .with {
                $0.sanctions = (try? TPPStore.sanctions(db, nip: nip))?.map { Self.sanctionMessage($0, name: names[$0.nip] ?? "") } ?? []
            }
        }
    }

    static func sanctionMessage(_ s: TPPStore.Sanction, name: String) -> Kinerja_V1_Sanction {
        .with {
            $0.id = s.id
            $0.nip = s.nip
            $0.name = name
            $0.percent = Int32(s.percent)
            $0.from = s.from.description
            $0.months = Int32(s.months)
            $0.to = s.range.last?.description ?? s.from.description
            $0.reason = s.reason
            $0.createdBy = s.createdBy
            $0.createdAt = s.createdAt
        }
    }
}
