import Foundation
import GRPCCore
import Hummingbird
import KinerjaAPI
import SwiftProtobuf

/// Beranda: the employee's standing at a glance, from one `GetOverview`.
extension Portal {
    func addOverviewPages(to router: Router<PortalContext>) {
        router.get("/beranda") { request, _ in
            guard let (session, user) = signedIn(request) else { return Response.redirect(to: "/masuk") }
            do {
                let o = try await daemon.org.getOverview(
                    .with {
                        $0.nip = user.nip
                        $0.year = request.query("tahun")
                    }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                return page("beranda", title: renderer.text("beranda_title"), session: session, data: overviewData(o), active: "/beranda")
            } catch {
                return errorPage(error, session: session)
            }
        }
    }

    func overviewData(_ o: Kinerja_V1_Overview) -> [String: Any] {
        let periods: [[String: Any]] = o.periods.map { p in
            let days = Display.daysBetween(o.today, p.deadline)
            return [
                "name": Display.period(p.periodID), "id": p.periodID, "state": renderer.text("state_\(p.state)"),
                "deadline": Display.date(p.deadline), "extended": p.extended, "daysLeft": days.map { max($0, 0) } ?? 0,
                "open": (days ?? -1) >= 0 && p.state != "closed", "filled": p.realisasiFilled, "indicators": p.indicators,
                "predikat": p.predikat.isEmpty ? "" : renderer.text("predikat_\(p.predikat)"),
                "feedback": p.feedbackMeanBySource.sorted { $0.key < $1.key }.map { ["source": renderer.text("source_\($0.key)"), "mean": $0.value] },
                "beingFilled": p.periodID == o.beingFilled,
            ]
        }
        let missing: [[String: Any]] = o.missing.map { m in
            let text: String =
                switch m.kind {
                case "skp_not_approved": renderer.text("missing_skp")
                case "realisasi_missing": String(format: renderer.text("missing_realisasi"), Int(m.count), Display.period(m.periodID))
                case "activity_today": renderer.text("missing_activity")
                default: m.kind
                }
            let link: String =
                switch m.kind {
                case "skp_not_approved": "/skp"
                case "realisasi_missing": "/realisasi?periode=\(m.periodID)"
                default: "/kegiatan"
                }
            return ["text": text, "deadline": m.deadline.isEmpty ? "" : Display.date(m.deadline), "link": link]
        }
        let periodic = o.periods.filter { $0.periodID.contains("-") }.map { (id: $0.periodID, predikat: $0.predikat) }
        return [
            "employee": [
                "nip": o.employee.nip, "name": o.employee.name, "jabatan": o.employee.jabatan, "unit": o.unitName, "supervisor": o.supervisorName,
            ],
            "year": o.year, "today": Display.date(o.today), "skpStatus": o.skpStatus.isEmpty ? renderer.text("skp_none") : renderer.text("skp_\(o.skpStatus)"),
            "skpReturnNote": o.skpReturnNote, "periods": periods, "missing": missing, "hasMissing": !missing.isEmpty,
            "minutesToday": o.activityMinutesToday,
            "tpp": o.tpp.map { m in
                [
                    "month": Display.period(m.month), "blocked": m.blocked, "reason": m.blockedReason, "net": Display.rupiah(m.net),
                    "explanation": m.explanation,
                ] as [String: Any]
            },
            "hasTPP": !o.tpp.isEmpty,
            "bars": Display.ratingBars(periodic), "hasBars": !periodic.isEmpty, "chartWidth": 48 + periodic.count * 44,
            "acting": o.acting.map { a in
                [
                    "kind": renderer.text("acting_\(a.kind)"), "unit": a.unitName.isEmpty ? a.unitCode : a.unitName, "from": Display.date(a.from),
                    "to": Display.date(a.to), "current": a.current,
                ] as [String: Any]
            },
            "hasActing": !o.acting.isEmpty,
            "hasAngkaKredit": !o.angkaKredit.isEmpty,
            "angkaKredit": o.angkaKredit.sorted { $0.key < $1.key }.map { ["period": Display.period($0.key), "credit": $0.value] },
        ]
    }
}
