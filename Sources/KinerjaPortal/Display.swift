import Foundation
import KinerjaCore

/// How values read on a page: Rupiah, dates, predikat, the ratings chart.
enum Display {
    static let months = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
    static let monthNames = [
        "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember",
    ]

    /// "Rp 1.234.567".
    static func rupiah(_ amount: Int64) -> String { Money.text(amount) }

    /// "10 Desember 2026" from YYYY-MM-DD (the text itself when it is not a date).
    static func date(_ iso: String) -> String {
        let p = iso.split(separator: "-")
        guard p.count == 3, let m = Int(p[1]), (1...12).contains(m), let d = Int(p[2]) else { return iso }
        return "\(d) \(monthNames[m - 1]) \(p[0])"
    }

    /// Days from `today` to `deadline` (both YYYY-MM-DD); nil when either is not a date.
    static func daysBetween(_ today: String, _ deadline: String) -> Int? {
        guard let a = CivilDate(iso: today), let b = CivilDate(iso: deadline) else { return nil }
        return b.daysSinceEpoch - a.daysSinceEpoch
    }

    /// A period's name: "2026", "Maret 2026", "Triwulan I 2026", "Semester 2 2026".
    static func period(_ id: String) -> String {
        let p = id.split(separator: "-")
        guard p.count == 2 else { return id }
        if let m = Int(p[1]), (1...12).contains(m) { return "\(monthNames[m - 1]) \(p[0])" }
        if p[1].hasPrefix("Q"), let q = Int(p[1].dropFirst()), (1...4).contains(q) { return "Triwulan \(["I", "II", "III", "IV"][q - 1]) \(p[0])" }
        if p[1].hasPrefix("S"), let s = Int(p[1].dropFirst()) { return "Semester \(s) \(p[0])" }
        return id
    }

    static let predikatScore = ["sangat_baik": 5, "baik": 4, "butuh_perbaikan": 3, "kurang": 2, "sangat_kurang": 1]

    /// The bars of the ratings chart: one per periodic period, height by predikat (5 Sangat Baik … 1 Sangat Kurang),
    /// as numbers for the template's inline SVG (no text of the user's reaches an attribute).
    static func ratingBars(_ periods: [(id: String, predikat: String)]) -> [[String: Any]] {
        let width = 36
        let chartHeight = 150
        return periods.enumerated().map { i, p in
            let score = predikatScore[p.predikat] ?? 0
            let h = score * chartHeight / 5
            let label =
                p.id.split(separator: "-").last.map { s -> String in
                    if let m = Int(s), (1...12).contains(m) { return months[m - 1] }
                    return String(s)
                } ?? p.id
            return [
                "x": 40 + i * (width + 8), "y": 10 + chartHeight - h, "height": h, "width": width, "labelX": 40 + i * (width + 8) + width / 2,
                "labelY": chartHeight + 28, "label": label, "score": score, "rated": score > 0, "predikat": p.predikat,
            ]
        }
    }
}
