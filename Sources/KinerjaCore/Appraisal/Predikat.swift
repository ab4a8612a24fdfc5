import Foundation

/// The three-level scale both dimensions (Hasil Kerja, Perilaku Kerja) are rated on.
public enum Rating: String, Sendable, CaseIterable, Codable, Comparable {
    case diAtas = "di_atas"
    case sesuai
    case diBawah = "di_bawah"

    /// Accepts `di_atas`, `di atas`, `diatas`, `di atas ekspektasi`, `Di Atas Ekspektasi`, … (any case).
    public init?(text: String) {
        if let exact = Rating(rawValue: text) {
            self = exact
            return
        }
        let t = text.lowercased().replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: "-", with: " ")
            .split(separator: " ").joined(separator: " ")
        let core = t.hasSuffix(" ekspektasi") ? String(t.dropLast(" ekspektasi".count)) : t
        switch core.replacingOccurrences(of: " ", with: "") {
        case "diatas": self = .diAtas
        case "sesuai": self = .sesuai
        case "dibawah": self = .diBawah
        default: return nil
        }
    }

    /// The value a plugin averages: di_atas 3, sesuai 2, di_bawah 1.
    public var score: Int {
        switch self {
        case .diAtas: 3
        case .sesuai: 2
        case .diBawah: 1
        }
    }

    public var officialName: String {
        switch self {
        case .diAtas: "Di Atas Ekspektasi"
        case .sesuai: "Sesuai Ekspektasi"
        case .diBawah: "Di Bawah Ekspektasi"
        }
    }

    public static func < (a: Rating, b: Rating) -> Bool { a.score < b.score }
}

/// Predikat Kinerja Pegawai, best first.
public enum Predikat: String, Sendable, CaseIterable, Codable, Comparable {
    case sangatBaik = "sangat_baik"
    case baik
    case butuhPerbaikan = "butuh_perbaikan"
    case kurang
    case sangatKurang = "sangat_kurang"

    public var officialName: String {
        switch self {
        case .sangatBaik: "Sangat Baik"
        case .baik: "Baik"
        case .butuhPerbaikan: "Butuh Perbaikan"
        case .kurang: "Kurang/Misconduct"
        case .sangatKurang: "Sangat Kurang"
        }
    }

    public init?(text: String) {
        if let exact = Predikat(rawValue: text) {
            self = exact
            return
        }
        let t = text.lowercased().replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "/misconduct", with: "")
        self.init(rawValue: t)
    }

    /// Rank 0 (best) … 4.
    public var rank: Int { Predikat.allCases.firstIndex(of: self)! }
    public static func < (a: Predikat, b: Predikat) -> Bool { a.rank > b.rank }

    /// The PermenPANRB 6/2022 matrix, exactly its nine cells:
    ///
    /// | Hasil Kerja ↓ · Perilaku → | di bawah | sesuai | di atas |
    /// |---|---|---|---|
    /// | di atas | Kurang/Misconduct | Baik | Sangat Baik |
    /// | sesuai | Kurang/Misconduct | Baik | Baik |
    /// | di bawah | Sangat Kurang | Butuh Perbaikan | Butuh Perbaikan |
    public static func from(hasilKerja: Rating, perilakuKerja: Rating) -> Predikat {
        switch (hasilKerja, perilakuKerja) {
        case (.diAtas, .diBawah): .kurang
        case (.diAtas, .sesuai): .baik
        case (.diAtas, .diAtas): .sangatBaik
        case (.sesuai, .diBawah): .kurang
        case (.sesuai, .sesuai): .baik
        case (.sesuai, .diAtas): .baik
        case (.diBawah, .diBawah): .sangatKurang
        case (.diBawah, .sesuai): .butuhPerbaikan
        case (.diBawah, .diAtas): .butuhPerbaikan
        }
    }
}

/// The seven BerAKHLAK core values Perilaku Kerja is judged against.
public enum BerAKHLAK: String, Sendable, CaseIterable, Codable {
    case berorientasiPelayanan = "berorientasi_pelayanan"
    case akuntabel
    case kompeten
    case harmonis
    case loyal
    case adaptif
    case kolaboratif

    public var officialName: String {
        switch self {
        case .berorientasiPelayanan: "Berorientasi Pelayanan"
        case .akuntabel: "Akuntabel"
        case .kompeten: "Kompeten"
        case .harmonis: "Harmonis"
        case .loyal: "Loyal"
        case .adaptif: "Adaptif"
        case .kolaboratif: "Kolaboratif"
        }
    }
}

/// Who may give 360° feedback on whom, and as which source: derived from the supervisor links, never chosen.
public enum FeedbackRelation {
    /// `atasan`, `bawahan` or `rekan` for `rater` on `subject`; a refusal when they are the same person or not related.
    public static func source(rater: Employee, subject: Employee) -> Result<String, ValidationError> {
        if rater.nip == subject.nip { return .failure(ValidationError("nobody gives 360° feedback on themselves")) }
        if subject.supervisorNIP == rater.nip { return .success("atasan") }
        if rater.supervisorNIP == subject.nip { return .success("bawahan") }
        if let a = rater.supervisorNIP, a == subject.supervisorNIP { return .success("rekan") }
        return .failure(
            ValidationError("\(rater.nip) is not the supervisor, a direct subordinate or a colleague under the same supervisor of \(subject.nip)"))
    }
}

/// 360° feedback summed up per source: the mean rating on the 3/2/1 scale (di_atas 3, sesuai 2, di_bawah 1).
public enum FeedbackMeans {
    public static func bySource(_ entries: [(source: String, rating: Rating)]) -> [String: Fraction] {
        var scores: [String: [Int]] = [:]
        for e in entries { scores[e.source, default: []].append(e.rating.score) }
        return scores.mapValues { Fraction(Int128($0.reduce(0, +)), Int128($0.count)) }
    }
}
