import Foundation

/// How an annual period is divided for periodic appraisal (the agency chooses).
public enum Periodicity: String, Sendable, CaseIterable, Codable {
    case none, monthly, quarterly, semester
}

public enum PeriodKind: String, Sendable, Codable {
    case annual, monthly, quarterly, semester
}

/// `draft → planning → running → assessment → closed`.
public enum PeriodState: String, Sendable, CaseIterable, Codable, Comparable {
    case draft, planning, running, assessment, closed

    public var order: Int { PeriodState.allCases.firstIndex(of: self)! }
    public static func < (a: PeriodState, b: PeriodState) -> Bool { a.order < b.order }

    public var next: PeriodState? {
        let i = order + 1
        return i < PeriodState.allCases.count ? PeriodState.allCases[i] : nil
    }
}

/// A period id: `2026` (annual), `2026-03` (monthly), `2026-Q1` (quarterly), `2026-S2` (semester).
public struct PeriodID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let kind: PeriodKind
    /// Month 1–12, quarter 1–4, semester 1–2; 0 for annual.
    public let index: Int

    public init(year: Int, kind: PeriodKind, index: Int) {
        self.year = year
        self.kind = kind
        self.index = index
    }

    public init(_ text: String) throws(ValidationError) {
        let t = text.trimmedBlanks.uppercased()
        let parts = t.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, first.count == 4, let year = Int(first), (2000...2100).contains(year) else {
            throw ValidationError("period '\(Quote.short(text))' must start with a year 2000–2100 (e.g. 2026, 2026-03, 2026-Q1, 2026-S1)")
        }
        if parts.count == 1 {
            self.init(year: year, kind: .annual, index: 0)
            return
        }
        let rest = parts[1]
        if rest.hasPrefix("Q"), let q = Int(rest.dropFirst()), (1...4).contains(q), rest.count == 2 {
            self.init(year: year, kind: .quarterly, index: q)
        } else if rest.hasPrefix("S"), let s = Int(rest.dropFirst()), (1...2).contains(s), rest.count == 2 {
            self.init(year: year, kind: .semester, index: s)
        } else if rest.count == 2, let m = Int(rest), (1...12).contains(m) {
            self.init(year: year, kind: .monthly, index: m)
        } else {
            throw ValidationError("period '\(Quote.short(text))': after the year use -01…-12, -Q1…-Q4 or -S1/-S2")
        }
    }

    public var description: String {
        switch kind {
        case .annual: "\(year)"
        case .monthly: "\(year)-\(index < 10 ? "0" : "")\(index)"
        case .quarterly: "\(year)-Q\(index)"
        case .semester: "\(year)-S\(index)"
        }
    }

    public var annual: PeriodID { PeriodID(year: year, kind: .annual, index: 0) }

    /// First and last day, inclusive.
    public var dates: (start: CivilDate, end: CivilDate) {
        let (firstMonth, months): (Int, Int) =
            switch kind {
            case .annual: (1, 12)
            case .monthly: (index, 1)
            case .quarterly: ((index - 1) * 3 + 1, 3)
            case .semester: ((index - 1) * 6 + 1, 6)
            }
        let lastMonth = firstMonth + months - 1
        return (
            CivilDate(year: year, month: firstMonth, day: 1)!,
            CivilDate(year: year, month: lastMonth, day: CivilDate.daysIn(year: year, month: lastMonth))!
        )
    }

    public func contains(_ date: CivilDate) -> Bool { dates.start <= date && date <= dates.end }

    public static func < (a: PeriodID, b: PeriodID) -> Bool {
        (a.year, a.dates.start, a.kind == .annual ? 0 : 1) < (b.year, b.dates.start, b.kind == .annual ? 0 : 1)
    }

    /// The periodic children of an annual period.
    public static func children(of year: Int, _ periodicity: Periodicity) -> [PeriodID] {
        switch periodicity {
        case .none: []
        case .monthly: (1...12).map { PeriodID(year: year, kind: .monthly, index: $0) }
        case .quarterly: (1...4).map { PeriodID(year: year, kind: .quarterly, index: $0) }
        case .semester: (1...2).map { PeriodID(year: year, kind: .semester, index: $0) }
        }
    }

    /// Default filling deadline (batas pengisian): periodic the 10th of the next month; annual 10 January
    /// of the next year.
    public var defaultDeadline: CivilDate {
        let end = dates.end
        let next = end.adding(days: 1)
        return CivilDate(year: next.year, month: next.month, day: 10)!
    }

    /// Default SKP deadline of an annual period: 31 January of the year.
    public var defaultSKPDeadline: CivilDate { CivilDate(year: year, month: 1, day: 31)! }
}

/// Why a transition is refused; `counts` back the reason with numbers (shown to the admin).
public struct TransitionRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var counts: [String: Int]
    public init(_ reason: String, counts: [String: Int] = [:]) {
        self.reason = reason
        self.counts = counts
    }

    public var description: String {
        counts.isEmpty ? reason : reason + " (" + counts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + ")"
    }
}

/// What the store knows when a period is advanced; the rules decide from it.
public struct TransitionFacts: Sendable {
    public var id: PeriodID
    public var state: PeriodState
    /// The annual parent's state (for a periodic period).
    public var parentState: PeriodState?
    /// States of the periodic children (for an annual period).
    public var childStates: [PeriodState] = []
    /// Today in the agency's zone.
    public var today: CivilDate
    public var activeEmployees = 0
    public var approvedSKPs = 0
    /// Active employees without a rating for this period (nil: ratings not checked).
    public var unrated: Int?
    /// Units whose distribution curve is violated (nil: not checked).
    public var curveViolations: Int?
    /// Who is unrated and which units violate, for the refusal message (the first ones suffice).
    public var unratedNIPs: [String] = []
    public var violatingUnits: [String] = []

    public init(id: PeriodID, state: PeriodState, parentState: PeriodState? = nil, childStates: [PeriodState] = [], today: CivilDate) {
        self.id = id
        self.state = state
        self.parentState = parentState
        self.childStates = childStates
        self.today = today
    }
}

public enum PeriodRules {
    /// The next state, or why not. `force` skips the preconditions (never the order of states).
    public static func advance(_ f: TransitionFacts, force: Bool) throws(TransitionRefusal) -> PeriodState {
        guard let next = f.state.next else { throw TransitionRefusal("period \(f.id) is closed; use `period reopen` to go back to assessment") }
        if force { return next }
        // A periodic period cannot move ahead of its annual parent: it plans and runs only once the year does.
        // Its own assessment and closing happen while the year still runs (months close during the year).
        if let parent = f.parentState, min(next, .running) > parent {
            throw TransitionRefusal("period \(f.id) cannot move to \(next.rawValue) ahead of its annual period \(f.id.annual), which is \(parent.rawValue)")
        }
        switch next {
        case .draft: break
        case .planning: break
        case .running:
            if f.id.kind == .annual && f.approvedSKPs < f.activeEmployees {
                throw TransitionRefusal(
                    "\(f.activeEmployees - f.approvedSKPs) active employees have no approved SKP for \(f.id)",
                    counts: ["active_employees": f.activeEmployees, "approved_skp": f.approvedSKPs])
            }
        case .assessment:
            if f.today <= f.id.dates.end {
                throw TransitionRefusal("period \(f.id) runs until \(f.id.dates.end); assessment starts after it ends (today is \(f.today))")
            }
        case .closed:
            if f.id.kind == .annual {
                let open = f.childStates.filter { $0 != .closed }.count
                if open > 0 {
                    throw TransitionRefusal("\(open) periodic periods of \(f.id) are not closed yet", counts: ["open_periodic": open])
                }
            }
            func list(_ items: [String], of total: Int) -> String {
                items.isEmpty ? "" : ": " + items.prefix(20).joined(separator: ", ") + (total > 20 ? ", … (\(total - 20) more)" : "")
            }
            var problems: [String] = []
            var counts: [String: Int] = [:]
            if let unrated = f.unrated, unrated > 0 {
                problems.append("\(unrated) active employees are not rated for \(f.id)" + list(f.unratedNIPs, of: unrated))
                counts["unrated"] = unrated
                counts["active_employees"] = f.activeEmployees
            }
            if let v = f.curveViolations, v > 0 {
                problems.append(
                    "\(v) units violate the distribution curve for \(f.id)" + list(f.violatingUnits, of: v) + " (see the appraisal curve of \(f.id))")
                counts["units_violating_curve"] = v
            }
            if !problems.isEmpty { throw TransitionRefusal(problems.joined(separator: "; "), counts: counts) }
        }
        return next
    }
}

/// When appraisal results may be written and paid from.
public enum AppraisalWindow {
    /// Ratings (set, import, derive --apply) are accepted only while their period is running or being assessed.
    public static let ratingStates: [PeriodState] = [.running, .assessment]

    /// nil when ratings for a period in `state` are accepted; otherwise why not.
    public static func ratingRefusal(period: String, state: PeriodState) -> String? {
        ratingStates.contains(state)
            ? nil
            : "period \(period) is \(state.rawValue): ratings are accepted only while it is running or in assessment"
    }
}

/// Whether a month's TPP may be paid from its periodic period's predikat.
public enum TPPEligibility {
    /// nil when the predikat of `period` (in `state`) may be paid from: the period is in assessment or closed.
    /// Otherwise the reason every employee of the month is blocked.
    public static func predikatGate(period: String, state: PeriodState) -> String? {
        state >= .assessment
            ? nil
            : "period \(period) is \(state.rawValue): TPP is paid from a predikat once its period is in assessment or closed"
    }

    /// Why an employee is blocked before the TPP policy sees them, nil when the policy decides: no base amount for their
    /// kelas jabatan (and no override), or the month's predikat is not payable yet (`predikatGate`).
    public static func blockedBeforePolicy(hasBase: Bool, kelasJabatan: Int, predikatGate: String?) -> String? {
        if !hasBase { return "no TPP base for kelas jabatan \(kelasJabatan) (tpp base import)" }
        return predikatGate
    }
}

/// The daily activity log's rules (laporan kegiatan harian).
public enum ActivityRules {
    /// Minutes one employee can log for one day, all entries together.
    public static let minutesPerDay = 1_440

    /// nil when one activity's own fields may be stored: a description (bounded), 1 to 1,440 minutes, bounded evidence.
    /// The refusal names the field.
    public static func entryRefusal(description: String, minutesText: String, evidence: String) -> RealisasiRules.Refusal? {
        if description.isEmpty { return .init("description", "description is empty") }
        if let why = FieldLimit.text.check(description) { return .init("description", "description \(why)") }
        if let why = FieldLimit.checkEvidence(evidence) { return .init("evidence", "evidence \(why)") }
        guard let minutes = Int(minutesText), (1...minutesPerDay).contains(minutes) else {
            return .init("minutes", "'\(Quote.short(minutesText))' is not a duration of 1–1440 minutes")
        }
        return nil
    }

    /// nil when `total` minutes fit in one day for one employee; else why not.
    public static func dayRefusal(nip: String, date: CivilDate, total: Int) -> String? {
        total > minutesPerDay ? "\(nip) would have \(total) minutes on \(date); a day holds at most \(minutesPerDay)" : nil
    }

    /// nil when an activity may be logged on `date`: not after `today` (the agency's zone), and inside a period
    /// that is running (the annual period or its periodic one). Otherwise why not.
    public static func dateRefusal(_ date: CivilDate, today: CivilDate, periods: [(id: PeriodID, state: PeriodState)]) -> String? {
        if date > today { return "\(date) is after today (\(today)): activities are logged for days that have passed" }
        let containing = periods.filter { $0.id.contains(date) }
        if let closed = containing.first(where: { $0.state == .closed }) { return "period \(closed.id) is closed: activities on \(date) cannot change" }
        if !containing.contains(where: { $0.state == .running }) {
            return containing.isEmpty
                ? "no appraisal period contains \(date): activities are logged while a period runs"
                : "no period containing \(date) is running (\(containing.map { "\($0.id) \($0.state.rawValue)" }.joined(separator: ", ")))"
        }
        return nil
    }
}
