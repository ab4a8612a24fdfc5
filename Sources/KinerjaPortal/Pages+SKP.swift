import Foundation
import GRPCCore
import Hummingbird
import KinerjaAPI
import SwiftProtobuf

/// SKP (the employee's plan: view and submit) and 360° (the colleagues one may rate, and the form).
extension Portal {
    func addSKPPages(to router: Router<PortalContext>) {
        router.get("/skp") { request, _ in
            guard let (session, user) = signedIn(request) else { return Response.redirect(to: "/masuk") }
            do {
                let o = try await daemon.overview(of: user.nip, as: user.nip)
                let skp = try await daemon.skp(of: user.nip, year: o.year, as: user.nip)
                var data = skpData(skp)
                data["canSubmit"] = skp.status == "draft" || skp.status == "returned"
                return page("skp", title: renderer.text("skp_title"), session: session, data: data, active: "/skp")
            } catch let error as RPCError where error.code == .notFound {
                return page("skp", title: renderer.text("skp_title"), session: session, data: ["none": true], active: "/skp")
            } catch {
                return errorPage(error, session: session)
            }
        }
        router.post("/skp/ajukan") { request, _ in
            guard let (session, user) = signedIn(request) else { return expired() }
            let form = try await checkedForm(request, session)
            do {
                _ = try await daemon.skp.submitSKP(
                    .with {
                        $0.nip = user.nip
                        $0.periodID = form["periode"]
                    }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                return redirect("/skp", session, ok: true, renderer.text("skp_submitted_flash"))
            } catch {
                return redirect("/skp", session, ok: false, explain(error))
            }
        }
        router.get("/360") { request, _ in
            guard let (session, user) = signedIn(request) else { return Response.redirect(to: "/masuk") }
            do {
                let given = try await daemon.appraisal.listFeedbackGiven(
                    .with { $0.periodID = request.query("periode") }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                let colleagues: [[String: Any]] = given.colleagues.map { c in
                    [
                        "nip": c.nip, "name": c.name, "jabatan": c.jabatan, "source": renderer.text("source_as_\(c.source)"), "given": c.given,
                        "comment": c.comment,
                        "ratings": ["di_atas", "sesuai", "di_bawah"].map { ["value": $0, "label": renderer.text("rating_\($0)"), "checked": c.rating == $0] },
                    ]
                }
                let data: [String: Any] = [
                    "period": given.periodID, "periodName": Display.period(given.periodID), "open": given.open, "colleagues": colleagues,
                    "hasColleagues": !colleagues.isEmpty,
                ]
                return page("360", title: renderer.text("f360_title"), session: session, data: data, active: "/360")
            } catch {
                return errorPage(error, session: session)
            }
        }
        router.post("/360") { request, _ in
            guard let (session, user) = signedIn(request) else { return expired() }
            let form = try await checkedForm(request, session)
            let back = "/360?periode=\(Self.urlComponent(form["periode"]))"
            do {
                _ = try await daemon.appraisal.giveFeedback360(
                    .with {
                        $0.subjectNip = form["nip"]
                        $0.periodID = form["periode"]
                        $0.rating = form["nilai"]
                        $0.comment = form["komentar"].trimmingCharacters(in: .whitespacesAndNewlines)
                    }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                return redirect(back, session, ok: true, renderer.text("f360_saved"))
            } catch {
                return redirect(back, session, ok: false, explain(error))
            }
        }
    }

    func skpData(_ skp: Kinerja_V1_SKP) -> [String: Any] {
        [
            "nip": skp.nip, "name": skp.name, "period": skp.periodID, "status": renderer.text("skp_\(skp.status)"), "statusKey": skp.status,
            "returnNote": skp.returnNote,
            "rhk": skp.rhk.map { r in
                [
                    "id": r.id, "text": r.text, "kind": renderer.text("rhk_\(r.kind)"), "kindKey": r.kind, "intervensi": r.intervensi,
                    "indicators": r.indicators.map { i in
                        [
                            "id": i.id, "text": i.text, "aspect": renderer.text("aspek_\(i.aspect)"), "rhkNumber": r.id, "rhkText": r.text,
                            "intervensi": r.intervensi,
                            "target": i.hasTarget_p ? "\(Self.number(i.target)) \(i.unit)" : i.targetText,
                        ]
                    },
                ] as [String: Any]
            },
            "dukungan": skp.dukunganSumberDaya, "skema": skp.skemaPertanggungjawaban, "konsekuensi": skp.konsekuensi,
            "perilaku": skp.perilaku.sorted { $0.key < $1.key }.map { ["aspect": renderer.text("berakhlak_\($0.key)"), "text": $0.value] },
        ]
    }
}
