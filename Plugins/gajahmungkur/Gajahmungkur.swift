import Foundation
import KinerjaPluginKit
import SwiftProtobuf

/// Gajahmungkur: 360° appraisal including the public. Perilaku Kerja comes from the 360° feedback:
/// each source's entries are averaged (di_atas 3, sesuai 2, di_bawah 1), weighted atasan 50, rekan 20,
/// bawahan 10, masyarakat 20; sources without entries are dropped and the rest rescaled.
/// Config ([plugins.config.gajahmungkur]): weights.<source>, thresholds.di_atas (2.5), thresholds.sesuai (1.5).
struct GajahmungkurPlugin: KinerjaPlugin {
    static let id = "gajahmungkur"
    static let version = "1.0.0"
    static let hooks: [Hook] = [.deriveRatings, .report]
    static let sources = ["atasan", "rekan", "bawahan", "masyarakat"]

    let weights: [String: Int]
    let diAtas: Fraction
    let sesuai: Fraction

    init(config: Kinerja_Plugin_V1_PluginConfig, log: PluginLog) throws {
        let defaults = ["atasan": 50, "rekan": 20, "bawahan": 10, "masyarakat": 20]
        var w: [String: Int] = [:]
        for s in Self.sources {
            let v = try config.int("weights.\(s)", default: defaults[s]!)
            guard v >= 0 else { throw PluginError("config weights.\(s): must not be negative") }
            w[s] = v
        }
        guard w.values.reduce(0, +) > 0 else { throw PluginError("config weights: at least one weight must be positive") }
        weights = w
        diAtas = try config.fraction("thresholds.di_atas", default: 2.5)
        sesuai = try config.fraction("thresholds.sesuai", default: 1.5)
        log(.info, "gajahmungkur: weights \(Self.sources.map { "\($0) \(w[$0]!)" }.joined(separator: ", "))")
    }

    var summary: String { "360° appraisal including the public (Gajahmungkur)" }
    var reports: [Kinerja_Plugin_V1_ReportInfo] {
        [
            .with {
                $0.name = "penghargaan"
                $0.title = "Penghargaan: predikat Sangat Baik, by 360° score"
                $0.needsPeriod = true
            }
        ]
    }

    /// The 360° score and how it was reached; nil when nobody gave feedback.
    func score(_ s: Kinerja_Plugin_V1_Subject) throws -> (Fraction, String)? {
        var parts: [(weight: Int, value: Fraction?)] = []
        var text: [String] = []
        for source in Self.sources {
            let mean = Scoring.mean(s.feedback.filter { $0.source == source }.map(\.rating))
            parts.append((weights[source]!, mean))
            let n = s.feedback.filter { $0.source == source }.count
            text.append(mean.map { "\(source) \($0.decimalText()) from \(n) (weight \(weights[source]!))" } ?? "\(source): none (weight dropped)")
        }
        guard let score = try Scoring.weighted(parts) else { return nil }
        return (score, text.joined(separator: "; ") + " → \(score.decimalText())")
    }

    func deriveRatings(_ request: Kinerja_Plugin_V1_DeriveRatingsRequest) throws -> Kinerja_Plugin_V1_DeriveRatingsResponse {
        .with {
            $0.results = request.subjects.map { s in
                .with {
                    $0.nip = s.nip
                    let scored: (Fraction, String)?
                    do { scored = try score(s) } catch {
                        $0.notDerivable = true
                        $0.reason = "not derivable: \(error)"
                        return
                    }
                    guard let (score, text) = scored else {
                        $0.notDerivable = true
                        $0.reason = "no 360° feedback for \(request.period.id)"
                        return
                    }
                    $0.perilakuKerja = Scoring.rating(score, diAtas: diAtas, sesuai: sesuai)
                    $0.explanation = text
                }
            }
        }
    }

    func report(_ request: Kinerja_Plugin_V1_ReportRequest) throws -> Kinerja_Plugin_V1_ReportResponse {
        guard request.name == "penghargaan" else { throw PluginError("gajahmungkur has no report '\(request.name)'; use penghargaan") }
        guard !request.period.id.isEmpty else { throw PluginError("penghargaan needs --period") }
        var rows: [(Fraction?, Kinerja_Plugin_V1_Subject)] = []
        for s in request.subjects where s.ratings.contains(where: { $0.periodID == request.period.id && $0.predikat == "sangat_baik" }) {
            rows.append(((try? score(s))??.0, s))
        }
        rows.sort { a, b in
            switch (a.0, b.0) {
            case let (x?, y?) where x != y: return y < x
            case (nil, _?): return false
            case (_?, nil): return true
            default: return a.1.nip < b.1.nip
            }
        }
        return .with {
            $0.title = "Penghargaan \(request.period.id): predikat Sangat Baik, skor 360° tertinggi dahulu"
            $0.columns = ["nip", "name", "unit", "skor_360"]
            $0.rows = rows.map { r in .with { $0.cells = [r.1.nip, r.1.name, r.1.unitCode, r.0?.decimalText() ?? "-"] } }
        }
    }
}

@_cdecl("kinerja_plugin_v1")
public func kinerja_plugin_v1() -> UnsafePointer<kinerja_plugin> { PluginExport.descriptor(GajahmungkurPlugin.self) }
