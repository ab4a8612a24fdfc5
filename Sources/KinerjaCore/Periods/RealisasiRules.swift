/// The rules one realisasi meets, whether it comes in a file (`RealisasiImport`) or one at a time from a portal.
public enum RealisasiRules {
    /// Why a realisasi is refused, and the column (of a file; the field of a request) at fault.
    public struct Refusal: Error, Sendable, Equatable {
        public var column: String
        public var message: String
        public init(_ column: String, _ message: String) {
            self.column = column
            self.message = message
        }
    }

    /// nil when realisasi of `period` (in `state`) may still change.
    public static func periodRefusal(_ period: PeriodID, state: PeriodState) -> Refusal? {
        state == .closed ? Refusal("period", "period \(period) is closed: realisasi cannot change") : nil
    }

    /// nil when an SKP in `status` takes realisasi (it is approved).
    public static func skpRefusal(nip: String, annual: PeriodID, status: SKPStatus) -> Refusal? {
        status == .approved
            ? nil : Refusal("nip", "the SKP of \(nip) for \(annual) is \(status.rawValue); realisasi is filed against an approved SKP")
    }

    /// What is stored for the realisasi of indicator `rhk`/`indicator`: a value for a numeric target (a bounded,
    /// non-negative number), a text for a qualitative one (a number given with it is kept when in range), bounded texts
    /// and evidence. The stored text is the text, else what was written as the value.
    public static func content(
        numeric: Bool, rhk: String, indicator: String, valueText: String, text: String, evidence: String, note: String
    ) -> Result<(value: Double?, text: String), Refusal> {
        var value: Double?
        if numeric {
            if valueText.isEmpty { return .failure(Refusal("value", "indicator \(rhk)/\(indicator) has a numeric target: give a value")) }
            switch Measure.parse(valueText, decimalComma: true) {
            case .failure(let e): return .failure(Refusal("value", "\(e.message): a realisasi is \(Measure.rule), not negative"))
            case .success(let v) where v < 0: return .failure(Refusal("value", "'\(Quote.short(valueText))' is negative: a realisasi is not negative"))
            case .success(let v): value = v
            }
        } else if text.isEmpty && valueText.isEmpty {
            return .failure(Refusal("text", "indicator \(rhk)/\(indicator) has a qualitative target: describe the realisasi in text"))
        } else if !valueText.isEmpty {
            value = try? Measure.parse(valueText, decimalComma: true).get()
        }
        if let why = FieldLimit.text.check(text) { return .failure(Refusal("text", "text \(why)")) }
        if let why = FieldLimit.text.check(note) { return .failure(Refusal("note", "note \(why)")) }
        if let why = FieldLimit.checkEvidence(evidence) { return .failure(Refusal("evidence", "evidence \(why)")) }
        return .success((value, text.isEmpty ? valueText : text))
    }
}

/// The batas pengisian as it binds a portal: after the period's deadline (or the later date an admin extended it to
/// for one employee), a gateway's writes for the period are refused. Operators and admins are not bound by it.
public enum FilingDeadline {
    /// The last day the employee may file: the extension when it is later than the period's deadline.
    public static func inForce(period deadline: CivilDate, extendedUntil: CivilDate?) -> CivilDate {
        guard let extendedUntil, extendedUntil > deadline else { return deadline }
        return extendedUntil
    }

    /// nil when a gateway may file for `period` on `today`; else why not, naming the deadline.
    public static func refusal(period: PeriodID, deadline: CivilDate, extendedUntil: CivilDate?, today: CivilDate) -> String? {
        let last = inForce(period: deadline, extendedUntil: extendedUntil)
        guard today > last else { return nil }
        let which = last == deadline ? "its batas pengisian" : "the extension granted until"
        return "the filing deadline for \(period) has passed (\(which) \(last)): ask an admin to extend it (`period extend \(period) --nip …`)"
    }
}

extension FilingDeadline {
    /// The period being filled on `today`: of the periods that have started and are not closed, those without
    /// children (the periodic ones, or an annual one without periodic periods), the one whose deadline is the first
    /// not yet past; when every deadline has passed, the latest to have started. nil when none has started.
    public static func beingFilled(
        _ periods: [(id: PeriodID, state: PeriodState, deadline: CivilDate, hasChildren: Bool)], today: CivilDate
    ) -> PeriodID? {
        let open = periods.filter { !$0.hasChildren && $0.state != .closed && $0.state != .draft && $0.id.dates.start <= today }
        if let due = open.filter({ $0.deadline >= today }).min(by: { ($0.deadline, $0.id.dates.start) < ($1.deadline, $1.id.dates.start) }) {
            return due.id
        }
        return open.max(by: { $0.id.dates.start < $1.id.dates.start })?.id
    }
}
