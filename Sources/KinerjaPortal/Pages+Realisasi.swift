import Foundation
import GRPCCore
import Hummingbird
import KinerjaAPI
import SwiftProtobuf

/// Realisasi: per periodic period, one form per indicator with the supervisor's umpan balik beside it; read-only
/// once the batas pengisian has passed (unless extended for this employee).
extension Portal {
    func addRealisasiPages(to router: Router<PortalContext>) {
        router.get("/realisasi") { request, _ in
            guard let (session, user) = signedIn(request) else { return Response.redirect(to: "/masuk") }
            do {
                let o = try await daemon.overview(of: user.nip, as: user.nip)
                let choices = o.periods.map(\.periodID)
                var period = request.query("periode")
                if period.isEmpty { period = o.beingFilled.isEmpty ? (choices.last ?? o.year) : o.beingFilled }
                let list = try await daemon.skp.listRealisasi(
                    .with {
                        $0.nip = user.nip
                        $0.periodID = period
                    }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                var data = realisasiData(list, editable: list.openForFiling)
                data["periods"] = choices.map { ["id": $0, "name": Display.period($0), "selected": $0 == period] }
                return page("realisasi", title: renderer.text("realisasi_title"), session: session, data: data, active: "/realisasi")
            } catch {
                return errorPage(error, session: session)
            }
        }
        router.post("/realisasi") { request, _ in
            guard let (session, user) = signedIn(request) else { return expired() }
            let form = try await checkedForm(request, session)
            let back = "/realisasi?periode=\(Self.urlComponent(form["periode"]))"
            do {
                _ = try await daemon.skp.putRealisasi(
                    .with {
                        $0.key = .with {
                            $0.nip = user.nip
                            $0.periodID = form["periode"]
                            $0.rhkID = form["rhk"]
                            $0.indicatorID = form["indikator"]
                        }
                        $0.value = form["nilai"].trimmingCharacters(in: .whitespaces)
                        $0.text = form["uraian"].trimmingCharacters(in: .whitespacesAndNewlines)
                        $0.evidence = Self.links(form["bukti"])
                        $0.note = form["catatan"].trimmingCharacters(in: .whitespacesAndNewlines)
                    }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                return redirect(back, session, ok: true, String(format: renderer.text("realisasi_saved"), form["rhk"], form["indikator"]))
            } catch {
                return redirect(back, session, ok: false, explain(error))
            }
        }
        router.post("/realisasi/hapus") { request, _ in
            guard let (session, user) = signedIn(request) else { return expired() }
            let form = try await checkedForm(request, session)
            let back = "/realisasi?periode=\(Self.urlComponent(form["periode"]))"
            do {
                _ = try await daemon.skp.deleteRealisasi(
                    .with {
                        $0.nip = user.nip
                        $0.periodID = form["periode"]
                        $0.rhkID = form["rhk"]
                        $0.indicatorID = form["indikator"]
                    }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                return redirect(back, session, ok: true, renderer.text("realisasi_deleted"))
            } catch {
                return redirect(back, session, ok: false, explain(error))
            }
        }
    }

    /// The rows of a realisasi page (also the supervisor's view of a subordinate's, read-only).
    func realisasiData(_ list: Kinerja_V1_ListRealisasiResponse, editable: Bool) -> [String: Any] {
        let filed = Dictionary(list.realisasi.map { ("\($0.key.rhkID)/\($0.key.indicatorID)", $0) }, uniquingKeysWith: { a, _ in a })
        let feedback = Dictionary(list.umpanBalik.map { ($0.rhkID, $0.text) }, uniquingKeysWith: { a, _ in a })
        let rhk: [[String: Any]] = list.skp.rhk.map { r in
            [
                "id": r.id, "text": r.text, "kind": renderer.text("rhk_\(r.kind)"), "umpanBalik": feedback[r.id] ?? "",
                "indicators": r.indicators.map { i -> [String: Any] in
                    let e = filed["\(r.id)/\(i.id)"]
                    return [
                        "rhk": r.id, "rhkText": r.text, "id": i.id, "text": i.text, "aspect": renderer.text("aspek_\(i.aspect)"), "numeric": i.hasTarget_p,
                        "target": i.hasTarget_p ? "\(Self.number(i.target)) \(i.unit)" : i.targetText,
                        "value": e.map { $0.hasValue_p ? Self.number($0.value) : "" } ?? "", "text2": e.map { Self.ownText($0, numeric: i.hasTarget_p) } ?? "",
                        "evidence": e?.evidence.joined(separator: "\n") ?? "", "evidenceList": e?.evidence ?? [], "hasEvidence": !(e?.evidence.isEmpty ?? true),
                        "note": e?.note ?? "",
                        "filled": e != nil, "editable": editable, "period": list.periodID,
                    ]
                },
            ]
        }
        return [
            "period": list.periodID, "periodName": Display.period(list.periodID), "deadline": Display.date(list.deadline), "extended": list.extended,
            "editable": editable, "state": renderer.text("state_\(list.periodState)"), "rhk": rhk, "hasSKP": list.hasSkp,
            "filledCount": list.realisasi.count, "indicatorCount": list.skp.rhk.reduce(0) { $0 + $1.indicators.count },
        ]
    }

    /// The realisasi's text as the employee wrote it: for a numeric indicator filed without words the daemon keeps
    /// the value as written there, which is not shown twice.
    static func ownText(_ e: Kinerja_V1_RealisasiEntry, numeric: Bool) -> String {
        guard numeric, e.hasValue_p else { return e.text }
        if let v = Double(e.text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")), v == e.value { return "" }
        return e.text
    }

    /// "12", "12,5": a number as Indonesians write it.
    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v).replacingOccurrences(of: ".", with: ",")
    }

    /// Evidence links from a text area: one per line (or separated by spaces).
    static func links(_ text: String) -> [String] {
        text.split(whereSeparator: { $0.isNewline || $0.isWhitespace }).map(String.init).filter { !$0.isEmpty }
    }

    static func urlComponent(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_."))) ?? ""
    }
}
