import Foundation
import GRPCCore
import Hummingbird
import KinerjaAPI
import SwiftProtobuf

/// Kegiatan harian: a day's log with add, edit and delete, the week around it, and minutes per day and per month.
extension Portal {
    func addActivityPages(to router: Router<PortalContext>) {
        router.get("/kegiatan") { request, _ in
            guard let (session, user) = signedIn(request) else { return Response.redirect(to: "/masuk") }
            do {
                let o = try await daemon.org.getOverview(.with { $0.nip = user.nip }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                let day = CalendarDay(request.query("tanggal")) ?? CalendarDay(o.today) ?? CalendarDay(year: 2026, month: 1, day: 1)
                let week = day.week
                let month = day.monthDays
                let from = min(week.first!, month.first!)
                let to = max(week.last!, month.last!)
                let list = try await daemon.skp.listActivities(
                    .with {
                        $0.nip = user.nip
                        $0.from = from.iso
                        $0.to = to.iso
                    }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                let skp = try? await daemon.skp.getSKP(
                    .with {
                        $0.nip = user.nip
                        $0.periodID = String(day.year)
                    }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                let editing = Int64(request.query("ubah"))
                var perDay: [String: Int64] = [:]
                for a in list.activities { perDay[a.date, default: 0] += Int64(a.minutes) }
                let monthPrefix = String(day.iso.prefix(7))
                let monthMinutes = list.activities.filter { $0.date.hasPrefix(monthPrefix) }.reduce(Int64(0)) { $0 + Int64($1.minutes) }
                let rhkChoices = (skp?.rhk ?? []).map { ["id": $0.id, "text": $0.text] }
                let todays: [[String: Any]] = list.activities.filter { $0.date == day.iso }.map { a in
                    [
                        "id": a.id, "description": a.description_p, "minutes": a.minutes, "duration": Self.duration(Int64(a.minutes)), "rhk": a.rhkID,
                        "evidence": a.evidence, "editing": a.id == editing, "date": a.date,
                        "rhkChoices": rhkChoices.map { c in ["id": c["id"]!, "text": c["text"]!, "selected": c["id"]! == a.rhkID] },
                    ]
                }
                let data: [String: Any] = [
                    "date": day.iso, "dateName": Display.date(day.iso), "activities": todays, "hasActivities": !todays.isEmpty,
                    "dayMinutes": perDay[day.iso] ?? 0, "dayDuration": Self.duration(perDay[day.iso] ?? 0), "dayLeft": max(0, 1440 - (perDay[day.iso] ?? 0)),
                    "week": week.map { d in
                        [
                            "iso": d.iso, "name": "\(Self.weekday(d)) \(d.day)", "minutes": perDay[d.iso] ?? 0, "duration": Self.duration(perDay[d.iso] ?? 0),
                            "current": d == day,
                        ] as [String: Any]
                    },
                    "monthName": Display.period(monthPrefix), "monthDuration": Self.duration(monthMinutes),
                    "previous": day.adding(days: -7).iso, "next": day.adding(days: 7).iso, "rhkChoices": rhkChoices,
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

    static func weekday(_ d: CalendarDay) -> String { ["Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"][d.weekdayFromMonday] }
}

/// A civil date without a zone (the daemon says what today is in the agency's zone).
struct CalendarDay: Equatable, Comparable, Sendable {
    var year: Int, month: Int, day: Int

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    init?(_ iso: String) {
        let p = iso.split(separator: "-")
        guard iso.count == 10, p.count == 3, let y = Int(p[0]), let m = Int(p[1]), let d = Int(p[2]), (1900...2200).contains(y), (1...12).contains(m),
            (1...CalendarDay.daysIn(y, m)).contains(d)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    static func daysIn(_ y: Int, _ m: Int) -> Int {
        [31, (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    }

    var iso: String { String(format: "%04d-%02d-%02d", year, month, day) }

    /// Days since 1970-01-01.
    var ordinal: Int {
        let y = month <= 2 ? year - 1 : year
        let era = y / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    init(ordinal z0: Int) {
        let z = z0 + 719_468
        let era = z / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    func adding(days: Int) -> CalendarDay { CalendarDay(ordinal: ordinal + days) }
    /// 0 Monday … 6 Sunday.
    var weekdayFromMonday: Int { ((ordinal % 7) + 7 + 3) % 7 }
    var week: [CalendarDay] { (0..<7).map { adding(days: $0 - weekdayFromMonday) } }
    var monthDays: [CalendarDay] { (1...CalendarDay.daysIn(year, month)).map { CalendarDay(year: year, month: month, day: $0) } }

    static func < (a: CalendarDay, b: CalendarDay) -> Bool { a.ordinal < b.ordinal }
}
