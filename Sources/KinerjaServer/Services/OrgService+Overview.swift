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
            try caller.require(.ownOrSupervisor, employee: e, action: "read the overview of \(e.nip)")
            let today = try AgencyClock.agency(db, at: now).today
            let year = request.year.isEmpty ? PeriodID(year: today.year, kind: .annual, index: 0) : try PeriodID.requested(request.year, annual: true)
            var o = Kinerja_V1_Overview()
            o.employee = Self.employeeMessage(e)
            o.unitName = try OrganisationStore.unit(db, code: e.unitCode)?.name ?? ""
            if let s = e.supervisorNIP { o.supervisorName = try OrganisationStore.employee(db, nip: s)?.name ?? "" }
            o.year = year.description
            o.today = today.description
            let skp = try SKPStore.load(db, nip: e.nip, period: year)
            o.skpStatus = skp?.status.rawValue ?? ""
            o.skpReturnNote = skp?.returnNote ?? ""
            let indicators = try SKPStore.indicatorCount(db, nip: e.nip, period: year)
            let filling = try PeriodStore.beingFilled(db, today: today)
            o.beingFilled = filling.map { $0.id.annual == year ? $0.id.description : "" } ?? ""

            // The year and its periods that have begun (a draft period is not in force yet).
            let annual = try PeriodStore.find(db, year)
            let periods = ([annual].compactMap { $0 } + (try PeriodStore.children(db, of: year))).filter { $0.state != .draft }
            for p in periods {
                let extended = try PeriodStore.deadlineExtension(db, period: p.id, nip: e.nip)?.until
                let deadline = FilingDeadline.inForce(period: p.deadline, extendedUntil: extended)
                var standing = Kinerja_V1_PeriodStanding()
                standing.periodID = p.id.description
                standing.state = p.state.rawValue
                standing.deadline = deadline.description
                standing.extended = deadline != p.deadline
                standing.indicators = Int32(indicators)
                standing.realisasiFilled = Int32(try RealisasiStore.filledCount(db, nip: e.nip, period: p.id))
                let rating = try AppraisalStore.rating(db, nip: e.nip, period: p.id)
                if let r = rating {
                    standing.hasilKerja = r.hasilKerja.rawValue
                    standing.perilakuKerja = r.perilakuKerja.rawValue
                    standing.predikat = r.predikat.rawValue
                }
                let feedback = try AppraisalStore.feedback(db, period: p.id, nip: e.nip)
                standing.feedbackEntries = Int32(feedback.count)
                standing.feedbackMeanBySource = FeedbackMeans.bySource(feedback.map { ($0.source, $0.rating) }).mapValues(AngkaKredit.text)
                o.periods.append(standing)
                if let j = e.jabatanFungsional, let r = rating {
                    o.angkaKredit[p.id.description] = AngkaKredit.text(AngkaKredit.credit(j, r.predikat))
                }
            }

            // What is missing now.
            if annual != nil && skp?.status != .approved {
                o.missing.append(
                    .with {
                        $0.kind = "skp_not_approved"
                        $0.periodID = year.description
                        $0.count = 1
                        $0.deadline = annual?.skpDeadline?.description ?? ""
                    })
            }
            if let filling, filling.id.annual == year, skp?.status == .approved,
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

            o.tpp = try TPPStore.results(db, nip: e.nip, year: year.year).map { m in
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
