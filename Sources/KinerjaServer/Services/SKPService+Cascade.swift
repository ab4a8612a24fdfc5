import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import SwiftProtobuf

extension SKPService {
    /// The Matriks Peran Hasil of a year: per supervisor (with active direct subordinates) their RHK and who supports them.
    func cascade(request: Kinerja_V1_CascadeRequest, context: ServerContext) async throws -> Kinerja_V1_CascadeResponse {
        let period = try PeriodID.requested(request.periodID, annual: true)
        return try await store.read { db in
            _ = try PeriodStore.require(db, period)
            let unit = request.unitCode.isEmpty ? nil : request.unitCode
            if let unit { _ = try OrganisationStore.requireUnit(db, code: unit) }
            let everyone = try OrganisationStore.employeesByNIP(db)
            let inScope = Set(try OrganisationStore.employees(db, unit: unit, subtree: true, includeInactive: false).map(\.nip))
            var team: [String: [String]] = [:]
            for e in everyone.values where e.active {
                if let s = e.supervisorNIP, inScope.contains(s) { team[s, default: []].append(e.nip) }
            }
            let matrix = MatriksPeranHasil.build(subordinates: team, rhk: try SKPStore.cascadeRows(db, period: period))
            func link(_ r: CascadeRHK) -> Kinerja_V1_CascadeLink {
                .with {
                    $0.nip = r.nip
                    $0.name = everyone[r.nip]?.name ?? ""
                    $0.rhkID = r.id
                    $0.rhkText = r.text
                    $0.kind = r.kind
                }
            }
            var response = Kinerja_V1_CascadeResponse()
            response.periodID = period.description
            for s in matrix {
                response.supervisors.append(
                    .with {
                        $0.nip = s.nip
                        $0.name = everyone[s.nip]?.name ?? ""
                        $0.unitCode = everyone[s.nip]?.unitCode ?? ""
                        $0.rhk = s.rows.map { row in
                            .with {
                                $0.rhkID = row.rhk.id
                                $0.text = row.rhk.text
                                $0.kind = row.rhk.kind
                                $0.supportedBy = row.supportedBy.map(link)
                                $0.unsupported = row.unsupported
                            }
                        }
                        $0.unlinkedSubordinates = s.unlinked
                        $0.withoutSkp = s.withoutSKP
                    })
                response.unsupported += Int32(s.rows.filter(\.unsupported).count)
                response.unlinked += Int32(s.unlinked.count)
            }
            return response
        }
    }
}
