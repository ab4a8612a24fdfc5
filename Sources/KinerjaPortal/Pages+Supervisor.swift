import Foundation
import GRPCCore
import Hummingbird
import KinerjaAPI
import SwiftProtobuf

/// Bawahan: a supervisor's direct subordinates and, per subordinate, the SKP to approve or return, the realisasi
/// with umpan balik per RHK, and the rating with its BerAKHLAK aspects.
extension Portal {
    static let aspects = ["berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif"]
    static let ratings = ["di_atas", "sesuai", "di_bawah"]

    static let predikatOrder = ["sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang"]

    /// A unit's distribution as bars (numbers only reach the SVG) and its violated constraints in Indonesian.
    func curveData(_ u: Kinerja_V1_UnitCurve) -> [String: Any] {
        let most = max(1, Self.predikatOrder.map { Int(u.counts[$0] ?? 0) }.max() ?? 1)
        let bars: [[String: Any]] = Self.predikatOrder.enumerated().map { i, p in
            let count = Int(u.counts[p] ?? 0)
            let h = count * 120 / most
            return [
                "x": 20 + i * 110, "y": 10 + 120 - h, "height": h, "labelX": 20 + i * 110 + 40, "countY": 10 + 120 - h - 4,
                "label": renderer.text("predikat_\(p)"), "count": count, "percent": u.percentages[p] ?? "0", "key": p,
            ]
        }
        return [
            "code": u.unitCode, "name": u.unitName,
            "predikat": u.unitPredikat.isEmpty ? renderer.text("not_rated") : renderer.text("predikat_unit_\(u.unitPredikat)"),
            "employees": u.employees, "unrated": u.unrated, "satisfied": u.satisfied, "bars": bars,
            "violations": u.violations.map(curveWords), "hasViolations": !u.violations.isEmpty,
            "changes": u.minimumChanges > 0 ? String(format: renderer.text("curve_changes"), Int(u.minimumChanges)) : "",
        ]
    }

    /// The curve's constraint in Indonesian (the daemon writes it with the predikat names and English joining words).
    func curveWords(_ s: String) -> String {
        var t = s
        for (en, key) in [
            ("the unit has no predikat for this period (kinerjactl unit rate)", "curve_no_unit_predikat"), ("at most", "curve_at_most"),
            ("at least one", "curve_at_least_one"), ("at least", "curve_at_least"), ("none of", "curve_none_of"), (" of ", "curve_of"), (" or ", "curve_or"),
        ] {
            t = t.replacingOccurrences(of: en, with: renderer.text(key))
        }
        return t
    }

    func addSupervisorPages(to router: Router<PortalContext>) {
        router.get("/bawahan") { request, _ in
            guard let (session, user) = signedIn(request) else { return Response.redirect(to: "/masuk") }
            do {
                let list = try await daemon.org.listSubordinates(
                    .with {
                        $0.supervisorNip = user.nip
                        $0.periodID = request.query("periode")
                    }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                let rows: [[String: Any]] = list.subordinates.map { s in
                    [
                        "nip": s.employee.nip, "name": s.employee.name, "jabatan": s.employee.jabatan, "acting": s.actingAs,
                        "skp": s.skpStatus.isEmpty ? renderer.text("skp_none") : renderer.text("skp_\(s.skpStatus)"),
                        "waiting": s.skpStatus == "submitted", "filled": s.realisasiFilled, "indicators": s.indicators,
                        "predikat": s.predikat.isEmpty ? renderer.text("not_rated") : renderer.text("predikat_\(s.predikat)"),
                    ]
                }
                // A unit head also sees each unit's distribution against the curve (the daemon allows their units only).
                var units: [[String: Any]] = []
                for code in user.headsUnits where !list.periodID.isEmpty {
                    if let curve = try? await daemon.appraisal.curve(
                        .with {
                            $0.periodID = list.periodID
                            $0.unitCode = code
                        }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options), let unit = curve.units.first
                    {
                        units.append(curveData(unit))
                    }
                }
                let data: [String: Any] = [
                    "period": list.periodID, "periodName": Display.period(list.periodID), "deadline": Display.date(list.deadline), "rows": rows,
                    "hasRows": !rows.isEmpty, "units": units,
                ]
                return page("bawahan", title: renderer.text("bawahan_title"), session: session, data: data, active: "/bawahan")
            } catch {
                return errorPage(error, session: session)
            }
        }
        router.get("/bawahan/:nip") { request, context in
            guard let (session, user) = signedIn(request) else { return Response.redirect(to: "/masuk") }
            let nip = context.parameters.get("nip") ?? ""
            do {
                let o = try await daemon.org.getOverview(.with { $0.nip = nip }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                var period = request.query("periode")
                if period.isEmpty { period = o.beingFilled.isEmpty ? (o.periods.last?.periodID ?? o.year) : o.beingFilled }
                let list = try await daemon.skp.listRealisasi(
                    .with {
                        $0.nip = nip
                        $0.periodID = period
                    }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                var data = realisasiData(list, editable: false)
                let standing = o.periods.first { $0.periodID == period }
                data["subordinate"] = ["nip": o.employee.nip, "name": o.employee.name, "jabatan": o.employee.jabatan, "unit": o.unitName]
                data["year"] = o.year
                data["skpStatus"] = o.skpStatus.isEmpty ? renderer.text("skp_none") : renderer.text("skp_\(o.skpStatus)")
                data["skpWaiting"] = o.skpStatus == "submitted"
                data["skpApproved"] = o.skpStatus == "approved"
                data["skpReturnNote"] = o.skpReturnNote
                data["periods"] = o.periods.map { ["id": $0.periodID, "name": Display.period($0.periodID), "selected": $0.periodID == period] }
                data["predikat"] = (standing?.predikat).map { $0.isEmpty ? renderer.text("not_rated") : renderer.text("predikat_\($0)") } ?? ""
                data["hasilOptions"] = Self.ratings.map { ["value": $0, "label": renderer.text("rating_\($0)"), "checked": standing?.hasilKerja == $0] }
                data["perilakuOptions"] = Self.ratings.map {
                    ["value": $0, "label": renderer.text("rating_\($0)"), "checked": standing?.perilakuKerja == $0]
                }
                data["aspects"] = Self.aspects.map { a in
                    [
                        "key": a, "name": renderer.text("berakhlak_\(a)"),
                        "options": [["value": "", "label": "—"]] + Self.ratings.map { ["value": $0, "label": renderer.text("rating_\($0)")] },
                    ] as [String: Any]
                }
                return page("bawahan-detail", title: o.employee.name, session: session, data: data, active: "/bawahan")
            } catch {
                return errorPage(error, session: session)
            }
        }
        router.post("/bawahan/:nip/skp") { request, context in
            guard let (session, user) = signedIn(request) else { return expired() }
            let nip = context.parameters.get("nip") ?? ""
            let form = try await checkedForm(request, session)
            let back = "/bawahan/\(Self.urlComponent(nip))"
            let ref = Kinerja_V1_SKPRef.with {
                $0.nip = nip
                $0.periodID = form["tahun"]
                $0.note = form["catatan"].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            do {
                switch form["aksi"] {
                case "setujui":
                    _ = try await daemon.skp.approveSKP(ref, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                    return redirect(back, session, ok: true, renderer.text("bawahan_approved"))
                case "kembalikan":
                    _ = try await daemon.skp.returnSKP(ref, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                    return redirect(back, session, ok: true, renderer.text("bawahan_returned"))
                case "revisi":
                    _ = try await daemon.skp.reviseSKP(ref, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                    return redirect(back, session, ok: true, renderer.text("bawahan_returned"))
                default:
                    return redirect(back, session, ok: false, renderer.text("error_invalid"))
                }
            } catch {
                return redirect(back, session, ok: false, explain(error))
            }
        }
        router.post("/bawahan/:nip/umpan-balik") { request, context in
            guard let (session, user) = signedIn(request) else { return expired() }
            let nip = context.parameters.get("nip") ?? ""
            let form = try await checkedForm(request, session)
            let back = "/bawahan/\(Self.urlComponent(nip))?periode=\(Self.urlComponent(form["periode"]))"
            do {
                _ = try await daemon.skp.giveFeedback(
                    .with {
                        $0.nip = nip
                        $0.periodID = form["periode"]
                        $0.rhkID = form["rhk"]
                        $0.text = form["teks"].trimmingCharacters(in: .whitespacesAndNewlines)
                    }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                return redirect(back, session, ok: true, renderer.text("bawahan_feedback_saved"))
            } catch {
                return redirect(back, session, ok: false, explain(error))
            }
        }
        router.post("/bawahan/:nip/nilai") { request, context in
            guard let (session, user) = signedIn(request) else { return expired() }
            let nip = context.parameters.get("nip") ?? ""
            let form = try await checkedForm(request, session)
            let back = "/bawahan/\(Self.urlComponent(nip))?periode=\(Self.urlComponent(form["periode"]))"
            var aspects: [String: String] = [:]
            for a in Self.aspects where !form["aspek_\(a)"].isEmpty { aspects[a] = form["aspek_\(a)"] }
            do {
                let row = try await daemon.appraisal.setRating(
                    .with {
                        $0.nip = nip
                        $0.periodID = form["periode"]
                        $0.hasilKerja = form["hasil"]
                        $0.perilakuKerja = form["perilaku"]
                        $0.aspects = aspects
                        $0.notes = form["catatan"].trimmingCharacters(in: .whitespacesAndNewlines)
                    }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                return redirect(back, session, ok: true, String(format: renderer.text("bawahan_rated"), renderer.text("predikat_\(row.predikat)")))
            } catch {
                return redirect(back, session, ok: false, explain(error))
            }
        }
    }
}
