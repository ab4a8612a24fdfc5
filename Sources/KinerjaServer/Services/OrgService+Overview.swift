import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import SwiftProtobuf

extension OrgService {
    func getOverview(request: Kinerja_V1_GetOverviewRequest, context: ServerContext) async throws -> Kinerja_V1_Overview {
        let caller = try context.caller()
        let now = state.clock.now()
        return try await store.read { db in
            let e = try EmployeeLookup.employee(db, request.nip)
            try caller.require(.ownOrSupervisor, employee: e, action: "read the overview of \(e.nip)", db: db, now: now)
            let today = try AgencyClock.agency(db, at: now).today
            let year = request.year.isEmpty ? PeriodID(year: today.year, kind: .annual, index: 0) : try PeriodID.requested(request.year, annual: true)
            var o = Kinerja_V1_Overview()
            o.employee = Self.employeeMessage(e)
            o.unitName = try OrganisationStore.unit(db, code: e.unitCode)?.name ?? ""
            if let s = e.supervisorNIP { o.supervisorName = try OrganisationStore.employee(db, nip: s)?.name ?? "" }
            o.year = year.description
            o.today = today.description
            let all = try PeriodStore.all(db)
            let filling = PeriodStore.beingFilled(among: all, today: today)
            o.beingFilled = filling.map { $0.id.annual == year ? $0.id.description : "" } ?? ""

            // The year and its periods that have begun (a draft period is not in force yet).
            let annual = all.first { $0.id == year }
            let periods = all.filter { ($0.id == year || $0.parentID == year) && $0.state != .draft }
            let standing = try YearStanding.read(db, nip: e.nip, year: year, periods: periods.map(\.id))
            o.skpStatus = standing.skpStatus?.rawValue ?? ""
            o.skpReturnNote = standing.skpReturnNote
            for p in periods {
                let deadline = FilingDeadline.inForce(period: p.deadline, extendedUntil: standing.extensions[p.id])
                var row = Kinerja_V1_PeriodStanding()
                row.periodID = p.id.description
                row.state = p.state.rawValue
                row.deadline = deadline.description
                row.extended = deadline != p.deadline
                row.indicators = Int32(standing.indicators)
                row.realisasiFilled = Int32(standing.filled[p.id] ?? 0)
                let rating = standing.ratings[p.id]
                if let r = rating {
                    row.hasilKerja = r.hasilKerja.rawValue
                    row.perilakuKerja = r.perilakuKerja.rawValue
                    row.predikat = r.predikat.rawValue
                }
                let feedback = standing.feedback[p.id] ?? []
                row.feedbackEntries = Int32(feedback.count)
                row.feedbackMeanBySource = FeedbackMeans.bySource(feedback).mapValues(AngkaKredit.text)
                o.periods.append(row)
                if let j = e.jabatanFungsional, let r = rating {
                    // Prorated: the period's months (only those in the jabatan) of the yearly credit.
                    let months = AngkaKredit.months(of: p.id, since: e.jabatanSince)
                    o.angkaKredit[p.id.description] = AngkaKredit.text(thousandths: AngkaKredit.thousandths(j, r.predikat, months: months))
                }
            }

            // What is missing now.
            if annual != nil && standing.skpStatus != .approved {
                o.missing.append(
                    .with {
                        $0.kind = "skp_not_approved"
                        $0.periodID = year.description
                        $0.count = 1
                        $0.deadline = annual?.skpDeadline?.description ?? ""
                    })
            }
            if let filling, filling.id.annual == year, standing.skpStatus == .approved,
                let standing = o.periods.first(where: { $0.periodID == filling.id.description }), standing.realisasiFilled < standing.indicators
            {
                o.missing.append(
                    .with {
                        $0.kind = "realisasi_missing"
                        $0.periodID = filling.id.description
                        $0.count = standing.indicators - standing.realisasiFilled
                        $0.deadline = standing.deadline
                    })
            }
            o.activityMinutesToday = Int64(try ActivityStore.minutesOfDay(db, nip: e.nip, date: today).values.reduce(0, +))
            let running = periods.contains { $0.state == .running && $0.id.contains(today) }
            if running && e.active && o.activityMinutesToday == 0 {
                o.missing.append(
                    .with {
                        $0.kind = "activity_today"
                        $0.periodID = today.description
                        $0.count = 1
                    })
            }

            o.acting = try StructureStore.assignments(db, nip: e.nip).filter { $0.to >= today }.map { try Self.actingMessage(db, $0, today: today) }
            o.tpp = standing.tpp.map { m in
                .with {
                    $0.month = m.month
                    $0.blocked = m.result.blocked
                    $0.blockedReason = m.result.blockedReason
                    $0.net = m.result.blocked ? 0 : m.result.net
                    if !m.result.blocked { $0.explanation = Array(m.result.steps.split(separator: "\n").prefix(4).map(String.init)) }
                }
            }
            return o
        }
    }
}
