import Foundation
import GRPCCore
import Hummingbird
import KinerjaAPI
import KinerjaCore
import SwiftProtobuf

/// Kegiatan harian: a day's log with add, edit and delete, the week around it, and minutes per day and per month.
extension Portal {
    func addActivityPages(to router: Router<PortalContext>) {
        router.get("/kegiatan") { request, _ in
            guard let (session, user) = signedIn(request) else { return Response.redirect(to: "/masuk") }
            do {
                let o = try await daemon.overview(of: user.nip, as: user.nip)
                let day = CivilDate(iso: request.query("tanggal")) ?? CivilDate(iso: o.today) ?? CivilDate(daysSinceEpoch: 0)
                let week = day.week
                let month = day.monthDays
                let from = min(week.first!, month.first!)
                let to = max(week.last!, month.last!)
                let list = try await daemon.skp.listActivities(
                    .with {
                        $0.nip = user.nip
                        $0.from = from.description
                        $0.to = to.description
                    }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                let skp = try? await daemon.skp.getSKP(
                    .with {
                        $0.nip = user.nip
                        $0.periodID = String(day.year)
                    }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                let editing = Int64(request.query("ubah"))
                var perDay: [String: Int64] = [:]
                for a in list.activities { perDay[a.date, default: 0] += Int64(a.minutes) }
                let monthPrefix = String(day.description.prefix(7))
                let monthMinutes = list.activities.filter { $0.date.hasPrefix(monthPrefix) }.reduce(Int64(0)) { $0 + Int64($1.minutes) }
                let rhkChoices = (skp?.rhk ?? []).map { ["id": $0.id, "text": $0.text] }
                let todays: [[String: Any]] = list.activities.filter { $0.date == day.description }.map { a in
                    [
                        "id": a.id, "description": a.description_p, "minutes": a.minutes, "duration": Self.duration(Int64(a.minutes)), "rhk": a.rhkID,
                        "evidence": a.evidence, "editing": a.id == editing, "date": a.date,
                        "rhkChoices": rhkChoices.map { c in ["id": c["id"]!, "text": c["text"]!, "selected": c["id"]! == a.rhkID] },
                    ]
                }
                let data: [String: Any] = [
                    "date": day.description, "dateName": Display.date(day.description), "activities": todays, "hasActivities": !todays.isEmpty,
                    "dayMinutes": perDay[day.description] ?? 0, "dayDuration": Self.duration(perDay[day.description] ?? 0),
                    "dayLeft": max(0, 1440 - (perDay[day.description] ?? 0)),
                    "week": week.map { d in
                        [
                            "iso": d.description, "name": "\(Self.weekday(d)) \(d.day)", "minutes": perDay[d.description] ?? 0,
                            "duration": Self.duration(perDay[d.description] ?? 0),
                            "current": d == day,
                        ] as [String: Any]
                    },
                    "monthName": Display.period(monthPrefix), "monthDuration": Self.duration(monthMinutes),
                    "previous": day.adding(days: -7).description, "next": day.adding(days: 7).description, "rhkChoices": rhkChoices,
                ]
                return page("kegiatan", title: renderer.text("kegiatan_title"), session: session, data: data, active: "/kegiatan")
            } catch {
                return errorPage(error, session: session)
            }
        }
        router.post("/kegiatan") { request, _ in
            guard let (session, user) = signedIn(request) else { return expired() }
            let form = try await checkedForm(request, session)
            let back = "/kegiatan?tanggal=\(Self.urlComponent(form["tanggal"]))"
            guard let minutes = Self.minutes(hours: form["jam"], minutes: form["menit"]) else {
                return redirect(back, session, ok: false, renderer.text("kegiatan_bad_minutes"))
            }
            let input = Kinerja_V1_ActivityInput.with {
                $0.nip = user.nip
                $0.date = form["tanggal"]
                $0.description_p = form["uraian"].trimmingCharacters(in: .whitespacesAndNewlines)
                $0.minutes = minutes
                $0.rhkID = form["rhk"]
                $0.evidence = Self.links(form["bukti"]).joined(separator: " ")
            }
            do {
                if let id = Int64(form["id"]) {
                    _ = try await daemon.skp.updateActivity(
                        .with {
                            $0.id = id
                            $0.activity = input
                        }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                    return redirect(back, session, ok: true, renderer.text("kegiatan_updated"))
                }
                _ = try await daemon.skp.putActivity(input, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                return redirect(back, session, ok: true, renderer.text("kegiatan_added"))
            } catch {
                return redirect(back, session, ok: false, explain(error))
            }
        }
        router.post("/kegiatan/hapus") { request, _ in
            guard let (session, user) = signedIn(request) else { return expired() }
            let form = try await checkedForm(request, session)
            let back = "/kegiatan?tanggal=\(Self.urlComponent(form["tanggal"]))"
            do {
                _ = try await daemon.skp.deleteActivity(
                    .with {
                        $0.id = Int64(form["id"]) ?? 0
                        $0.nip = user.nip
                    }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                return redirect(back, session, ok: true, renderer.text("kegiatan_deleted"))
            } catch {
                return redirect(back, session, ok: false, explain(error))
            }
        }
    }

    /// "1 jam 30 menit".
    static func duration(_ minutes: Int64) -> String {
        let h = minutes / 60
        let m = minutes % 60
        switch (h, m) {
        case (0, _): return "\(m) menit"
        case (_, 0): return "\(h) jam"
        default: return "\(h) jam \(m) menit"
        }
    }

    /// Hours and minutes from a form (either may be empty): 1–1,440 minutes, nil otherwise.
    static func minutes(hours: String, minutes: String) -> Int32? {
        let h = hours.trimmingCharacters(in: .whitespaces)
        let m = minutes.trimmingCharacters(in: .whitespaces)
        guard h.count <= 2, m.count <= 4 else { return nil }
        let total = (Int(h.isEmpty ? "0" : h) ?? -10_000) * 60 + (Int(m.isEmpty ? "0" : m) ?? -10_000)
        return (1...1440).contains(total) ? Int32(total) : nil
    }

    static func weekday(_ d: CivilDate) -> String { ["Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"][d.weekdayFromMonday] }
}

extension CivilDate {
    /// 0 Monday … 6 Sunday (an Indonesian week starts on Senin).
    var weekdayFromMonday: Int { (weekday + 6) % 7 }
    /// Monday to Sunday around this day.
    var week: [CivilDate] { (0..<7).map { adding(days: $0 - weekdayFromMonday) } }
    /// Every day of this day's month.
    var monthDays: [CivilDate] { (1...CivilDate.daysIn(year: year, month: month)).compactMap { CivilDate(year: year, month: month, day: $0) } }
}
