import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import SwiftProtobuf

extension OrgService {
    func listSubordinates(request: Kinerja_V1_ListSubordinatesRequest, context: ServerContext) async throws -> Kinerja_V1_ListSubordinatesResponse {
        let caller = try context.caller()
        let requested = request.periodID.isEmpty ? nil : try PeriodID.requested(request.periodID)
        let now = state.clock.now()
        return try await store.read { db in
            let supervisor = try EmployeeLookup.employee(db, request.supervisorNip)
            if caller.role == .gateway && caller.actorNIP != supervisor.nip {
                throw RPCError(
                    code: .permissionDenied,
                    message: "a gateway acting for \(caller.actorNIP.isEmpty ? "nobody" : caller.actorNIP) may list only its own subordinates")
            }
            let today = try AgencyClock.agency(db, at: now).today
            let period = try requested.map { try PeriodStore.require(db, $0) } ?? PeriodStore.beingFilled(db, today: today)
            // Direct subordinates in the staff file, then those of the posts the supervisor stands in for today.
            var subordinates = try OrganisationStore.directSubordinates(db, nip: supervisor.nip).map { ($0, "") }
            let own = Set(subordinates.map(\.0.nip))
            for (e, a) in try StructureStore.actingSubordinates(db, actor: supervisor.nip, on: today) where !own.contains(e.nip) {
                subordinates.append((e, "\(a.kind.rawValue.uppercased()) \(a.unitCode)"))
            }
            return try .with {
                $0.supervisorNip = supervisor.nip
                $0.periodID = period?.id.description ?? ""
                $0.deadline = period?.deadline.description ?? ""
                $0.subordinates = try subordinates.map { (e, acting) in
                    var standing = Kinerja_V1_SubordinateStanding()
                    standing.employee = Self.employeeMessage(e)
                    standing.actingAs = acting
                    if let period {
                        let annual = period.id.annual
                        standing.skpStatus = try SKPStore.status(db, nip: e.nip, period: annual)?.rawValue ?? ""
                        standing.indicators = Int32(try SKPStore.indicatorCount(db, nip: e.nip, period: annual))
                        standing.realisasiFilled = Int32(try RealisasiStore.filledCount(db, nip: e.nip, period: period.id))
                        standing.predikat = try AppraisalStore.predikat(db, nip: e.nip, period: period.id) ?? ""
                    }
                    return standing
                }
            }
        }
    }
}
