import Foundation
import GRPCCore
import Hummingbird
import KinerjaAPI
import SwiftProtobuf

/// Cetak: print-ready pages (A4, the print stylesheet) of the employee's SKP and of the Dokumen Evaluasi Kinerja
/// Pegawai for a period, their sections in the order of the official forms (PermenPANRB 6/2022).
extension Portal {
    func addPrintPages(to router: Router<PortalContext>) {
        router.get("/cetak/skp") { request, _ in
            guard let (session, user) = signedIn(request) else { return Response.redirect(to: "/masuk") }
            do {
                let o = try await daemon.overview(of: user.nip, as: user.nip)
                let skp = try await daemon.skp(of: user.nip, year: o.year, as: user.nip)
                var data = skpData(skp)
                data.merge(printHeader(o, supervisorNIP: skp.supervisorNip)) { a, _ in a }
                data["utama"] = (data["rhk"] as? [[String: Any]] ?? []).filter { ($0["kindKey"] as? String) == "utama" }
                data["tambahan"] = (data["rhk"] as? [[String: Any]] ?? []).filter { ($0["kindKey"] as? String) == "tambahan" }
                return printPage("cetak-skp", title: "\(renderer.text("cetak_skp_title")) \(o.year)", session: session, data: data)
            } catch {
                return errorPage(error, session: session)
            }
        }
        router.get("/cetak/evaluasi") { request, _ in
            guard let (session, user) = signedIn(request) else { return Response.redirect(to: "/masuk") }
            do {
                let o = try await daemon.overview(of: user.nip, as: user.nip)
                var period = request.query("periode")
                if period.isEmpty { period = o.periods.last(where: { !$0.predikat.isEmpty })?.periodID ?? o.beingFilled }
                let list = try await daemon.skp.listRealisasi(
                    .with {
                        $0.nip = user.nip
                        $0.periodID = period
                    }, metadata: DaemonLink.acting(user.nip), options: DaemonLink.options)
                var data = realisasiData(list, editable: false)
                data.merge(printHeader(o, supervisorNIP: list.skp.supervisorNip)) { a, _ in a }
                let standing = o.periods.first { $0.periodID == period }
                data["hasil"] = (standing?.hasilKerja).map { $0.isEmpty ? "" : renderer.text("rating_\($0)") } ?? ""
                data["perilaku"] = (standing?.perilakuKerja).map { $0.isEmpty ? "" : renderer.text("rating_\($0)") } ?? ""
                data["predikat"] = (standing?.predikat).map { $0.isEmpty ? renderer.text("not_rated") : renderer.text("predikat_\($0)") } ?? ""
                data["feedback"] = (standing?.feedbackMeanBySource ?? [:]).sorted { $0.key < $1.key }.map {
                    ["source": renderer.text("source_\($0.key)"), "mean": $0.value]
                }
                data["periodChoices"] = o.periods.map { ["id": $0.periodID, "name": Display.period($0.periodID), "selected": $0.periodID == period] }
                return printPage("cetak-evaluasi", title: "\(renderer.text("cetak_evaluasi_title"))", session: session, data: data)
            } catch {
                return errorPage(error, session: session)
            }
        }
    }

    /// Who is appraised and by whom, as both forms open.
    func printHeader(_ o: Kinerja_V1_Overview, supervisorNIP: String) -> [String: Any] {
        [
            "pegawai": [
                "name": o.employee.name, "nip": o.employee.nip, "golongan": o.employee.golongan, "jabatan": o.employee.jabatan, "unit": o.unitName,
            ],
            "penilai": ["name": o.supervisorName, "nip": supervisorNIP.isEmpty ? o.employee.supervisorNip : supervisorNIP],
            "year": o.year, "printedOn": Display.date(o.today),
        ]
    }

    /// A page for paper: the print layout (no menu), the same security headers.
    func printPage(_ template: String, title: String, session: Session, data: [String: Any]) -> Response {
        var context = Self.withoutEmptyText(data)
        context["title"] = title
        context["body"] = renderer.render(template, context)
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: renderer.render("print-layout", context))))
    }
}
