import Foundation
import GRPCCore
import Hummingbird
import KinerjaAPI
import SwiftProtobuf

/// Menyusun SKP: the year's draft (or a returned SKP) as one form, without JavaScript: every RHK with its indicators,
/// one empty RHK and one empty indicator per RHK to add (saving brings new empty rows), the intervensi chosen from
/// the supervisor's RHK, the lampiran one item per line, the expected behaviours. Saved whole with `PutSKP`.
extension Portal {
    static let aspekChoices = ["kuantitas", "kualitas", "waktu", "biaya"]

    func addSKPEditorPages(to router: Router<PortalContext>) {
        router.get("/skp/ubah") { request, _ in
            guard let (session, user) = signedIn(request) else { return Response.redirect(to: "/masuk") }
            do {
                let o = try await daemon.overview(of: user.nip, as: user.nip)
                var skp: Kinerja_V1_SKP?
                do {
                    skp = try await daemon.skp(of: user.nip, year: o.year, as: user.nip)
                } catch let e as RPCError where e.code == .notFound {
                    skp = nil
                }
                if let status = skp?.status, status != "draft" && status != "returned" {
                    return redirect("/skp", session, ok: false, renderer.text("skp_not_editable"))
                }
                let intervensi = await supervisorRHK(o, actor: user.nip)
                return page(
                    "skp-ubah", title: renderer.text("skp_edit_title"), session: session,
                    data: editorData(skp ?? .with { $0.periodID = o.year }, year: o.year, intervensi: intervensi), active: "/skp")
            } catch {
                return errorPage(error, session: session)
            }
        }
        router.post("/skp/ubah") { request, _ in
            guard let (session, user) = signedIn(request) else { return expired() }
            let form = try await checkedForm(request, session)
            let document = Self.skpDocument(form, nip: user.nip)
            do {
                let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])
                _ = try await daemon.skp.putSKP(
                    .with {
                        $0.nip = user.nip
                        $0.periodID = form["tahun"]
                        $0.skp = data
                        $0.submit = form["aksi"] == "ajukan"
                    }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                if form["aksi"] == "ajukan" { return redirect("/skp", session, ok: true, renderer.text("skp_submitted_flash")) }
                return redirect("/skp/ubah", session, ok: true, renderer.text("skp_saved"))
            } catch {
                // What was typed comes back with the reason, nothing lost.
                var skp = Self.skpMessage(document, year: form["tahun"])
                skp.status = form["status"]
                let o = try? await daemon.overview(of: user.nip, as: user.nip)
                var intervensi: [(id: String, text: String)] = []
                if let o { intervensi = await supervisorRHK(o, actor: user.nip) }
                var data = editorData(skp, year: form["tahun"], intervensi: intervensi)
                data["error"] = explain(error)
                return page("skp-ubah", title: renderer.text("skp_edit_title"), session: session, data: data, status: .badRequest, active: "/skp")
            }
        }
    }

    /// The supervisor's RHK for the year (id and text), to choose an intervensi from; none when they have no SKP.
    func supervisorRHK(_ o: Kinerja_V1_Overview, actor: String) async -> [(id: String, text: String)] {
        guard !o.employee.supervisorNip.isEmpty,
            let skp = try? await daemon.skp.getSKP(
                .with {
                    $0.nip = o.employee.supervisorNip
                    $0.periodID = o.year
                }, metadata: DaemonLink.acting(actor), options: DaemonLink.options)
        else { return [] }
        return skp.rhk.map { ($0.id, $0.text) }
    }

    func editorData(_ skp: Kinerja_V1_SKP, year: String, intervensi: [(id: String, text: String)]) -> [String: Any] {
        var rhk = skp.rhk
        rhk.append(Kinerja_V1_RHK.with { $0.kind = "utama" })
        let rows: [[String: Any]] = rhk.enumerated().map { n, r in
            var indicators = r.indicators
            indicators.append(Kinerja_V1_Indicator())
            return [
                "n": n, "id": r.id, "text": r.text, "isNew": r.text.isEmpty,
                "kinds": ["utama", "tambahan"].map { ["value": $0, "label": renderer.text("rhk_\($0)"), "selected": r.kind == $0] },
                "intervensi": [["value": "", "label": renderer.text("skp_no_intervensi"), "selected": r.intervensi.isEmpty]]
                    + intervensi.map { ["value": $0.id, "label": "\($0.id). \($0.text)", "selected": r.intervensi == $0.id] },
                "indicators": indicators.enumerated().map { m, i in
                    [
                        "n": n, "m": m, "id": i.id, "text": i.text,
                        "target": i.hasTarget_p ? Self.number(i.target) : i.targetText, "unit": i.unit,
                        "aspects": Self.aspekChoices.map { ["value": $0, "label": renderer.text("aspek_\($0)"), "selected": i.aspect == $0] },
                    ] as [String: Any]
                },
            ]
        }
        return [
            "year": year, "status": skp.status, "returnNote": skp.returnNote, "rhk": rows,
            "dukungan": skp.dukunganSumberDaya.joined(separator: "\n"), "skema": skp.skemaPertanggungjawaban.joined(separator: "\n"),
            "konsekuensi": skp.konsekuensi.joined(separator: "\n"),
            "perilaku": Self.aspects.map { ["key": $0, "name": renderer.text("berakhlak_\($0)"), "text": skp.perilaku[$0] ?? ""] },
        ]
    }

    /// The form as one element of an SKP import's "skp" list: empty rows left out, new RHK and indicators numbered
    /// after the ones there (R for utama, T for tambahan; I within an RHK), targets numeric when they read as numbers.
    static func skpDocument(_ form: Form, nip: String) -> [String: Any] {
        var used = Set<String>()
        var rhk: [[String: Any]] = []
        var pending: [(index: Int, kind: String)] = []
        for n in 0..<100 {
            let text = form["rhk\(n)_text"].trimmingCharacters(in: .whitespacesAndNewlines)
            guard form.fields["rhk\(n)_text"] != nil else { break }
            guard !text.isEmpty else { continue }
            let kind = form["rhk\(n)_kind"] == "tambahan" ? "tambahan" : "utama"
            var r: [String: Any] = ["kind": kind, "text": text]
            let id = form["rhk\(n)_id"]
            if !id.isEmpty {
                r["id"] = id
                used.insert(id)
            } else {
                pending.append((rhk.count, kind))
            }
            if !form["rhk\(n)_intervensi"].isEmpty { r["intervensi"] = form["rhk\(n)_intervensi"] }
            var indicators: [[String: Any]] = []
            var usedIndicators = Set<String>()
            var newIndicators: [Int] = []
            for m in 0..<100 {
                guard form.fields["rhk\(n)_ind\(m)_text"] != nil else { break }
                let itext = form["rhk\(n)_ind\(m)_text"].trimmingCharacters(in: .whitespacesAndNewlines)
                guard !itext.isEmpty else { continue }
                var i: [String: Any] = ["aspect": form["rhk\(n)_ind\(m)_aspect"], "text": itext]
                let target = form["rhk\(n)_ind\(m)_target"].trimmingCharacters(in: .whitespaces)
                if let v = Double(target.replacingOccurrences(of: ",", with: ".")), v.isFinite {
                    i["target"] = v
                    i["unit"] = form["rhk\(n)_ind\(m)_unit"].trimmingCharacters(in: .whitespaces)
                } else {
                    i["target_text"] = target
                }
                let iid = form["rhk\(n)_ind\(m)_id"]
                if !iid.isEmpty {
                    i["id"] = iid
                    usedIndicators.insert(iid)
                } else {
                    newIndicators.append(indicators.count)
                }
                indicators.append(i)
            }
            var k = 1
            for index in newIndicators {
                while usedIndicators.contains("I\(k)") { k += 1 }
                indicators[index]["id"] = "I\(k)"
                usedIndicators.insert("I\(k)")
            }
            r["indicators"] = indicators
            rhk.append(r)
        }
        for (index, kind) in pending {
            let prefix = kind == "tambahan" ? "T" : "R"
            var k = 1
            while used.contains("\(prefix)\(k)") { k += 1 }
            rhk[index]["id"] = "\(prefix)\(k)"
            used.insert("\(prefix)\(k)")
        }
        func lines(_ key: String) -> [String] {
            form[key].split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        var perilaku: [String: String] = [:]
        for a in aspects {
            let t = form["perilaku_\(a)"].trimmingCharacters(in: .whitespacesAndNewlines)
            if !t.isEmpty { perilaku[a] = t }
        }
        return [
            "nip": nip, "rhk": rhk, "perilaku": perilaku,
            "lampiran": ["dukungan_sumber_daya": lines("dukungan"), "skema_pertanggungjawaban": lines("skema"), "konsekuensi": lines("konsekuensi")],
        ]
    }

    /// The document back as an SKP message, to show a refused form again as typed.
    static func skpMessage(_ document: [String: Any], year: String) -> Kinerja_V1_SKP {
        .with { skp in
            skp.periodID = year
            skp.rhk = (document["rhk"] as? [[String: Any]] ?? []).map { r in
                .with {
                    $0.id = r["id"] as? String ?? ""
                    $0.kind = r["kind"] as? String ?? "utama"
                    $0.text = r["text"] as? String ?? ""
                    $0.intervensi = r["intervensi"] as? String ?? ""
                    $0.indicators = (r["indicators"] as? [[String: Any]] ?? []).map { i in
                        .with {
                            $0.id = i["id"] as? String ?? ""
                            $0.aspect = i["aspect"] as? String ?? ""
                            $0.text = i["text"] as? String ?? ""
                            if let v = i["target"] as? Double {
                                $0.hasTarget_p = true
                                $0.target = v
                                $0.unit = i["unit"] as? String ?? ""
                            } else {
                                $0.targetText = i["target_text"] as? String ?? ""
                            }
                        }
                    }
                }
            }
            let lampiran = document["lampiran"] as? [String: [String]] ?? [:]
            skp.dukunganSumberDaya = lampiran["dukungan_sumber_daya"] ?? []
            skp.skemaPertanggungjawaban = lampiran["skema_pertanggungjawaban"] ?? []
            skp.konsekuensi = lampiran["konsekuensi"] ?? []
            skp.perilaku = document["perilaku"] as? [String: String] ?? [:]
        }
    }
}
