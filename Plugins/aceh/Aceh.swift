import Foundation
import KinerjaPluginKit
import SwiftProtobuf

/// Aceh: discipline and adaptability, awards, training needs.
/// - DeriveRatings: an employee with a disciplinary sanction, or absent without permission (TK) on at least
///   `tk_days` (3) days in any month of the period, has Perilaku Kerja capped at sesuai (di_atas is lowered,
///   other ratings stay). The supervisor's rating of the period is the starting point.
/// - Report penghargaan (annual period): annual predikat Sangat Baik and every periodic predikat of the year Baik or
///   better, most Sangat Baik periods first, then NIP.
/// - Report kebutuhan_pelatihan: Perilaku Kerja di_bawah or any BerAKHLAK aspect di_bawah, with suggested training
///   per aspect (`pelatihan.<aspect>` in the config replaces a default).
struct AcehPlugin: KinerjaPlugin {
    static let id = "aceh"
    static let version = "1.0.0"
    static let hooks: [Hook] = [.deriveRatings, .report]

    static let aspectNames = [
        "berorientasi_pelayanan": "Berorientasi Pelayanan", "akuntabel": "Akuntabel", "kompeten": "Kompeten", "harmonis": "Harmonis",
        "loyal": "Loyal", "adaptif": "Adaptif", "kolaboratif": "Kolaboratif",
    ]
    static let aspectOrder = ["berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif"]
    static let defaultTraining = [
        "berorientasi_pelayanan": "Pelatihan Pelayanan Prima",
        "akuntabel": "Pelatihan Akuntabilitas Kinerja Instansi Pemerintah",
        "kompeten": "Pelatihan Pengembangan Kompetensi Teknis",
        "harmonis": "Pelatihan Komunikasi Efektif dan Kerja Sama Tim",
        "loyal": "Pelatihan Wawasan Kebangsaan dan Bela Negara",
        "adaptif": "Pelatihan Manajemen Perubahan dan Inovasi",
        "kolaboratif": "Pelatihan Kolaborasi dan Jejaring Kerja",
        "perilaku_kerja": "Pelatihan Penguatan Budaya Kerja BerAKHLAK",
    ]

    let tkDays: Int
    let training: [String: String]

    init(config: Kinerja_Plugin_V1_PluginConfig, log: PluginLog) throws {
        tkDays = try config.int("tk_days", default: 3)
        guard tkDays >= 1 else { throw PluginError("config tk_days: must be at least 1") }
        var t = Self.defaultTraining
        for (k, v) in config.values where k.hasPrefix("pelatihan.") {
            let aspect = String(k.dropFirst("pelatihan.".count))
            guard t[aspect] != nil else { throw PluginError("config \(k): unknown aspect '\(aspect)'") }
            t[aspect] = v
        }
        training = t
    }

    var summary: String { "discipline caps Perilaku Kerja; awards and training needs (Aceh)" }
    var reports: [Kinerja_Plugin_V1_ReportInfo] {
        [
            .with {
                $0.name = "penghargaan"
                $0.title = "Penghargaan tahunan"
                $0.needsPeriod = true
            },
            .with {
                $0.name = "kebutuhan_pelatihan"
                $0.title = "Kebutuhan pelatihan"
                $0.needsPeriod = true
            },
        ]
    }

    /// Why the employee's Perilaku Kerja is capped, or nil.
    func discipline(_ s: Kinerja_Plugin_V1_Subject) -> String? {
        var reasons: [String] = []
        for m in s.attendance {
            if m.attendance.sanctionPercent > 0 { reasons.append("sanction \(m.attendance.sanctionPercent)% in \(m.month)") }
            if m.attendance.tk >= tkDays { reasons.append("TK \(m.attendance.tk) days in \(m.month)") }
        }
        return reasons.isEmpty ? nil : reasons.joined(separator: ", ")
    }

    func deriveRatings(_ request: Kinerja_Plugin_V1_DeriveRatingsRequest) throws -> Kinerja_Plugin_V1_DeriveRatingsResponse {
        .with {
            $0.results = request.subjects.map { s in
                .with {
                    $0.nip = s.nip
                    guard let current = s.ratings.first(where: { $0.periodID == request.period.id }) else {
                        $0.notDerivable = true
                        $0.reason = "no rating yet for \(request.period.id): the supervisor rates first, then the discipline rule applies"
                        return
                    }
                    if let why = discipline(s) {
                        $0.perilakuKerja = current.perilakuKerja == "di_atas" ? "sesuai" : current.perilakuKerja
                        $0.explanation =
                            current.perilakuKerja == "di_atas"
                            ? "di_atas lowered to sesuai: \(why)" : "\(current.perilakuKerja) kept (cap is sesuai): \(why)"
                    } else {
                        $0.perilakuKerja = current.perilakuKerja
                        $0.explanation = "no sanction and TK below \(tkDays) days in every month: \(current.perilakuKerja) kept"
                    }
                }
            }
        }
    }

    func report(_ request: Kinerja_Plugin_V1_ReportRequest) throws -> Kinerja_Plugin_V1_ReportResponse {
        switch request.name {
        case "penghargaan": return try awards(request)
        case "kebutuhan_pelatihan": return training(request)
        default: throw PluginError("aceh has no report '\(request.name)'; use penghargaan or kebutuhan_pelatihan")
        }
    }

    func awards(_ request: Kinerja_Plugin_V1_ReportRequest) throws -> Kinerja_Plugin_V1_ReportResponse {
        guard request.period.kind == "annual" else { throw PluginError("penghargaan is for an annual period (e.g. --period 2026), not \(request.period.id)") }
        let good: Set<String> = ["sangat_baik", "baik"]
        var rows: [(Int, Kinerja_Plugin_V1_Subject, String)] = []
        for s in request.subjects {
            guard s.ratings.contains(where: { $0.periodID == request.period.id && $0.predikat == "sangat_baik" }) else { continue }
            let periodic = s.ratings.filter { $0.periodID != request.period.id }
            guard periodic.allSatisfy({ good.contains($0.predikat) }) else { continue }
            let count = s.ratings.filter { $0.predikat == "sangat_baik" }.count
            rows.append((count, s, periodic.map { "\($0.periodID) \($0.predikat)" }.joined(separator: ", ")))
        }
        rows.sort { ($1.0, $0.1.nip) < ($0.0, $1.1.nip) }
        return .with {
            $0.title = "Penghargaan \(request.period.id): Sangat Baik tahunan dan setiap periode minimal Baik"
            $0.columns = ["nip", "name", "unit", "sangat_baik_periods", "periodic"]
            $0.rows = rows.map { r in .with { $0.cells = [r.1.nip, r.1.name, r.1.unitCode, String(r.0), r.2] } }
        }
    }

    func training(_ request: Kinerja_Plugin_V1_ReportRequest) -> Kinerja_Plugin_V1_ReportResponse {
        var rows: [Kinerja_Plugin_V1_ReportRow] = []
        for s in request.subjects.sorted(by: { $0.nip < $1.nip }) {
            guard let r = s.ratings.first(where: { $0.periodID == request.period.id }) else { continue }
            var weak = Self.aspectOrder.filter { a in r.aspects.contains { $0.aspect == a && $0.rating == "di_bawah" } }
            if weak.isEmpty && r.perilakuKerja == "di_bawah" { weak = ["perilaku_kerja"] }
            guard !weak.isEmpty else { continue }
            rows.append(
                .with {
                    $0.cells = [
                        s.nip, s.name, s.unitCode, weak.map { Self.aspectNames[$0] ?? "Perilaku Kerja" }.joined(separator: "; "),
                        weak.map { training[$0]! }.joined(separator: "; "),
                    ]
                })
        }
        return .with {
            $0.title = "Kebutuhan pelatihan \(request.period.id)"
            $0.columns = ["nip", "name", "unit", "aspek_lemah", "pelatihan"]
            $0.rows = rows
        }
    }
}

@_cdecl("kinerja_plugin_v1")
public func kinerja_plugin_v1() -> UnsafePointer<kinerja_plugin> { PluginExport.descriptor(AcehPlugin.self) }
