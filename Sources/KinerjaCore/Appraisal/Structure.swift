/// The head of a unit takes the unit's predikat kinerja organisasi as their Rating Hasil Kerja (SE MenPANRB 3/2023).
/// Which rating each unit predikat becomes is the agency's option (`[appraisal.unit_head_hasil]`).
public struct UnitHeadMapping: Sendable, Equatable {
    public var hasil: [UnitPredikat: Rating] = [
        .istimewa: .diAtas, .baik: .sesuai, .butuhPerbaikan: .diBawah, .kurang: .diBawah, .sangatKurang: .diBawah,
    ]

    public init() {}

    public func hasilKerja(_ predikat: UnitPredikat) -> Rating { hasil[predikat] ?? .sesuai }
}

/// What `ratings.hasil_by` says about a rating's Hasil Kerja.
public enum HasilSource: Sendable, Equatable {
    /// Given with the rating, by its rater.
    case rater
    /// Taken from the unit's predikat (the employee heads that unit).
    case unit(String)
    /// Set against the unit's result by `who`, with a reason.
    case override(who: String, reason: String)

    public init(stored text: String) {
        if text.hasPrefix("unit:") {
            self = .unit(String(text.dropFirst(5)))
        } else if text.hasPrefix("override:") {
            let rest = text.dropFirst(9)
            let parts = rest.split(separator: " ", maxSplits: 1).map(String.init)
            self = .override(who: parts.first ?? "", reason: parts.count > 1 ? parts[1] : "")
        } else {
            self = .rater
        }
    }

    public var stored: String {
        switch self {
        case .rater: ""
        case .unit(let code): "unit:\(code)"
        case .override(let who, let reason): "override:\(who) \(reason)"
        }
    }
}

/// Whether `appraisal credits` for a year adds up the periodic credits or uses the annual predikat (agency option
/// `[appraisal] credits_from`, default annual).
public enum CreditsFrom: String, Sendable, CaseIterable {
    case annual, periodic
}

extension AngkaKredit {
    /// Months of `period` the employee held their jabatan: all of them (1, 3, 6 or 12), or from the month of
    /// `since` (that month counts whole) when they entered it during the period; 0 when they entered after it.
    public static func months(of period: PeriodID, since: CivilDate?) -> Int {
        let (start, end) = period.dates
        let all = (end.year - start.year) * 12 + end.month - start.month + 1
        guard let since, since > start else { return all }
        guard since <= end else { return 0 }
        return (end.year - since.year) * 12 + end.month - since.month + 1
    }

    /// Credit for a period in thousandths, rounded half up: coefficient × predikat factor × months ÷ 12.
    /// Ahli Pertama, Baik, one month: 12.5 × 100 % × 1 ÷ 12 = 1.0416… → 1042.
    public static func thousandths(_ j: JabatanFungsional, _ p: Predikat, months: Int) -> Int64 {
        let m = Int128(max(0, min(months, 12)))
        // coefficient (hundredths) × factor (percent) × months × 1000 / (100 × 100 × 12); small table constants.
        let exact = Fraction(coefficientHundredths[j]! * factorPercent[p]! * m * 1000, 100 * 100 * 12)
        return (try? exact.rounded()) ?? 0
    }

    /// `x.yy` from thousandths (the stored precision), rounded half up.
    public static func text(thousandths: Int64) -> String { Fraction(Int128(thousandths), 1000).decimalText(places: 2) }

    /// `x.yyy`: the stored precision.
    public static func exactText(thousandths: Int64) -> String { Fraction(Int128(thousandths), 1000).decimalText(places: 3) }
}

/// A PLT (*Pelaksana Tugas*) or PLH (*Pelaksana Harian*) over a unit for dated days.
public enum ActingKind: String, Sendable, CaseIterable {
    case plt, plh

    public var officialName: String { self == .plt ? "Pelaksana Tugas" : "Pelaksana Harian" }
}

public struct ActingAssignment: Sendable, Equatable {
    public var id: Int64
    public var unitCode: String
    public var nip: String
    public var kind: ActingKind
    public var from: CivilDate
    public var to: CivilDate
    public var reason: String
    /// Who made it and when (UTC, ISO 8601); who ended it early and when (empty when it was not).
    public var createdBy: String
    public var endedBy: String
    public var endedAt: String

    public init(
        id: Int64 = 0, unitCode: String, nip: String, kind: ActingKind, from: CivilDate, to: CivilDate, reason: String = "",
        createdBy: String = "", endedBy: String = "", endedAt: String = ""
    ) {
        self.id = id
        self.unitCode = unitCode
        self.nip = nip
        self.kind = kind
        self.from = from
        self.to = to
        self.reason = reason
        self.createdBy = createdBy
        self.endedBy = endedBy
        self.endedAt = endedAt
    }

    public func covers(_ day: CivilDate) -> Bool { from <= day && day <= to }
}

public enum ActingRules {
    /// Why an assignment cannot be made, or nil. `overlapping`: the unit's assignments of the same kind whose days
    /// meet the new one's; `head`: the unit's head.
    public static func refusal(_ a: ActingAssignment, head: String?, employeeActive: Bool, overlapping: [ActingAssignment]) -> String? {
        if a.to < a.from { return "--to \(a.to) is before --from \(a.from)" }
        if a.to.daysSinceEpoch - a.from.daysSinceEpoch > 366 * 2 { return "an acting assignment runs at most two years (\(a.from) to \(a.to))" }
        if !employeeActive { return "\(a.nip) is not an active employee" }
        if head == a.nip { return "\(a.nip) already heads \(a.unitCode)" }
        if let other = overlapping.first {
            return "\(a.unitCode) already has a \(other.kind.rawValue.uppercased()) (\(other.nip), \(other.from) to \(other.to)) on some of these days"
        }
        return nil
    }

    /// The assessor of an employee on `day` (a period's last day): a PLT covering that day over the unit the
    /// supervisor heads replaces them; when there is no supervisor, a PLT or PLH over the employee's unit is the
    /// assessor. A PLH stands beside a present holder and does not replace them.
    public static func assessor(
        supervisor: String?, supervisorHeads: [String], employeeUnit: String, on day: CivilDate, assignments: [ActingAssignment]
    )
        -> (nip: String, acting: ActingAssignment?)?
    {
        let live = assignments.filter { $0.covers(day) }
        if let s = supervisor {
            if let plt = live.first(where: { $0.kind == .plt && supervisorHeads.contains($0.unitCode) }) { return (plt.nip, plt) }
            return (s, nil)
        }
        if let a = live.first(where: { $0.unitCode == employeeUnit }) { return (a.nip, a) }
        return nil
    }
}

/// The unit's result as a head's Hasil Kerja: what a rating of that head may set.
public struct UnitResult: Sendable, Equatable {
    public var unitCode: String
    public var predikat: UnitPredikat
    public var hasil: Rating

    public init(unitCode: String, predikat: UnitPredikat, hasil: Rating) {
        self.unitCode = unitCode
        self.predikat = predikat
        self.hasil = hasil
    }

    public var explanation: String {
        "unit \(unitCode)'s predikat \(predikat.officialName) → \(hasil.rawValue)"
    }
}

extension UnitHeadRules {
    /// The Hasil Kerja a rating gets, and who set it. `requested` nil: not given (allowed only for a head whose unit
    /// is rated). A head's Hasil Kerja is the unit's; another value needs `override` (who, reason); an earlier
    /// override stands while the same value is given again.
    public static func hasil(
        requested: Rating?, unit: UnitResult?, stored: (hasil: Rating, source: HasilSource)?, override: (who: String, reason: String)?, subject: String
    ) throws(ValidationError) -> (Rating, HasilSource) {
        guard let unit else {
            if override != nil {
                throw ValidationError("--override applies to the Hasil Kerja of a unit head whose unit is rated; \(subject) is not one")
            }
            guard let requested else { throw ValidationError("hasil_kerja is required (\(subject) heads no rated unit)") }
            return (requested, .rater)
        }
        if let override {
            guard let requested else { throw ValidationError("--override needs the hasil_kerja to set") }
            guard !override.reason.trimmedBlanks.isEmpty else { throw ValidationError("--override needs a --reason (it is audited)") }
            return (requested, .override(who: override.who, reason: override.reason.trimmedBlanks))
        }
        if let stored, case .override = stored.source, requested == nil || requested == stored.hasil { return (stored.hasil, stored.source) }
        if requested == nil || requested == unit.hasil { return (unit.hasil, .unit(unit.unitCode)) }
        throw ValidationError(
            "the Hasil Kerja of \(subject) is taken from \(unit.explanation) (\(subject) heads \(unit.unitCode)); to set \(requested!.rawValue) give --override with --reason"
        )
    }
}

/// One RHK as the Matriks Peran Hasil sees it.
public struct CascadeRHK: Sendable, Equatable {
    public var nip: String
    public var id: String
    public var text: String
    /// utama | tambahan
    public var kind: String
    public var intervensiNIP: String?
    public var intervensiRHK: String?

    public init(nip: String, id: String, text: String, kind: String, intervensiNIP: String? = nil, intervensiRHK: String? = nil) {
        self.nip = nip
        self.id = id
        self.text = text
        self.kind = kind
        self.intervensiNIP = intervensiNIP
        self.intervensiRHK = intervensiRHK
    }
}

/// The Matriks Peran Hasil: a leader's RHK and the subordinates' RHK that intervene them, with what a reviewer
/// looks for (leader RHK nobody supports, subordinates whose RHK utama link to nothing of the leader's).
public enum MatriksPeranHasil {
    public struct Row: Sendable, Equatable {
        public var rhk: CascadeRHK
        public var supportedBy: [CascadeRHK]
        public var unsupported: Bool { supportedBy.isEmpty }
    }

    public struct Supervisor: Sendable, Equatable {
        public var nip: String
        public var rows: [Row]
        /// Subordinates with an SKP none of whose RHK utama intervene one of this supervisor's RHK.
        public var unlinked: [String]
        /// Subordinates without an SKP.
        public var withoutSKP: [String]
    }

    /// `subordinates`: each supervisor's direct subordinates; `rhk`: every SKP's RHK by NIP (no key: no SKP).
    public static func build(subordinates: [String: [String]], rhk: [String: [CascadeRHK]]) -> [Supervisor] {
        subordinates.keys.sorted().map { s in
            let team = subordinates[s]!.sorted()
            let own = rhk[s] ?? []
            let rows = own.map { r in
                Row(
                    rhk: r,
                    supportedBy: team.flatMap { n in (rhk[n] ?? []).filter { $0.intervensiNIP == s && $0.intervensiRHK == r.id } })
            }
            let ids = Set(own.map(\.id))
            var unlinked: [String] = []
            var without: [String] = []
            for n in team {
                guard let theirs = rhk[n] else {
                    without.append(n)
                    continue
                }
                if !theirs.contains(where: { $0.kind == "utama" && $0.intervensiNIP == s && ids.contains($0.intervensiRHK ?? "") }) { unlinked.append(n) }
            }
            return Supervisor(nip: s, rows: rows, unlinked: unlinked, withoutSKP: without)
        }
    }
}
